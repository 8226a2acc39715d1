"""A statement whose edited parts compute the same values at both commits is no change of its own.

A function's effects are compared whole: when one differs, every changed statement whose value feeds it is
blamed. But the difference may come from elsewhere, a callee inlined at both commits that changed in its own
pair, while the statement's own edit only rewrote a value into an equivalent form. Real shape: d3rlpy
v2.3.0..v2.4.0 `alpha = self._modules.log_alpha().exp()` -> `get_parameter(self._modules.log_alpha).exp()`
in `BEARImpl._compute_mmd_loss`, whose returned loss also reads `self._compute_mmd(obs_t)`, a callee whose
VAE sampling changed: the accessor edit was reported as the loss-path change (#3 of the range) while the
callee's own pair says what changed. In `CQLImpl._compute_conservative_loss` and `BEARImpl.compute_target`
the same rewrite also extracted the accessor into a new local (`log_alpha = get_parameter(...)`), and the
line diff paired the baseline's statement with that new local.

Statements are paired by what they define (the local a single-name assignment binds, once among the
changed statements of each commit; the function's return), else as the line diff paired them. The edited
parts of a pair of simple statements (an assignment, a return, an expression statement) are the smallest
sub-expressions where their trees differ. Each part is expanded where it stands, at each commit (locals
substituted, project helpers inlined: flow/symbolic.py records it); when every part expands to the same
text at both commits, the pair computes what it computed. A local that only one commit binds (an extracted
or inlined intermediate) is neutral when every statement reading it is. A change whose statements are all
neutral is left out of the pair's causes. A part not expanded at one commit, an edit of a statement's form
(another target, another keyword name) or a compound statement keeps the change."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from investigator.flow.diff import UnitChange

_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)
_Parts = list[tuple[ast.expr, ast.expr]]


@dataclass
class PartProbes:
    """The statement pairs to compare and the one-side locals of a function pair's changes."""
    changes: list[UnitChange]
    pairs: list[tuple[ast.stmt, ast.stmt, _Parts]] = field(default_factory=list)
    base_locals: dict[int, tuple[str, ast.AST]] = field(default_factory=dict)  # id(stmt) -> (name, function node)
    cand_locals: dict[int, tuple[str, ast.AST]] = field(default_factory=dict)

    def nodes(self, side: int) -> frozenset[int]:
        """ids of the expressions to record at the baseline (0) or the candidate (1)."""
        return frozenset(id(parts[side]) for _, _, found in self.pairs for parts in found)

    def same_valued(self, probed_b: dict[int, set[str]], probed_c: dict[int, set[str]]) -> set[int]:
        """ids of the changes whose every statement computes what it computed."""
        neutral: set[int] = set()
        for b, c, parts in self.pairs:
            if all(probed_b.get(id(x)) and probed_b.get(id(x)) == probed_c.get(id(y)) for x, y in parts):
                neutral.update((id(b), id(c)))
        for locals_ in (self.base_locals, self.cand_locals):
            for sid, (name, fn) in locals_.items():
                if _only_read_by(name, fn, neutral):
                    neutral.add(sid)
        return {id(ch) for ch in self.changes if (ch.base is not None or ch.cand is not None)
                and (ch.base is None or id(ch.base.node) in neutral) and (ch.cand is None or id(ch.cand.node) in neutral)}


def part_probes(changes: list[UnitChange], base_fn: ast.AST, cand_fn: ast.AST) -> PartProbes:
    """The pairs of changed statements to compare part by part, and the locals one commit only binds."""
    out = PartProbes(changes)
    if any(ch.moved_under or ch.crossed for ch in changes):
        return out
    base = [ch.base.node for ch in changes if ch.base is not None]
    cand = [ch.cand.node for ch in changes if ch.cand is not None]
    by_key_b, by_key_c = _keyed(base), _keyed(cand)
    paired: set[int] = set()
    for key, b in by_key_b.items():
        c = by_key_c.get(key)
        if c is not None:
            paired.update((id(b), id(c)))
            _add_pair(out, b, c)
    for ch in changes:
        if ch.base is not None and ch.cand is not None and id(ch.base.node) not in paired \
                and id(ch.cand.node) not in paired:
            _add_pair(out, ch.base.node, ch.cand.node)
    bound_b, bound_c = _bound(base_fn), _bound(cand_fn)
    for stmts, locals_, own, other, fn in ((base, out.base_locals, bound_b, bound_c, base_fn),
                                            (cand, out.cand_locals, bound_c, bound_b, cand_fn)):
        for stmt in stmts:
            name = _defined(stmt)
            if name and name not in other and own.get(name) == 1 and id(stmt) not in paired:
                locals_[id(stmt)] = (name, fn)
    return out


def _add_pair(out: PartProbes, b: ast.stmt, c: ast.stmt) -> None:
    parts = edited_parts(b, c)
    if parts:
        out.pairs.append((b, c, parts))


def edited_parts(base: ast.AST, cand: ast.AST) -> _Parts | None:
    """The pairs of smallest differing sub-expressions of two simple statements; None when the
    statements differ outside an expression (their kind, a target's form, a keyword's name)."""
    if not isinstance(base, _SIMPLE) or type(base) is not type(cand):
        return None
    return _parts(base, cand)


def _parts(a: ast.AST, b: ast.AST) -> _Parts | None:
    whole = [(a, b)] if isinstance(a, ast.expr) and isinstance(b, ast.expr) else None
    if type(a) is not type(b):
        return whole
    found: _Parts = []
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


def _list_parts(va: list, vb: list) -> _Parts | None:
    found: _Parts = []
    for x, y in zip(va, vb, strict=True):
        if isinstance(x, ast.AST) and isinstance(y, ast.AST):
            inner = _parts(x, y)
            if inner is None:
                return None
            found.extend(inner)
        elif x != y:
            return None
    return found


def _defined(stmt: ast.AST) -> str | None:
    """The local a single-name assignment binds."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
        return stmt.target.id
    return None


def _keyed(stmts: list[ast.stmt]) -> dict[str, ast.stmt]:
    """Statements by what they define (`=name`, `return`), keys held by one statement only."""
    seen: dict[str, list[ast.stmt]] = {}
    for stmt in stmts:
        name = _defined(stmt)
        key = f"={name}" if name else "return" if isinstance(stmt, ast.Return) else None
        if key:
            seen.setdefault(key, []).append(stmt)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def _bound(fn: ast.AST) -> dict[str, int]:
    """How often each name is bound in a function (assignments, loop targets, parameters, imports)."""
    out: dict[str, int] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            out[node.id] = out.get(node.id, 0) + 1
        elif isinstance(node, ast.arg):
            out[node.arg] = out.get(node.arg, 0) + 2
        elif isinstance(node, ast.alias | ast.Global | ast.Nonlocal):
            for name in ([node.asname or node.name] if isinstance(node, ast.alias) else node.names):
                out[name] = out.get(name, 0) + 2
    return out


def _only_read_by(name: str, fn: ast.AST, neutral: set[int]) -> bool:
    """Every read of `name` in `fn` is inside a neutral statement, and there is one."""
    reads = [n for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    if not reads:
        return False
    inside = {id(n) for stmt in ast.walk(fn) if id(stmt) in neutral for n in ast.walk(stmt)}
    return all(id(n) in inside for n in reads)
