"""A value read where it was stored: a local's last assignment, `self.x` set once in its class.

Why: a release that computes a value once in `act()`, stores it on `self` and reads the attribute
where it used to recompute it (skrl 2.0: `self._current_values = self._value_preprocessor(values,
inverse=True)` in `act()`, read as `self._current_values` in `record_transition`, where 1.4 had the
local `values = self._value_preprocessor(values, inverse=True)`) rewrites the expressions that use
the value, yet the value is the same. `stored_value` writes an expression with each such read
replaced by what was stored, a few levels deep, so that detectors can tell a moved computation from
a different one. A read with several possible sources (assigned twice, updated in place, set in a
base class) is kept as written: only what the code tells unambiguously is substituted. Locals of
other functions that stay unresolved become `_v`, as `canon` writes the analysed function's locals.
"""

from __future__ import annotations

import ast
from typing import TypeGuard

from investigator.detectors.configref import config_read, holder, resolve_config
from investigator.detectors.functions import FunctionInfo
from investigator.pyast import copy_tree

MAX_DEPTH = 3
LOCAL = "_v"


def _empty(value: ast.AST | None) -> bool:
    """`None`, `{}`, `[]`, `dict()`: an initialisation, not the value stored later."""
    if isinstance(value, ast.Constant) and value.value is None:
        return True
    if isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in {"dict", "list"} \
        and not value.args and not value.keywords


def _last_binding(fn: FunctionInfo, name: str, line: int) -> ast.stmt | None:
    """The statement that last binds `name` in fn above `line` (any form: assignment, unpacking, loop)."""
    best: ast.stmt | None = None
    for node in _bindings(fn).get(name, ()):
        if node.lineno < line and (best is None or node.lineno > best.lineno):
            best = node
    return best


def _bindings(fn: FunctionInfo) -> dict[str, list[ast.stmt]]:
    """`name` -> the statements of fn that bind it (assignment, unpacking, loop, `with ... as`), in
    walk order. Built once per function (kept on it): every local read that `stored_value` follows
    walked the whole function again."""
    found: dict[str, list[ast.stmt]] | None = fn.__dict__.get("_bindings")
    if found is not None:
        return found
    out: dict[str, list[ast.stmt]] = {}
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With):
            continue
        targets: list[ast.AST]
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.For):
            targets = [node.target]
        elif isinstance(node, ast.With):
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
        else:
            targets = [node.target]
        bound = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for name in bound:
            out.setdefault(name, []).append(node)
    fn.__dict__["_bindings"] = out
    return out


def _enclosing(fn: FunctionInfo, stmt: ast.stmt) -> list[tuple[ast.AST, list[ast.stmt]]]:
    """The compound statements around `stmt` in fn, each with the block of it that holds `stmt`."""
    out: list[tuple[ast.AST, list[ast.stmt]]] = []

    def down(body: list[ast.stmt]) -> bool:
        for node in body:
            if node is stmt:
                return True
            for name in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(node, name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt | ast.excepthandler):
                    inner = [h for b in block for h in (b.body if isinstance(b, ast.ExceptHandler) else [b])]
                    if down(inner):
                        out.append((node, inner))
                        return True
        return False

    down(fn.body)
    return out


def _unconditional(fn: FunctionInfo, stmt: ast.stmt, line: int) -> bool:
    """Whether every branch around the binding `stmt` also holds `line` (the read): a binding in one
    arm of `if not self._jax: values = jax.device_get(values)` is not the value at a read after the `if`."""
    for node, block in _enclosing(fn, stmt):
        if not isinstance(node, ast.If | ast.Try | ast.For | ast.While | ast.AsyncFor | ast.Match):
            continue
        first, last = block[0].lineno, max(getattr(b, "end_lineno", b.lineno) or b.lineno for b in block)
        if not first <= line <= last:
            return False
    return True


def _plain_value(stmt: ast.stmt | None, name: str) -> ast.expr | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
            and stmt.targets[0].id == name:
        return stmt.value
    return None


def _keyed_store(fn: FunctionInfo, name: str) -> ast.Assign | None:
    """The one `name[key] = value` of fn (a per-agent dict filled in a loop), or None."""
    found = [n for n in ast.walk(fn.node) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == name for t in n.targets)]
    return found[0] if len(found) == 1 else None


def _attr_source(fn: FunctionInfo, attr: str) -> tuple[FunctionInfo, ast.Assign] | None:
    """The one statement of fn's class that stores a value (not an empty initialisation) in `self.attr`."""
    if fn.class_name is None:
        return None
    found = _class_stores(fn)
    stores = found.get(attr)
    return stores[0] if stores is not None and len(stores) == 1 else None


