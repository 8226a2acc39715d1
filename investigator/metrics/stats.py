"""Seed-aware statistics for baseline-vs-candidate comparisons (docs/domain.md, Statistics).

Why: two groups of five seeds of the same algorithm routinely look different. Each side is
summarised by its interquartile mean (IQM, robust to one bad seed) with a stratified bootstrap
confidence interval (seeds resampled within each side); the difference gets its own bootstrap
interval, the probability of improvement P(candidate seed beats baseline seed) and a Mann-Whitney
test. A change is flagged only if the interval of the difference excludes zero AND the relative
change exceeds a threshold; with too few seeds the numbers are reported and the verdict says so.
All randomness comes from a seeded generator: the same input gives the same report.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field


class Verdict(str, Enum):
    regression = "regression"
    improvement = "improvement"
    changed = "changed"  # significant, but the metric has no better direction
    equivalent = "no meaningful change"  # the whole interval lies within the threshold
    inconclusive = "inconclusive"
    too_few_seeds = "inconclusive: too few seeds"


class StatOptions(BaseModel):
    """Bounds are checked before any analysis (`validation.py`): a bootstrap needs resamples, an
    interval a confidence strictly between 0 and 1."""

    threshold: float = Field(default=0.05, ge=0.0, allow_inf_nan=False)  # relative change that matters
    min_seeds: int = Field(default=3, ge=1)  # per side, for a verdict
    n_boot: int = Field(default=2000, ge=100, le=1_000_000)
    confidence: float = Field(default=0.95, gt=0.0, lt=1.0, allow_inf_nan=False)
    seed: int = Field(default=0, ge=0)


class Comparison(BaseModel):
    n_baseline: int
    n_candidate: int
    baseline_iqm: float
    baseline_ci: tuple[float, float]
    candidate_iqm: float
    candidate_ci: tuple[float, float]
    difference: float
    difference_ci: tuple[float, float]
    relative_change: float | None  # (candidate - baseline) / |baseline|
    relative_ci: tuple[float, float] | None
    p_improvement: float | None  # P(candidate > baseline) in the metric's better direction
    mann_whitney_p: float | None
    higher_is_better: bool | None
    verdict: Verdict
    reason: str

    @property
    def flagged(self) -> bool:
        return self.verdict in (Verdict.regression, Verdict.improvement, Verdict.changed)


def iqm(values: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """Interquartile mean: the mean of the middle 50% (25% trimmed each side)."""
    # scipy loads only when logs are compared (unit discovery imports this module)
    from scipy import stats as sps

    return sps.trim_mean(values, 0.25, axis=axis)


def _boot_iqm(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return np.asarray(iqm(values[idx], axis=1), dtype=float)


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    lo, hi = np.percentile(samples, [50 * (1 - confidence), 100 - 50 * (1 - confidence)])
    return float(lo), float(hi)


def bootstrap_ci(values: np.ndarray, opts: StatOptions | None = None) -> tuple[float, float]:
    """Percentile bootstrap interval of the IQM of one side."""
    opts = opts or StatOptions()
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return (math.nan, math.nan)
    if len(values) == 1:
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(opts.seed)
    return _interval(_boot_iqm(values, opts.n_boot, rng), opts.confidence)


def probability_of_improvement(
    baseline: np.ndarray, candidate: np.ndarray, higher_is_better: bool = True
) -> float:
    """P(a random candidate seed beats a random baseline seed), ties count half (= U / (n*m))."""
    b = np.asarray(baseline, dtype=float)[:, None]
    c = np.asarray(candidate, dtype=float)[None, :]
    wins = (c > b) if higher_is_better else (c < b)
    return float((wins.sum() + 0.5 * (c == b).sum()) / (b.size * c.size))


def mann_whitney_p(baseline: np.ndarray, candidate: np.ndarray) -> float | None:
    if len(baseline) < 2 or len(candidate) < 2:
        return None
    if np.ptp(np.concatenate([baseline, candidate])) == 0:
        return 1.0
    from scipy import stats as sps

    return float(sps.mannwhitneyu(candidate, baseline, alternative="two-sided").pvalue)


def compare(
    baseline: npt.ArrayLike,
    candidate: npt.ArrayLike,
    higher_is_better: bool | None,
    opts: StatOptions | None = None,
) -> Comparison:
    """Compare per-seed scalars of the two sides; see the module docstring for the decision rule."""
    opts = opts or StatOptions()
    b = np.asarray(baseline, dtype=float)
    c = np.asarray(candidate, dtype=float)
    b = b[np.isfinite(b)]
    c = c[np.isfinite(c)]
    rng = np.random.default_rng(opts.seed)
    b_iqm, c_iqm = float(iqm(b)), float(iqm(c))
    if len(b) > 1 and len(c) > 1:
        bb = _boot_iqm(b, opts.n_boot, rng)
        cb = _boot_iqm(c, opts.n_boot, rng)
        b_ci, c_ci = _interval(bb, opts.confidence), _interval(cb, opts.confidence)
        diff_ci = _interval(cb - bb, opts.confidence)
        scale = abs(b_iqm)
        rel_ci = _interval((cb - bb) / scale, opts.confidence) if scale > 1e-12 else None
    else:
        b_ci = (b_iqm, b_iqm) if len(b) == 1 else bootstrap_ci(b, opts)
        c_ci = (c_iqm, c_iqm) if len(c) == 1 else bootstrap_ci(c, opts)
        diff_ci = (math.nan, math.nan)
        rel_ci = None
    diff = c_iqm - b_iqm
    rel = diff / abs(b_iqm) if abs(b_iqm) > 1e-12 else None
    p_imp = probability_of_improvement(b, c, higher_is_better is not False) if len(b) and len(c) else None
    mw = mann_whitney_p(b, c)
    verdict, reason = _decide(len(b), len(c), diff, diff_ci, rel, rel_ci, higher_is_better, opts)
    return Comparison(
        n_baseline=len(b),
        n_candidate=len(c),
        baseline_iqm=b_iqm,
        baseline_ci=b_ci,
        candidate_iqm=c_iqm,
        candidate_ci=c_ci,
        difference=diff,
        difference_ci=diff_ci,
        relative_change=rel,
        relative_ci=rel_ci,
        p_improvement=p_imp if higher_is_better is not None else None,
        mann_whitney_p=mw,
        higher_is_better=higher_is_better,
        verdict=verdict,
        reason=reason,
    )


def _decide(
    nb: int,
    nc: int,
    diff: float,
    diff_ci: tuple[float, float],
    rel: float | None,
    rel_ci: tuple[float, float] | None,
    higher_is_better: bool | None,
    opts: StatOptions,
) -> tuple[Verdict, str]:
    if nb < opts.min_seeds or nc < opts.min_seeds:
        return Verdict.too_few_seeds, (
            f"{nb} baseline and {nc} candidate seed(s); at least {opts.min_seeds} per side are needed "
            "to separate a change from seed noise"
        )
    lo, hi = diff_ci
    excludes_zero = lo > 0 or hi < 0
    big = rel is not None and abs(rel) > opts.threshold
    if excludes_zero and big:
        if higher_is_better is None:
            return (
                Verdict.changed,
                "interval of the difference excludes zero and the change exceeds the threshold",
            )
        worse = (diff < 0) if higher_is_better else (diff > 0)
        return (Verdict.regression if worse else Verdict.improvement), (
            f"{int(opts.confidence * 100)}% interval of the difference excludes zero and "
            f"|change| {abs(rel or 0):.0%} > {opts.threshold:.0%}"
        )
    if rel_ci is not None and -opts.threshold < rel_ci[0] and rel_ci[1] < opts.threshold:
        return (
            Verdict.equivalent,
            f"the whole interval of the relative change lies within ±{opts.threshold:.0%}",
        )
    if excludes_zero:
        return Verdict.inconclusive, f"difference is nonzero but below the {opts.threshold:.0%} threshold"
    return Verdict.inconclusive, "interval of the difference includes zero: seed noise can explain it"
