"""A reshape whose explicit size became `-1` (or the reverse): the same tensor wherever both run.

`x.view(self._n_critics, batch, n)` -> `x.view(-1, batch, n)`: `view`/`reshape` infer the `-1`
dimension from the element count, so where the explicit size was right (or the baseline's call would
have raised) the inferred one is the same number and the result is the same tensor. Real shape:
d3rlpy 2.0's CQL `_compute_policy_is_values` / `_compute_random_is_values` (two significant "loss
path" findings). Only one position may differ, one side must be `-1` there, and neither side may
have another `-1` (two inferred dimensions do not run): `view(n, b, k)` -> `view(-1, b, 2 * k)` or
`view(n, -1, k)` -> `view(-1, b, k)` stay changes.
"""

from __future__ import annotations

import ast

RESHAPES = frozenset({"view", "reshape"})


def same_but_inferred(base_text: str, cand_text: str) -> bool:
    """Two effect texts (`guard :: kind value`) alike but for a reshape's inferred dimension."""
    gb, _, rb = base_text.partition(" :: ")
    gc, _, rc = cand_text.partition(" :: ")
    if gb != gc or "view" not in rb + rc and "reshape" not in rb + rc:
        return False
    wb, wc = rb.split(" "), rc.split(" ")
    for k in range(1, min(len(wb), len(wc), 4)):  # `call x`, `store self.q x`, `carried h = x`
        if wb[:k] != wc[:k]:
            return False
        try:
            tb, tc = ast.parse(" ".join(wb[k:])), ast.parse(" ".join(wc[k:]))
        except SyntaxError:
            continue
        found: list[bool] = []
        return _same(tb, tc, found) and bool(found)
    return False


def _same(a: object, b: object, found: list[bool]) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, found) for x, y in zip(a, b, strict=True))
    if not isinstance(a, ast.AST) or not isinstance(b, ast.AST):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.Call) and isinstance(b, ast.Call) and _reshape(a) and _reshape(b) \
            and not a.keywords and not b.keywords:
        if not _same(a.func, b.func, found):
            return False
        ea, eb = _dims(a), _dims(b)
        if len(ea) == len(eb):
            differ = [k for k, (x, y) in enumerate(zip(ea, eb, strict=True)) if ast.dump(x) != ast.dump(y)]
            if len(differ) == 1 and _inferred(ea, eb, differ[0]):
                rest_a = [x for k, x in enumerate(ea) if k != differ[0]]
                rest_b = [y for k, y in enumerate(eb) if k != differ[0]]
                if _same(rest_a, rest_b, found):
                    found.append(True)
                    return True
    for name in a._fields:
        if name in ("ctx",):
            continue
        if not _same(getattr(a, name, None), getattr(b, name, None), found):
            return False
    return True


def _reshape(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr in RESHAPES and bool(call.args)


def _dims(call: ast.Call) -> list[ast.expr]:
    """The sizes of `x.view(a, b)` or `x.view((a, b))`."""
    if len(call.args) == 1 and isinstance(call.args[0], ast.Tuple | ast.List):
        return list(call.args[0].elts)
    return list(call.args)


def _minus_one(node: ast.expr) -> bool:
    return (isinstance(node, ast.Constant) and node.value == -1) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
        and node.operand.value == 1)


def _inferred(a: list[ast.expr], b: list[ast.expr], k: int) -> bool:
    """Exactly one side is `-1` at `k`, and no side has another `-1`."""
    if _minus_one(a[k]) == _minus_one(b[k]):
        return False
    return not any(_minus_one(x) for j, x in enumerate(a) if j != k) \
        and not any(_minus_one(y) for j, y in enumerate(b) if j != k)


SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)


def same_statement_but_inferred(base: ast.AST, cand: ast.AST) -> bool:
    """Two simple statements alike but for a reshape's inferred dimension (a compound statement's
    body is compared statement by statement elsewhere)."""
    if not isinstance(base, SIMPLE) or not isinstance(cand, SIMPLE):
        return False
    found: list[bool] = []
    return _same(base, cand, found) and bool(found)
