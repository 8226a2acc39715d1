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


def classify(values: Sequence[float], good: Sequence[float], bad: Sequence[float], higher_is_better: bool,
             opts: StatOptions) -> tuple[CommitVerdict, str]:
    """The verdict for one commit's seeds (see the module doc), and why in a few words."""
    if len(values) < opts.min_seeds:
        return CommitVerdict.UNSURE, f"{len(values)} seed(s) with a metric, {opts.min_seeds} needed"
    worse_than_good = compare(good, values, higher_is_better, opts).verdict == Verdict.regression
    better_than_bad = compare(bad, values, higher_is_better, opts).verdict == Verdict.improvement
    if better_than_bad and not worse_than_good:
        return CommitVerdict.GOOD, "no worse than the good end, better than the bad end"
    if worse_than_good and not better_than_bad:
        return CommitVerdict.BAD, "worse than the good end, no better than the bad end"
    if worse_than_good:
        return CommitVerdict.UNSURE, "between the ends (worse than good, better than bad)"
    return CommitVerdict.UNSURE, "the seeds cannot tell it from either end"
