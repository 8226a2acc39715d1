"""Which lines of which file carry a finding's change, at the candidate and at the baseline.

Why only changed lines: a line that is the same at both commits says nothing about when the change
happened (blame would name an old commit, or the baseline). The lines a finding names are its
candidate location (lines added or modified: traced forward) or, when nothing there was added, its
baseline location (lines removed: traced in reverse, to the commit that removed them).

A code finding whose named lines did not change itself (a detector anchors on the statement after a
deleted line) is widened to the change block of its file's diff nearest to it, at most `WIDEN`
lines away; a configuration finding is never widened: the line that sets the value either changed in
the range or the value changed elsewhere (computed, inherited), which static attribution does not
guess.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.git.changeset import ChangedFile, ChangeSet, Hunk
from investigator.git.snapshot import Snapshot
from investigator.models import EvidenceKind, Finding, Location

WIDEN = 3  # the diff's own context: a change farther away is another change


@dataclass(frozen=True)
class Targets:
    """Candidate lines to blame forward, else baseline lines to blame in reverse (one path each)."""

    forward_path: str | None = None
    forward: frozenset[int] = frozenset()
    reverse_path: str | None = None
    reverse: frozenset[int] = frozenset()
    widened: bool = False

    @property
    def empty(self) -> bool:
        return not self.forward and not self.reverse


def _statement_end(snap: Snapshot, loc: Location) -> int:
    """The last line of the Python statement that starts at a one-line location (a call whose
    arguments continue below it); the header only of a compound statement (not its body)."""
    assert loc.line is not None
    if loc.end_line or not loc.path.endswith(".py"):
        return max(loc.end_line or loc.line, loc.line)
    tree = snap.parsed_if_cached(loc.path) or snap.python_ast(loc.path)[0]
    if tree is None:
        return loc.line
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno == loc.line:
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                return max(loc.line, body[0].lineno - 1)
            return max(loc.line, node.end_lineno or loc.line)
    return loc.line


def _span(cs: ChangeSet, loc: Location) -> range:
    assert loc.line is not None
    snap = cs.candidate if loc.side == "candidate" else cs.baseline
    return range(loc.line, _statement_end(snap, loc) + 1)


def _blocks(hunk: Hunk) -> list[tuple[list[int], list[int], int, int]]:
    """The hunk's change blocks: (added candidate lines, removed baseline lines, candidate position,
    baseline position) for each run of consecutive '+'/'-' lines."""
    out: list[tuple[list[int], list[int], int, int]] = []
    old, new = hunk.old_start, hunk.new_start
    added: list[int] = []
    removed: list[int] = []
    at = (new, old)
    for text in hunk.lines:
        mark = text[:1]
        if mark in ("+", "-") and not added and not removed:
            at = (new, old)
        if mark == "+":
            added.append(new)
            new += 1
        elif mark == "-":
            removed.append(old)
            old += 1
        else:
            if added or removed:
                out.append((added, removed, *at))
                added, removed = [], []
            old, new = old + 1, new + 1
    if added or removed:
        out.append((added, removed, *at))
    return out


def _changed(cs: ChangeSet, path: str, side: str) -> ChangedFile | None:
    f = cs.by_path(path)
    if f is None:
        return None
    return f if (f.new_path if side == "candidate" else f.old_path) == path else None


def _direct(cs: ChangeSet, cand: Location | None, base: Location | None) -> Targets:
    """The finding's own lines that were added (candidate) or removed (baseline)."""
    if cand is not None and cand.line is not None and (f := _changed(cs, cand.path, "candidate")):
        span = set(_span(cs, cand))
        added = {n for h in f.hunks for n in h.added_lines if n in span}
        if added:
            return Targets(forward_path=cand.path, forward=frozenset(added))
    if base is not None and base.line is not None and (f := _changed(cs, base.path, "baseline")):
        span = set(_span(cs, base))
        removed = {n for h in f.hunks for n in h.removed_lines if n in span}
        if removed:
            return Targets(reverse_path=base.path, reverse=frozenset(removed))
    return Targets()


def _nearest_block(cs: ChangeSet, cand: Location) -> Targets:
    """The change block of the candidate file nearest the finding's lines, within `WIDEN` lines."""
    f = _changed(cs, cand.path, "candidate")
    if f is None or cand.line is None:
        return Targets()
    span = _span(cs, cand)
    best: list[tuple[int, list[int], list[int], str | None]] = []
    for hunk in f.hunks:
        for added, removed, new_at, _old_at in _blocks(hunk):
            lo, hi = (added[0], added[-1]) if added else (new_at - 1, new_at)  # a deletion sits between lines
            distance = max(0, lo - span[-1], span[0] - hi)
            if distance <= WIDEN:
                best.append((distance, added, removed, f.old_path))
    if not best:
        return Targets()
    nearest = min(d for d, *_ in best)
    chosen = [b for b in best if b[0] == nearest]
    added_lines = frozenset(n for _, a, _, _ in chosen for n in a)
    if added_lines:
        return Targets(forward_path=cand.path, forward=added_lines, widened=True)
    removed_lines = frozenset(n for _, _, r, _ in chosen for n in r)
    old_path = chosen[0][3]
    if removed_lines and old_path:
        return Targets(reverse_path=old_path, reverse=removed_lines, widened=True)
    return Targets()


def is_config(finding: Finding) -> bool:
    return any(e.kind == EvidenceKind.config for e in finding.evidence) or finding.source.startswith("config")


def _place(cs: ChangeSet, locations: list[Location], config: bool, hunk: bool) -> Targets:
    cand = next((loc for loc in locations if loc.side == "candidate"), None)
    base = next((loc for loc in locations if loc.side == "baseline"), None)
    direct = _direct(cs, cand, base)
    if not direct.empty or config or cand is None or not hunk:  # no textual change claimed: nothing to widen to
        return direct
    return _nearest_block(cs, cand)


def targets_for(cs: ChangeSet, finding: Finding) -> list[Targets]:
    """The lines to trace for each place of `finding` (empty: nothing the range changed is named by it).

    A finding grouped over several places ("... (5 places)") carries one evidence item per place,
    each with its own baseline/candidate pair: each place is traced; otherwise the finding's own
    locations are its one place."""
    config = is_config(finding)
    places = [(e.locations, bool(e.hunk)) for e in finding.evidence if e.locations]
    if not places:
        places = [(finding.locations, any(e.hunk for e in finding.evidence))]
    out = [_place(cs, locations, config, hunk) for locations, hunk in places]
    return [t for t in out if not t.empty]
