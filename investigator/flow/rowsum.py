"""A per-row sum of a value reshaped to rows dropped (or added): the same value for one element per row.

Real shape (HARL 34a8c1a6..c29ba492): `FixedCategorical.log_probs` went from
`super().log_prob(actions.squeeze(-1)).view(actions.size(0), -1).sum(-1).unsqueeze(-1)` to
`super().log_prob(actions.squeeze(-1)).unsqueeze(-1)`: "Behavioural change in the loss path"
(significant). `y.view(n, -1).sum(-1)` of a one-dimensional `y` of length `n` is `y` itself (each row
holds one element); only a value with several elements per row (multi-dimensional actions) gets a
per-element result instead of the row's sum. The change is low, with that condition in its reason.
"""

from __future__ import annotations

import ast
import copy

RESHAPES = frozenset({"view", "reshape"})


def _minus_one(node: ast.expr | None) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
        and node.operand.value == 1


def _row_sum(node: ast.AST) -> ast.expr | None:
    """`y` of `y.view(n, -1).sum(-1)` (`reshape`, `dim=-1` / `axis=-1` too), else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sum"):
        return None
    dims = [*node.args, *(k.value for k in node.keywords if k.arg in ("dim", "axis"))]
    if len(dims) != 1 or len(node.args) + len(node.keywords) != 1 or not _minus_one(dims[0]):
        return None
    inner = node.func.value
    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in RESHAPES \
            and len(inner.args) == 2 and not inner.keywords and _minus_one(inner.args[1]):
        return inner.func.value
    return None


def _has_row_sum(stmt: ast.AST) -> bool:
    """Whether the statement holds a per-row sum (`_without_row_sums` would count at least one)."""
    return any(_row_sum(n) is not None for n in ast.walk(stmt) if isinstance(n, ast.Call))


def _without_row_sums(stmt: ast.AST) -> tuple[str, int]:
    """The statement's dump with every per-row sum replaced by what it sums, and how many there were."""
    count = 0

    class Drop(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            nonlocal count
            inner = _row_sum(node)
            if inner is not None:
                count += 1
                return self.visit(inner)
            return self.generic_visit(node)

    return ast.dump(Drop().visit(copy.deepcopy(stmt))), count


def row_sum_dropped(base: ast.AST, cand: ast.AST) -> str | None:
    """Why `cand` is `base` with per-row sums dropped or added, else None."""
    if not _has_row_sum(base) and not _has_row_sum(cand):
        return None  # none at either side (almost every statement): no copy and dump of each
    b, nb = _without_row_sums(base)
    c, nc = _without_row_sums(cand)
    if nb == nc or b != c:
        return None
    what = "dropped" if nb > nc else "added"
    return (f"a per-row sum of a value reshaped to rows (`.view(n, -1).sum(-1)`) is {what}: the same value when the "
            f"reshaped value has one element per row (e.g. one-dimensional actions); only values with several elements "
            f"per row (multi-dimensional actions) get per-element results {'instead of their sum' if nb > nc else 'summed'} "
            f"(flow/rowsum.py)")
