"""A statement whose edited parts compute the same values at both commits is no change of its own.

A function's effects are compared whole: when one differs, every changed statement whose value feeds it is
blamed. But the difference may come from elsewhere, a callee inlined at both commits that changed in its own
pair, while the statement's own edit only rewrote a value into an equivalent form. Real shape: d3rlpy
v2.3.0..v2.4.0 `alpha = self._modules.log_alpha().exp()` -> `get_parameter(self._modules.log_alpha).exp()`
in `BEARImpl._compute_mmd_loss`, whose returned loss also reads `self._compute_mmd(obs_t)`, a callee whose
VAE sampling changed: the accessor edit was reported as the loss-path change (#3 of the range) while the
callee's own pair says what changed.

The edited parts of a modified simple statement (an assignment, a return, an expression statement) are the
smallest sub-expressions where the two statements' trees differ. Each part is expanded where it stands, at
each commit (locals substituted, project helpers inlined: flow/symbolic.py records it); when every part
expands to the same text at both commits, the statement computes what it computed and is left out of the
pair's causes. A part not expanded at one commit, an edit of a statement's form (another target, another
keyword name) or a compound statement keeps the change."""

from __future__ import annotations

import ast

from investigator.flow.diff import UnitChange

_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)


def edited_parts(base: ast.AST, cand: ast.AST) -> list[tuple[ast.expr, ast.expr]] | None:
    """The pairs of smallest differing sub-expressions of two simple statements; None when the
    statements differ outside an expression (their kind, a target's form, a keyword's name)."""
    if not isinstance(base, _SIMPLE) or type(base) is not type(cand):
        return None
    return _parts(base, cand)


def _parts(a: ast.AST, b: ast.AST) -> list[tuple[ast.expr, ast.expr]] | None:
    whole = [(a, b)] if isinstance(a, ast.expr) and isinstance(b, ast.expr) else None
    if type(a) is not type(b):
        return whole
    found: list[tuple[ast.expr, ast.expr]] = []
    for name in a._fields:
        va, vb = getattr(a, name, None), getattr(b, name, None)
        if isinstance(va, ast.AST) and isinstance(vb, ast.AST):
            inner = _parts(va, vb)
        elif isinstance(va, list) and isinstance(vb, list) and len(va) == len(vb):
            inner = _list_parts(va, vb)
        else:
            inner = [] if va == vb else None
        if inner is None:
            return whole
        found.extend(inner)
    return found


def _list_parts(va: list, vb: list) -> list[tuple[ast.expr, ast.expr]] | None:
    found: list[tuple[ast.expr, ast.expr]] = []
    for x, y in zip(va, vb, strict=True):
        if isinstance(x, ast.AST) and isinstance(y, ast.AST):
            inner = _parts(x, y)
            if inner is None:
                return None
            found.extend(inner)
        elif x != y:
            return None
    return found


def part_probes(changes: list[UnitChange]) -> dict[int, list[tuple[ast.expr, ast.expr]]]:
    """id(change) -> its edited parts, for the modified simple statements among `changes`."""
    out: dict[int, list[tuple[ast.expr, ast.expr]]] = {}
    for change in changes:
        if change.base is None or change.cand is None or change.moved_under or change.crossed:
            continue
        parts = edited_parts(change.base.node, change.cand.node)
        if parts:
            out[id(change)] = parts
    return out


def same_valued(probes: dict[int, list[tuple[ast.expr, ast.expr]]], probed_b: dict[int, set[str]],
                probed_c: dict[int, set[str]]) -> set[int]:
    """The changes (by id) whose every edited part expanded to the same text at both commits."""
    return {change for change, parts in probes.items()
            if all(probed_b.get(id(b)) and probed_b.get(id(b)) == probed_c.get(id(c)) for b, c in parts)}
