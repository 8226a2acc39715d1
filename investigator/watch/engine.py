"""The metric side of a tick, over the bisection's search: the head against the reference commit
(seeds added while the comparison cannot decide), the bisection over the new commits on a regression,
and the drift test over the history. It runs nothing itself: a `bisect.search.Measurer` does (the
probe runner in `investigate watch`, an in-process simulation in `benchmarks/watch_sim.py`), and a
`Source` says what the commits are (git, or simulated positions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from investigator.bisect.decide import classify, ends_regressed
from investigator.bisect.model import Bisection, BisectStatus, CommitVerdict
from investigator.bisect.path import CommitPath
from investigator.bisect.search import BisectOptions, Measurer, Search
from investigator.metrics.stats import Comparison, Verdict
from investigator.models import CommitRef
from investigator.watch.changepoint import ChangePoint, ChangePointOptions, change_points, segments


class Source(Protocol):
    """The watched branch's commits."""

    def head(self) -> str: ...

    def path(self, good: str, bad: str) -> CommitPath: ...  # first-parent, good first, bad last

    def is_ancestor(self, older: str, newer: str) -> bool: ...

    def ref(self, sha: str, via: str | None = None) -> CommitRef: ...

    def branch(self, merge: str) -> CommitPath | None: ...


@dataclass
class MetricOptions:
    metric: str = "return"
    bisect: BisectOptions = field(default_factory=BisectOptions)
    changepoint: ChangePointOptions | None = field(default_factory=ChangePointOptions)  # None: no drift test
    window: int = 60  # the drift test looks at the newest `window` points of the history


def localise(measurer: Measurer, source: Source, opts: MetricOptions, good: str, head: str) -> Bisection:
    """The bisection from `good` to `head`: the ends first (no regression ends it there), then rounds."""
    search = Search(measurer, opts.bisect, source.ref, source.branch)
    return search.run(source.path(good, head), source.ref(good), source.ref(head), opts.metric)


@dataclass
class Recheck:
    """An open alert's head against its good reference and its bad commit (`bisect.decide.classify`)."""

    verdict: CommitVerdict
    why: str
    values: dict[str, list[float]]
    runs: int = 0
    cached_runs: int = 0
    errors: list[str] = field(default_factory=list)


def recheck(measurer: Measurer, opts: MetricOptions, reference: str, bad: str, head: str) -> Recheck:
    """Is the head back to the reference's level (good: no worse than the reference and better than
    the bad commit), still at the bad one's (bad), or neither yet (unsure)? Seeds are added to all
    three while unsure, up to the cap; runs already made come from the measurer's cache."""
    o = opts.bisect
    shas = list(dict.fromkeys([reference, bad, head]))
    out = Recheck(CommitVerdict.UNSURE, "", {s: [] for s in shas})
    done = 0
    while done < o.max_seeds:
        more = list(range(done + 1, min(o.max_seeds, done + o.seeds) + 1))
        got = measurer.measure([(s, more) for s in shas], None)
        for s in shas:
            for r in got.get(s, []):
                out.runs += 1
                out.cached_runs += r.cached
                if r.status == "ok" and r.value is not None:
                    out.values[s].append(float(r.value))
                elif r.error:
                    out.errors.append(r.error)
        done = more[-1]
        if not all(out.values[s] for s in shas):
            out.verdict, out.why = CommitVerdict.SKIPPED, (out.errors or ["no metric"])[0]
            if done >= o.seeds:
                return out
            continue
        out.verdict, out.why = classify(out.values[head], out.values[reference], out.values[bad], o.higher_is_better,
                                        o.stats, final=done >= o.max_seeds)
        if out.verdict != CommitVerdict.UNSURE:
            return out
    return out


def end_values(b: Bisection, sha: str) -> list[float]:
    return next((list(t.summary.values) for t in b.tested if t.sha == sha), [])


def ends_verdict(b: Bisection, opts: MetricOptions) -> Comparison | None:
    """The comparison of the two ends as the search last saw it (None when an end has no values)."""
    good, bad = end_values(b, b.good.sha), end_values(b, b.bad.sha)
    if not good or not bad:
        return None
    return ends_regressed(good, bad, opts.bisect.higher_is_better, opts.bisect.stats)


def judged_good(b: Bisection, opts: MetricOptions) -> bool:
    """The head is as good as the reference or better (an inconclusive comparison is not "good")."""
    cmp = ends_verdict(b, opts)
    return b.status == BisectStatus.NO_REGRESSION and cmp is not None and cmp.verdict in (Verdict.equivalent,
                                                                                           Verdict.improvement)


def regressed(b: Bisection) -> bool:
    """The ends' regression held (whether or not the first bad commit was pinned down)."""
    return b.status in (BisectStatus.FOUND, BisectStatus.AMBIGUOUS) or (b.status == BisectStatus.BUDGET and bool(b.suspects))


@dataclass(frozen=True)
class Drift:
    """A worsening the change-point test found: from the point at `start` (the first of the worse
    run of segments) on, the metric sits `relative` below the reference segment."""

    start: int  # index in the history given
    reference_end: int  # the last index of the reference segment
    relative: float
    points: tuple[ChangePoint, ...]


def drift(history: Sequence[float], opts: MetricOptions, higher_is_better: bool) -> tuple[Drift | None, list[ChangePoint]]:
    """Change points over the newest `window` values; a drift when the last segment (the head's) ends a
    run of worsening change points and sits worse than the segment before that run by at least the
    statistics' threshold. A change back up after a step (a fix) ends no worsening run: no drift."""
    if opts.changepoint is None:
        return None, []
    offset = max(0, len(history) - opts.window)
    window = list(history[offset:])
    points = change_points(window, opts.changepoint)
    shifted = [p.model_copy(update={"index": p.index + offset}) for p in points]
    if not points:
        return None, shifted
    sign = 1.0 if higher_is_better else -1.0
    run: list[ChangePoint] = []
    for p in reversed(points):
        if sign * (p.after_mean - p.before_mean) >= 0:
            break
        run.insert(0, p)
    if not run or run[-1] is not points[-1]:
        return None, shifted
    bounds = segments(len(window), points)
    first = points.index(run[0])
    ref_start, ref_end = bounds[first]
    head_start, head_end = bounds[-1]
    ref_mean = sum(window[ref_start:ref_end]) / (ref_end - ref_start)
    head_mean = sum(window[head_start:head_end]) / (head_end - head_start)
    relative = (head_mean - ref_mean) / abs(ref_mean) if ref_mean else 0.0
    if sign * relative > -opts.bisect.stats.threshold:
        return None, shifted
    return Drift(start=run[0].index + offset, reference_end=ref_end - 1 + offset, relative=relative,
                 points=tuple(shifted[first:])), shifted
