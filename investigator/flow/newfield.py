"""A new field of a settings class, read at its default, is the code the baseline ran.

Real shape (cleanrl e421c2e5..9d709007, SAC and TD3 scripts): `class Args:` (a dataclass parsed from the command
line) gains `num_envs: int = 1`, and `SyncVectorEnv([make_env(args.env_id, args.seed, 0, ...)])` becomes
`SyncVectorEnv([make_env(args.env_id, args.seed + i, i, ...) for i in range(args.num_envs)])`. Both were reported as
significant environment/sampling changes. With the new field at its default, the comprehension runs once with
`i = 0`: `make_env(args.env_id, args.seed, 0, ...)`, the baseline's call. A run that sets the option is a
configuration change (the command line), not a change of the code.

A *new field* is a statement `name: T = <literal>` or `name = <literal>` of the body of a class without base classes
(a base class could define the same name: overriding its default would be a change) and without `__init__` that the
baseline's class of that name (same file) does not set, where the baseline's class already had fields (a settings
class, not a class converted into one). Its declaration alone computes nothing; a statement reading `<obj>.name` is
compared with the field at its default, a comprehension over `range(<small literal>)` written out and `x + 0`,
`x * 1` read as `x`.
"""

from __future__ import annotations

import ast
from typing import Any

from investigator.flow.units import Unit
from investigator.pyast import copy_tree

UNROLL_MAX = 4  # a comprehension over range(k) is written out only for k this small


def new_fields(base_tree: ast.Module, cand_tree: ast.Module) -> dict[str, object]:
    """Field name -> literal default of the new fields (module doc) of the candidate module's top-level classes;
    a name new in two classes with different defaults is left out."""
    key = f"_new_fields_{id(base_tree)}"
    found: dict[str, object] | None = cand_tree.__dict__.get(key)
    if found is not None:
        return found
    base_classes = {n.name: n for n in base_tree.body if isinstance(n, ast.ClassDef)}
    out: dict[str, object] = {}
    clash: set[str] = set()
    for cls in cand_tree.body:
        if not isinstance(cls, ast.ClassDef) or any(not (isinstance(b, ast.Name) and b.id == "object")
                                                    for b in cls.bases) or cls.keywords:
            continue
        old = base_classes.get(cls.name)
        if old is None or _has_init(old) or _has_init(cls):
            continue
        had = {name for s in old.body for name in _field(s)}
        if not had:
            continue  # a settings class already (fields only): not a class converted into one
        for stmt in cls.body:
            for name in _field(stmt):
                value = _literal(stmt.value)  # type: ignore[attr-defined]
                if name in had or value is _NO:
                    continue
                if name in out and repr(out[name]) != repr(value):
                    clash.add(name)
                out[name] = value
    found = cand_tree.__dict__[key] = {k: v for k, v in out.items() if k not in clash}
    return found


def _has_init(cls: ast.ClassDef) -> bool:
    return any(isinstance(s, ast.FunctionDef) and s.name == "__init__" for s in cls.body)


def _field(stmt: ast.stmt) -> list[str]:
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return [stmt.target.id]
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return [stmt.targets[0].id]
    return []


_NO = object()


def _literal(node: ast.expr | None) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int | float):
        return -node.operand.value
    return _NO


def new_field_declared(unit: Unit, base_tree: ast.Module) -> bool:
    """An added class-body statement declaring a new field (module doc)."""
    if not isinstance(unit.fn.node, ast.ClassDef):
        return False
    names = _field(unit.node)
    return bool(names) and names[0] in new_fields(base_tree, unit.fn.module.tree) and unit.fn.node in \
        unit.fn.module.tree.body


class _AtDefaults(ast.NodeTransformer):
    def __init__(self, fields: dict[str, object]) -> None:
        self.fields = fields
        self.count = 0

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) and node.value.id != "self" \
                and node.attr in self.fields:
            self.count += 1
            value: Any = self.fields[node.attr]  # a literal read by `_literal`
            return ast.copy_location(ast.Constant(value), node)
        return self.generic_visit(node)


class _Simplify(ast.NodeTransformer):
    """Comprehensions over a small literal `range` written out; `x + 0`, `0 + x`, `x * 1`, `1 * x` read as `x`."""

    def visit_ListComp(self, node: ast.ListComp) -> ast.AST:
        self.generic_visit(node)
        if len(node.generators) != 1:
            return node
        gen = node.generators[0]
        it = gen.iter
        if gen.ifs or gen.is_async or not isinstance(gen.target, ast.Name) or not (
                isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                and len(it.args) == 1 and not it.keywords and isinstance(it.args[0], ast.Constant)
                and isinstance(it.args[0].value, int) and 0 <= it.args[0].value <= UNROLL_MAX):
            return node
        elts = [self.visit(_Bind(gen.target.id, i).visit(copy_tree(node.elt))) for i in range(it.args[0].value)]
        return ast.copy_location(ast.List(elts=elts, ctx=ast.Load()), node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        neutral = 0 if isinstance(node.op, ast.Add) else 1 if isinstance(node.op, ast.Mult) else None
        if neutral is None:
            return node
        for keep, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(other, ast.Constant) and type(other.value) is int and other.value == neutral:
                return keep
        return node


class _Bind(ast.NodeTransformer):
    def __init__(self, name: str, value: int) -> None:
        self.name, self.value = name, value

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Constant(self.value), node) if node.id == self.name else node


def same_at_new_defaults(base: Unit, cand: Unit) -> bool:
    """The candidate statement, with the new fields it reads at their defaults (module doc), is the baseline's."""
    if base.header or cand.header or type(base.node) is not type(cand.node):
        return False
    fields = new_fields(base.fn.module.tree, cand.fn.module.tree)
    if not fields:
        return False
    at = _AtDefaults(fields)
    c = at.visit(copy_tree(cand.node))
    if not at.count:
        return False
    return ast.dump(_Simplify().visit(c), annotate_fields=False) == \
        ast.dump(_Simplify().visit(copy_tree(base.node)), annotate_fields=False)
