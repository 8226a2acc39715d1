"""Is this commit good or bad? Its seeds against the good end's and the bad end's, with the statistics
of metric forensics (`metrics.stats.compare`: IQM, bootstrap interval of the difference, a relative
threshold), so a bisection and a metric finding never disagree on what counts as a regression.

Why both ends: a commit is *good* when it is no worse than the good end and better than the bad end,
*bad* when it is worse than the good end and no better than the bad end; anything else (both, or
neither: the seeds cannot tell) is *unsure*, and the search adds seeds rather than guess.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from investigator.bisect.model import CommitVerdict, MetricSummary
from investigator.metrics.stats import Comparison, StatOptions, Verdict, bootstrap_ci, compare, iqm


def summary(values: Sequence[float], opts: StatOptions) -> MetricSummary:
    """IQM over the seeds with its bootstrap interval (the interval is of the IQM itself)."""
    finite = [float(v) for v in values if math.isfinite(v)]
    if not finite:
        return MetricSummary(values=list(values))
    lo, hi = bootstrap_ci(np.asarray(finite), opts)
    return MetricSummary(values=[float(v) for v in values], iqm=float(iqm(np.asarray(finite))), ci_low=lo, ci_high=hi,
                         versus="bootstrap interval of the IQM over seeds")


def ends_regressed(good: Sequence[float], bad: Sequence[float], higher_is_better: bool, opts: StatOptions) -> Comparison:
    """The good end against the bad end: a bisection runs only on `Verdict.regression`."""
    return compare(good, bad, higher_is_better, opts)


NEAR = 1 / 3  # at the seed cap, a commit between the ends within this share of the gap of one end takes its verdict


def classify(values: Sequence[float], good: Sequence[float], bad: Sequence[float], higher_is_better: bool,
             opts: StatOptions, final: bool = False) -> tuple[CommitVerdict, str]:
    """The verdict for one commit's seeds (see the module doc), and why in a few words. `final`: no
    more seeds will come (the cap), so a commit significantly different from both ends is placed by
    where its IQM lies in the gap between theirs: in the third next to one end, that end's verdict
    (the ends' own seeds are a sample too); in the middle third it stays unsure (a partial regression)."""
    if len(values) < opts.min_seeds:
        return CommitVerdict.UNSURE, f"{len(values)} seed(s) with a metric, {opts.min_seeds} needed"
    worse_than_good = compare(good, values, higher_is_better, opts).verdict == Verdict.regression
    better_than_bad = compare(bad, values, higher_is_better, opts).verdict == Verdict.improvement
    if better_than_bad and not worse_than_good:
        return CommitVerdict.GOOD, "no worse than the good end, better than the bad end"
    if worse_than_good and not better_than_bad:
        return CommitVerdict.BAD, "worse than the good end, no better than the bad end"
    if worse_than_good:
        return _between(values, good, bad, final)
    return CommitVerdict.UNSURE, "the seeds cannot tell it from either end"


def _between(values: Sequence[float], good: Sequence[float], bad: Sequence[float], final: bool) -> tuple[CommitVerdict, str]:
    why = "between the ends (worse than good, better than bad)"
    g, b, x = (float(iqm(np.asarray(v, dtype=float))) for v in (good, bad, values))
    if not final or g == b:
        return CommitVerdict.UNSURE, why
    share = (g - x) / (g - b)  # 0 at the good end's IQM, 1 at the bad end's
    if share <= NEAR:
        return CommitVerdict.GOOD, f"{why}, within the third of the gap next to the good end ({share:.0%})"
    if share >= 1 - NEAR:
        return CommitVerdict.BAD, f"{why}, within the third of the gap next to the bad end ({share:.0%})"
    return CommitVerdict.UNSURE, f"{why}, {share:.0%} of the way from good to bad"
