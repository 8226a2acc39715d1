"""Small AST helpers shared by triage and analyzers: parse safely, index definitions, compare."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    qualname: str
    kind: str  # function | class
    start: int
    end: int
    node: ast.AST


def parse_python(source: str) -> tuple[ast.Module | None, str | None]:
    """Parse source; return (tree, None) or (None, one-line error)."""
    try:
        return ast.parse(source), None
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return None, f"does not parse: {exc.__class__.__name__} at line {line}: {getattr(exc, 'msg', exc)}"


def index_definitions(tree: ast.Module) -> list[Definition]:
    """All functions and classes with qualified names (Outer.method, func.<locals>.inner)."""
    found: list[Definition] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                kind = "class" if isinstance(child, ast.ClassDef) else "function"
                start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                found.append(Definition(name, kind, start, child.end_lineno or child.lineno, child))
                visit(child, f"{name}." if kind == "class" else f"{name}.<locals>.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def strip_docstrings(tree: ast.AST) -> ast.AST:
    """Remove docstrings in place so that docstring-only edits compare equal."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


def normalized_dump(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False, include_attributes=False)


def innermost_definition(defs: list[Definition], line: int) -> Definition | None:
    """The most nested definition that spans a line."""
    best: Definition | None = None
    for d in defs:
        if d.start <= line <= d.end and (best is None or d.end - d.start <= best.end - best.start):
            best = d
    return best