def _class_stores(fn: FunctionInfo) -> dict[str, list[tuple[FunctionInfo, ast.Assign]] | None]:
    """`attr` -> the statements of fn's class that store a value (not an empty initialisation) in
    `self.attr`, in the order the methods are walked; None for an attribute also augmented, annotated
    or stored into by entry. Built once per class (kept on the module): every `self.<attr>` read of a
    class walked all of its methods again (skrl 1.4.3..2.0.0: 780,000 nodes for 324 reads)."""
    tables: dict[str | None, dict[str, list[tuple[FunctionInfo, ast.Assign]] | None]] = \
        fn.module.__dict__.setdefault("_class_stores", {})
    if fn.class_name in tables:
        return tables[fn.class_name]
    out: dict[str, list[tuple[FunctionInfo, ast.Assign]] | None] = {}
    spoiled: set[str] = set()
    for other in fn.module.functions.values():
        if other.class_name != fn.class_name or other.is_module:
            continue
        for node in ast.walk(other.node):
            if isinstance(node, ast.AugAssign | ast.AnnAssign) and _self_attr(node.target):
                spoiled.add(node.target.attr)
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Subscript) and _self_attr(t.value):
                        spoiled.add(t.value.attr)  # entries replaced one by one
                    if _self_attr(t) and not _empty(node.value):
                        out.setdefault(t.attr, []).append((other, node))  # type: ignore[union-attr]
    for attr in spoiled:
        out[attr] = None
    tables[fn.class_name] = out
    return out


def _self_attr(node: ast.AST) -> TypeGuard[ast.Attribute]:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _parameter(fn: FunctionInfo, value: ast.expr) -> bool:
    """`self.policy = policy` of a constructor: the attribute holds what the caller passed; written
    as the attribute it says more than the parameter's name would."""
    node = fn.node
    if not isinstance(value, ast.Name) or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    a = node.args
    return value.id in {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if p is not None}


def _is_self(node: ast.AST, attr: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == attr and isinstance(node.value, ast.Name) \
        and node.value.id == "self"


class _Inline(ast.NodeTransformer):
    def __init__(self, fn: FunctionInfo, line: int, depth: int, home: FunctionInfo) -> None:
        self.fn, self.line, self.depth, self.home = fn, line, depth, home

    def _deeper(self, value: ast.expr, fn: FunctionInfo, line: int) -> ast.AST:
        return _Inline(fn, line, self.depth + 1, self.home).visit(copy_tree(value))

    def _unresolved(self, node: ast.Name, ambiguous: bool = False) -> ast.AST:
        if (ambiguous or self.fn is not self.home) and node.id in self.fn.local_names:
            return ast.copy_location(ast.Name(id=LOCAL, ctx=ast.Load()), node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            return node
        if self.depth < MAX_DEPTH:
            stmt = _last_binding(self.fn, node.id, self.line)
            if stmt is not None and not _unconditional(self.fn, stmt, self.line):
                return self._unresolved(node, ambiguous=True)
            value = _plain_value(stmt, node.id)
            if stmt is not None and value is not None and not _empty(value):
                return self._deeper(value, self.fn, stmt.lineno)
        return self._unresolved(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            return node
        if holder(node) or config_read(node) is not None or not isinstance(resolve_config(node, self.fn), ast.Attribute):
            return node  # a configuration read (or a literal): `canon` compares it by key and default
        if self.depth < MAX_DEPTH and _is_self(node, node.attr):
            found = _attr_source(self.fn, node.attr)
            if found is not None and not _parameter(found[0], found[1].value):
                return self._deeper(found[1].value, found[0], found[1].lineno)
        return self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        """`d[uid]` where `d` is a dict filled by one `d[key] = value` of its function: the value."""
        if self.depth < MAX_DEPTH - 1 and isinstance(node.ctx, ast.Load):
            holder = self._holder(node.value)
            if holder is not None:
                fn, stmt = holder
                return self._deeper(stmt.value, fn, stmt.lineno)
        return self.generic_visit(node)

    def _holder(self, base: ast.expr) -> tuple[FunctionInfo, ast.Assign] | None:
        fn, line, name = self.fn, self.line, None
        if isinstance(base, ast.Name):
            name = base.id
        elif _is_self(base, getattr(base, "attr", "")):
            found = _attr_source(fn, base.attr)  # type: ignore[attr-defined]
            if found is None or not isinstance(found[1].value, ast.Name):
                return None
            fn, line, name = found[0], found[1].lineno, found[1].value.id
        if name is None:
            return None
        init = _plain_value(_last_binding(fn, name, line), name)
        if init is None or not _empty(init):
            return None
        store = _keyed_store(fn, name)
        return (fn, store) if store is not None and store.lineno < line else None


def stored_value(expr: ast.expr, fn: FunctionInfo, line: int) -> ast.AST:
    """`expr` (read at `line` of fn) with locals and `self` attributes replaced by the one value
    stored in them, a few levels deep (see the module docstring). The input is never mutated."""
    if fn.is_module:
        return expr
    return _Inline(fn, line, 0, fn).visit(copy_tree(expr))
