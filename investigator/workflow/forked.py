"""Analyzers computed in a forked helper beside the rest of their wave: the second core for a whole analyzer.

The CPU-bound analyzers of one wave take turns in this process (`analyzers.base.CPU_TURN`), and the
ones that share their own work with a helper (`detectors/split.py`, `flow/shares.py`) do so only for
part of it: while the code detectors match function pairs, and while config forensics runs, the
second core was idle. An analyzer marked `forked` (config forensics: its result is all a later step
reads of what it computes) is instead computed by a helper process (`investigator.parallel`) forked
by the plan step once the wave is chosen, from the very context its analyze step would build; the
analyze step then waits for the helper's result, without the CPU turn, while the other analyzers of
the wave run here.

Guarantees:

- the same result as in this process: the helper runs the analyzer's own `run` on the same context;
  when it fails (dies, raises, sends something unusable, cannot be forked) the analyze step runs the
  analyzer here, so an analyzer that raises is recorded as its crash, exactly as without a helper;
- nothing here is forked unless helpers are enabled (`INVESTIGATOR_PROCESSES`, `parallel.enabled`)
  and the wave has another CPU-bound analyzer that is not forked (alone, a helper would only add the
  fork and the transfer);
- the fork happens in the plan step, when no analyzer of the run is computing (a lock held by another
  thread at the fork could stop the helper); the analyzer's time budget applies to the wait (past
  it the helper is killed and the analyzer recorded as timed out), `kill_helpers` stops it with the
  run, and an analyzer step that never comes leaves a helper that `kill_helpers` or the exit kills.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from investigator import parallel
from investigator.analyzers.base import AnalysisContext, Analyzer
from investigator.models import AnalyzerResult


def to_fork(wave: Sequence[Analyzer]) -> list[Analyzer]:
    """The analyzers of `wave` worth computing in a helper: marked `forked`, with another CPU-bound
    analyzer of the wave (not forked) to overlap with, and helpers enabled."""
    marked = [a for a in wave if a.forked]
    if not marked or not any(a.cpu_bound and not a.forked for a in wave) or not parallel.enabled():
        return []
    return marked


def _missing(ctx: AnalysisContext) -> list[dict[str, str]]:
    """Each side's blobs git could not read so far (blob id -> reason; a partial clone offline)."""
    cs = ctx.changeset
    sides = (cs.baseline, cs.candidate) if cs is not None else ()
    return [dict(getattr(snap, "missing", {})) for snap in sides]


def _run(analyzer: Analyzer, ctx: AnalysisContext) -> tuple[AnalyzerResult, list[dict[str, str]]]:
    """The helper's work: the result, and the blobs it found unreadable (recorded here as if read here)."""
    before = _missing(ctx)
    value = analyzer.run(ctx)
    return value, [{k: v for k, v in now.items() if k not in old} for now, old in zip(_missing(ctx), before, strict=True)]


def start(analyzer: Analyzer, ctx: AnalysisContext) -> parallel.Helper | None:
    """A helper computing `analyzer.run(ctx)`, or None when the fork failed (then it runs here)."""
    try:
        return parallel.start(lambda: _run(analyzer, ctx))
    except OSError:
        return None


def result(helper: parallel.Helper, analyzer: Analyzer, ctx: AnalysisContext,
           turn: AbstractContextManager[Any]) -> AnalyzerResult:
    """The helper's result; when it produced none, the analyzer's run in this process (under `turn`, the
    CPU turn it would have taken). `BudgetExceeded` from the wait propagates (the helper is killed)."""
    try:
        value, missing = parallel.wait(helper)
    except (parallel.HelperFailed, TypeError, ValueError):  # no result, or not the pair `_run` sends
        value, missing = None, []
    if not isinstance(value, AnalyzerResult):
        with turn:
            return analyzer.run(ctx)
    cs = ctx.changeset
    for snap, found in zip((cs.baseline, cs.candidate) if cs is not None else (), missing, strict=False):
        if hasattr(snap, "missing"):
            snap.missing.update(found)
    return value
