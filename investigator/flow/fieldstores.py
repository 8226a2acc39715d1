"""Field stores on a plain object: `args.num_iterations = v` writes one field, not all of `args`.

A store into `x.attr` is recorded on the unit as a definition of the root `x` (a weak update), so the
value would reach every later statement that reads any field of `x`. For a namespace of settings
(`args`, `cfg`, `config`) that is most of a training script: real shape, cleanrl's argparse -> tyro
move wrote `args.num_iterations = args.total_timesteps // args.batch_size` and the flow reached the
loss through `clip_grad_norm_(..., args.max_grad_norm)`, labelling a loop count "loss path".

Here the readers of such a store are narrowed to the statements that read one of the stored fields, call
a method on the object (which may read the field as `self.attr`), or use the object whole (passed to a
call, aliased, `vars(args)`): every way the stored value can be seen.
"""

from __future__ import annotations

import ast

from investigator.flow.units import Unit


def field_store_roots(u: Unit) -> dict[str, frozenset[str]]:
    """Root name -> fields, for the roots the unit's statement writes only through `root.field = ...`
    (not `self`, not rebound, not an element or a nested field store)."""
    node = u.node
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    else:
        return {}
    fields: dict[str, set[str]] = {}
    other: set[str] = set()
    for target in targets:
        for t in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
            t = t.value if isinstance(t, ast.Starred) else t
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id != "self":
                fields.setdefault(t.value.id, set()).add(t.attr)
            else:
                root = t
                while isinstance(root, ast.Attribute | ast.Subscript):
                    root = root.value
                if isinstance(root, ast.Name):
                    other.add(root.id)
    return {r: frozenset(a) for r, a in fields.items() if r not in other}


def reads_fields(v: Unit, root: str, fields: frozenset[str]) -> bool:
    """Whether the unit can see a value stored into `root.<field>`: it reads one of the fields, calls a
    method of `root`, or uses `root` other than to read another of its fields."""
    attribute_bases: set[int] = set()
    called: set[int] = set()
    found = False
    for top in v.parts:
        for sub in ast.walk(top):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
                called.add(id(sub.func))
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == root:
                attribute_bases.add(id(sub.value))
                if sub.attr in fields or id(sub) in called:
                    found = True
            elif isinstance(sub, ast.Name) and sub.id == root and isinstance(sub.ctx, ast.Load) \
                    and id(sub) not in attribute_bases:
                found = True
            if found:
                return True
    return False
