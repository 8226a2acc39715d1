"""A statement that differs from the baseline's only by a conditional expression its options decide.

Real shape (PufferLib ac69f82c..2f9b68e0): `self.obs = torch.zeros(..., pin_memory=pin, device=device)`
became `torch.zeros(..., pin_memory=pin, device=device if not pin else 'cpu')`, with
`pin = device == 'cuda' and cpu_offload` and `cpu_offload=False` by default: with the option at its
default the conditional takes `device`, and the statement is the baseline's; only a run that turns
the option on keeps its pinned buffer on the CPU. The finding ("Device placement changed") is then
lowered to low by `guards.apply_guards`, like code behind an `if` its option's default keeps off.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable

# evaluates a conditional expression's test at its line: True/False when decided, None when not; the
# reason it is decided
Decide = Callable[[ast.expr, int], tuple[bool | None, str]]


def statement_at(tree: ast.Module, line: int) -> ast.stmt | None:
    """The innermost simple statement (not a compound one) spanning `line`."""
    found: ast.stmt | None = None
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if not isinstance(node, ast.stmt):
            continue
        end = getattr(node, "end_lineno", None) or node.lineno
        if not node.lineno <= line <= end:
            continue
        bodies = [getattr(node, n, None) or [] for n in ("body", "orelse", "finalbody", "handlers")]
        if any(bodies):
            for body in bodies:
                stack.extend(body)
            for case in getattr(node, "cases", None) or []:
                stack.extend(case.body)
            continue
        found = node
    return found


class _Decided(ast.NodeTransformer):
    def __init__(self, decide: Decide) -> None:
        self.decide = decide
        self.reasons: list[str] = []

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        truth, why = self.decide(node.test, node.lineno)
        if truth is None:
            return self.generic_visit(node)
        self.reasons.append(f"`{ast.unparse(node)}` takes `{ast.unparse(node.body if truth else node.orelse)}` "
                            f"by default ({why})")
        return self.visit(node.body if truth else node.orelse)


def same_at_default(cand: ast.stmt, base: list[ast.stmt] | Callable[[], list[ast.stmt]], decide: Decide) -> str | None:
    """Why `cand` is one of the baseline statements `base` once every conditional expression its
    options decide takes its default arm; None when no conditional is decided or none is the same.
    `base` may be a function giving them, asked only once a conditional is decided (most statements
    have none, and finding a function's statements walks its module)."""
    transformer = _Decided(decide)
    rewritten = transformer.visit(copy.deepcopy(cand))
    if not transformer.reasons:
        return None
    if callable(base):
        base = base()
    shape = ast.dump(rewritten)
    if not any(ast.dump(b) == shape for b in base):
        return None
    return "; ".join(transformer.reasons)


def simple_statements(tree: ast.Module, line: int) -> list[ast.stmt]:
    """The simple statements of the function spanning `line` (of the module when none does)."""
    scope: ast.AST = tree
    for node in ast.walk(tree):
        if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.lineno <= line <= (node.end_lineno or 0)
                and (scope is tree or node.lineno > getattr(scope, "lineno", 0))):
            scope = node
    return [n for n in ast.walk(scope) if isinstance(n, ast.stmt) and not any(
        getattr(n, f, None) for f in ("body", "orelse", "finalbody", "handlers"))]


def local_conditionals(tree: ast.Module, line: int, stmt: ast.stmt) -> ast.stmt:
    """`stmt` with each local name that the function spanning `line` assigns once, from a conditional
    expression, replaced by that expression: brax's `ki = (self.output_kernel_init if is_last and
    self.output_kernel_init else self.kernel_init)` then `linen.Dense(..., kernel_init=ki)`, so that
    `same_at_default` decides it where it is read. `stmt` itself when there is none."""
    scope = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                  and n.lineno <= line <= (n.end_lineno or 0) and not any(
                      isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and m is not n
                      and m.lineno <= line <= (m.end_lineno or 0) for m in ast.walk(n))), None)
    if scope is None:
        return stmt
    stores: dict[str, int] = {}
    for n in ast.walk(scope):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    chosen = {n.targets[0].id: n.value for n in ast.walk(scope)
              if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
              and isinstance(n.value, ast.IfExp) and stores.get(n.targets[0].id) == 1 and n is not stmt}
    if not any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in chosen for n in ast.walk(stmt)):
        return stmt

    class _Inline(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if isinstance(node.ctx, ast.Load) and node.id in chosen:
                return copy.deepcopy(chosen[node.id])
            return node

    out = _Inline().visit(copy.deepcopy(stmt))
    assert isinstance(out, ast.stmt)
    return out
