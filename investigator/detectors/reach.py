"""Reachability at the baseline: a change in code that never ran cannot explain a regression.

References are import-aware (`imports.py`): a mention of a name in a file that provably binds it
to something else (its own definition, an import from another module) is not a use of this
definition. Anything uncertain counts as a use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.imports import RefResult
from investigator.detectors.pairs import SideIndex
from investigator.flow.byname import looked_up_by_name, scanned_by_package
from investigator.pyast import dotted

# Methods that frameworks call without naming them at a call site.
IMPLICIT_METHODS = {"forward", "__call__", "__init__", "__post_init__", "__iter__", "__next__", "__getitem__"}
# Class decorators that do not register the class anywhere (any other decorator may: a registry
# looked up by a key other than the class name keeps the class in use).
PLAIN_CLASS_DECORATORS = {"dataclass", "dataclasses.dataclass", "total_ordering", "functools.total_ordering",
                          "final", "typing.final", "attr.s", "attrs.define", "attr.define", "attrs.frozen"}


def unreachable_reason(fn: FunctionInfo | None, side: SideIndex) -> str | None:
    """Why `fn` is never executed at this commit, or None when it may be (conservative)."""
    if fn is None or fn.is_module or fn.decorated:
        return None
    if fn.class_name:
        cls = fn.class_name.rsplit(".", 1)[-1]
        node = _class_node(fn, cls)
        cls_range = (fn.path, node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno) if node else (
            fn.path, fn.lineno, fn.end_lineno)
        found = class_uses(side, cls, fn.path, cls_range, node)
        if found.reference is None and not scanned_by_package(fn.path, side):
            return _reason(f"class `{cls}` of `{fn.path}` (defining `{fn.qualname}`) is never referenced",
                           cls, side, found)
        if fn.name in IMPLICIT_METHODS or (fn.name.startswith("__") and fn.name.endswith("__")):
            return None
    found = side.uses(fn.name, fn.path, skip=[(fn.path, fn.lineno, fn.end_lineno)])
    if found.reference is None and not looked_up_by_name(fn, side):
        return _reason(f"`{fn.qualname}` ({fn.path}:{fn.lineno}) has no callers", fn.name, side, found)
    return None


def class_uses(
    side: SideIndex, cls: str, path: str, skip: tuple[str, int, int], node: ast.ClassDef | None = None
) -> RefResult:
    """References to class `cls` defined in `path`. A class with a registering decorator keeps
    the name-only rule: a registry may hand it out under another key."""
    if node is not None and any(dotted(_callee(d)) not in PLAIN_CLASS_DECORATORS for d in node.decorator_list):
        refs = side.references(cls, skip=[skip])
        return RefResult(refs[0] if refs else None)
    return side.uses(cls, path, skip=[skip])


def _reason(subject: str, name: str, side: SideIndex, found: RefResult) -> str:
    if not found.elsewhere:
        return f"{subject} anywhere in the {side.side} tree"
    n = len(found.elsewhere)
    examples = "; ".join(f"`{p}` {why}" for p, why in found.elsewhere[:3]) + ("; ..." if n > 3 else "")
    files = f"1 other file names `{name}` but binds" if n == 1 else f"{n} other files name `{name}` but bind"
    return f"{subject} in the {side.side} tree: {files} it to something else ({examples})"


def _callee(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else node


def _class_node(fn: FunctionInfo, cls: str) -> ast.ClassDef | None:
    """The class that defines `fn`: the innermost class of that name enclosing it."""
    found = [n for n in _statements(fn.module.tree.body) if isinstance(n, ast.ClassDef) and n.name == cls]
    enclosing = [n for n in found if n.lineno <= fn.lineno <= (getattr(n, "end_lineno", None) or n.lineno)]
    return max(enclosing, key=lambda n: n.lineno, default=found[0] if found else None)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included (a class is a statement: expressions are skipped)."""
    for stmt in body:
        yield stmt
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, name, None)
            if inner:
                yield from _statements(inner)
