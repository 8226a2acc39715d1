"""Reachability at the baseline: a change in code that never ran cannot explain a regression."""

from __future__ import annotations

from investigator.detectors.pairs import SideIndex
from investigator.detectors.pyast import FunctionInfo

# Methods that frameworks call without naming them at a call site.
IMPLICIT_METHODS = {"forward", "__call__", "__init__", "__post_init__", "__iter__", "__next__", "__getitem__"}


def unreachable_reason(fn: FunctionInfo | None, side: SideIndex) -> str | None:
    """Why `fn` is never executed at this commit, or None when it may be (conservative)."""
    if fn is None or fn.is_module or fn.decorated:
        return None
    if fn.class_name:
        cls = fn.class_name.rsplit(".", 1)[-1]
        cls_node_range = _class_range(fn, cls)
        if not side.references(cls, skip=[cls_node_range]):
            return f"class `{cls}` (defining `{fn.qualname}`) is never referenced anywhere in the {side.side} tree"
        if fn.name in IMPLICIT_METHODS or (fn.name.startswith("__") and fn.name.endswith("__")):
            return None
    if not side.references(fn.name, skip=[(fn.path, fn.lineno, fn.end_lineno)]):
        return f"`{fn.qualname}` ({fn.path}:{fn.lineno}) has no callers anywhere in the {side.side} tree"
    return None


def _class_range(fn: FunctionInfo, cls: str) -> tuple[str, int, int]:
    import ast

    for node in ast.walk(fn.module.tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return fn.path, node.lineno, getattr(node, "end_lineno", node.lineno) or node.lineno
    return fn.path, fn.lineno, fn.end_lineno
