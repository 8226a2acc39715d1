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


WHOLE = "*"  # the object used whole (passed on, aliased) or a method called on it: any field may be seen


def reads_fields(v: Unit, root: str, fields: frozenset[str]) -> bool:
    """Whether the unit can see a value stored into `root.<field>`: it reads one of the fields, calls a
    method of `root`, or uses `root` other than to read another of its fields."""
    seen = _field_reads(v).get(root)
    return seen is not None and (WHOLE in seen or not seen.isdisjoint(fields))


def _field_reads(v: Unit) -> dict[str, frozenset[str]]:
    """Plain name -> the fields the unit reads of it (`WHOLE` among them when it uses the name otherwise),
    built once per unit: the flow asks for every store into a settings object against every reader."""
    memo = v.__dict__
    found = memo.get("_field_reads")
    if found is None:
        out: dict[str, set[str]] = {}
        bases: set[int] = set()
        called: set[int] = set()
        for top in v.parts:
            for sub in ast.walk(top):  # breadth first: a call before its function, an attribute before its base
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
                    called.add(id(sub.func))
                elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
                    bases.add(id(sub.value))
                    out.setdefault(sub.value.id, set()).add(WHOLE if id(sub) in called else sub.attr)
                elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and id(sub) not in bases:
                    out.setdefault(sub.id, set()).add(WHOLE)
        found = memo["_field_reads"] = {k: frozenset(x) for k, x in out.items()}
    return found
