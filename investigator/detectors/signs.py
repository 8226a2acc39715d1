"""Two versions of an expression that differ only by a local name bound to a negation are one value.

Real shape (JORLDY's SAC rewrite for discrete actions): the soft TD target
`reward + (1 - done) * gamma * (next_q - alpha * next_log_prob)` became
`reward + (1 - done) * gamma * (next_q + alpha * entropy)` with `entropy = -next_log_prob` in the
continuous branch (and the categorical entropy in a new discrete one). The tensors the target reads have
other names, so a comparison by role reads "dones+logprob+rewards -> dones+entropy+rewards"; expanded and
with the signs pushed outwards, both are `next_q - alpha * next_log_prob`.

Only names read by one side and not the other are expanded (one level, each of their definitions in the
function: a name assigned in two branches has two values), so a change of a shared intermediate still shows.
"""

from __future__ import annotations

import ast
from itertools import product

from investigator.pyast import copy_tree

MAX_VARIANTS = 8  # definitions combined per side; beyond it the two are not compared


def _definitions(fn: ast.AST, name: str) -> list[ast.expr]:
    return [node.value for node in ast.walk(fn)
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name]


def _read(expr: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copy_tree(self.values[node.id]) if node.id in self.values else node


def _negated(node: ast.expr) -> ast.expr | None:
    """`-y` -> `y`; `c * -y` / `-y * c` -> `c * y`: the operand with its sign taken out, or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return node.operand
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        if isinstance(node.right, ast.UnaryOp) and isinstance(node.right.op, ast.USub):
            return ast.BinOp(left=node.left, op=ast.Mult(), right=node.right.operand)
        if isinstance(node.left, ast.UnaryOp) and isinstance(node.left.op, ast.USub):
            return ast.BinOp(left=node.left.operand, op=ast.Mult(), right=node.right)
    return None


class _Signs(ast.NodeTransformer):
    """`a + c * -y` -> `a - c * y` and `a - -y` -> `a + y` (bottom-up)."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Add | ast.Sub):
            inner = _negated(node.right)
            if inner is not None:
                op: ast.operator = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
                return ast.BinOp(left=node.left, op=op, right=inner)
        return node


def _variants(expr: ast.expr, fn: ast.AST, names: set[str]) -> list[str] | None:
    options = [[(n, v) for v in _definitions(fn, n)] or [(n, ast.Name(id=n, ctx=ast.Load()))] for n in sorted(names)]
    combos = list(product(*options)) if options else [()]
    if len(combos) > MAX_VARIANTS:
        return None
    return [ast.unparse(_Signs().visit(_Substitute(dict(combo)).visit(copy_tree(expr)))) for combo in combos]


def same_through_negation(base: ast.expr, base_fn: ast.AST, cand: ast.expr, cand_fn: ast.AST) -> str:
    """"all" when every expansion of the candidate equals the baseline's value, "some" when one of a
    name's definitions does (the same value in that branch), "" otherwise."""
    read_b, read_c = _read(base), _read(cand)
    if read_b == read_c:
        return ""
    var_b = _variants(base, base_fn, read_b - read_c)
    var_c = _variants(cand, cand_fn, read_c - read_b)
    if not var_b or not var_c:
        return ""
    same = [text in var_b for text in var_c]
    return "all" if all(same) else "some" if any(same) else ""
