"""Recovery: the share of the baseline-candidate gap that a restore closes, with its interval.

recovery = (restored - candidate) / (baseline - candidate) on the per-seed values of one quantity
(the final value of the primary metric, or its area under the curve). 1.0 puts the candidate back at
the baseline, 0 changes nothing, a negative value makes it worse. It needs no metric direction.

The interval is a percentile bootstrap with the seeds resampled within each group (baseline,
candidate, restored), the gap re-estimated in each resample: a gap that seed noise can close makes
the interval wide, never a false "proven". All randomness is seeded: the same runs give the same
numbers.

Verdicts (threshold T, 20 % by default):
- proven: the interval excludes 0 and the recovery is at least T;
- no_effect: the interval includes 0 (or lies below it) and its upper end is below T, i.e. the runs
  had the power to see a recovery of T and did not (a wide interval around 0 is not "no effect");
- inconclusive otherwise, with the seeds per group that would decide it (the half-width shrinks as
  1/sqrt(seeds)), or, when the interval excludes 0 but the recovery is below T, a minor contributor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

THRESHOLD = 0.2
N_BOOT = 4000
CONFIDENCE = 0.95
MIN_SEEDS = 2  # per group, for any interval
MAX_SEEDS_NEEDED = 1000

VerdictName = Literal["proven", "no_effect", "inconclusive"]


@dataclass(frozen=True)
class RecoveryStat:
    recovery: float
    interval: tuple[float, float]
    seeds: int  # the smallest group's seeds

    @property
    def half_width(self) -> float:
        return (self.interval[1] - self.interval[0]) / 2


@dataclass(frozen=True)
class Gap:
    """The baseline-candidate gap itself: whether the probe's runs reproduce a regression at all."""

    baseline: float
    candidate: float
    interval: tuple[float, float]

    @property
    def reproduced(self) -> bool:
        return self.interval[0] > 0 or self.interval[1] < 0


def _finite(values: npt.ArrayLike) -> np.ndarray:
    a = np.asarray(values, dtype=float)
    return a[np.isfinite(a)]


def _boot_means(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    return np.asarray(values[idx].mean(axis=1), dtype=float)


def _percentiles(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = 50 * (1 - confidence)
    lo, hi = np.percentile(samples, [tail, 100 - tail])
    return float(lo), float(hi)


def gap(baseline: npt.ArrayLike, candidate: npt.ArrayLike, *, n_boot: int = N_BOOT, seed: int = 0,
        confidence: float = CONFIDENCE) -> Gap | None:
    """The gap baseline - candidate with its bootstrap interval; None with too few seeds."""
    b, c = _finite(baseline), _finite(candidate)
    if min(len(b), len(c)) < MIN_SEEDS:
        return None
    rng = np.random.default_rng(seed)
    diffs = _boot_means(b, n_boot, rng) - _boot_means(c, n_boot, rng)
    return Gap(float(b.mean()), float(c.mean()), _percentiles(diffs, confidence))


def recovery(baseline: npt.ArrayLike, candidate: npt.ArrayLike, restored: npt.ArrayLike, *, n_boot: int = N_BOOT,
             seed: int = 0, confidence: float = CONFIDENCE) -> RecoveryStat | None:
    """The recovery of `restored` with its bootstrap interval; None with too few seeds or no gap."""
    b, c, r = _finite(baseline), _finite(candidate), _finite(restored)
    if min(len(b), len(c), len(r)) < MIN_SEEDS:
        return None
    width = float(b.mean() - c.mean())
    if abs(width) < 1e-12:
        return None
    rng = np.random.default_rng(seed)
    mb, mc, mr = (_boot_means(x, n_boot, rng) for x in (b, c, r))
    gaps = mb - mc
    usable = np.abs(gaps) > 1e-12 * max(1.0, abs(width))
    if usable.sum() < n_boot // 2:  # the gap vanishes in most resamples: no ratio to speak of
        return RecoveryStat(float((r.mean() - c.mean()) / width), (-math.inf, math.inf), min(len(b), len(c), len(r)))
    samples = (mr[usable] - mc[usable]) / gaps[usable]
    return RecoveryStat(float((r.mean() - c.mean()) / width), _percentiles(samples, confidence),
                        min(len(b), len(c), len(r)))


def verdict(stat: RecoveryStat, threshold: float = THRESHOLD) -> tuple[VerdictName, int | None, str]:
    """The verdict, the seeds per group that would decide an inconclusive one, and a short note."""
    lo, hi = stat.interval
    if lo > 0 and stat.recovery >= threshold:
        return "proven", None, ""
    if lo <= 0 and hi < threshold:
        return "no_effect", None, ""
    if lo > 0:
        return "inconclusive", None, (f"a real but small recovery: the interval excludes 0, the recovery is below "
                                      f"the {threshold:.0%} threshold (a minor contributor)")
    return "inconclusive", seeds_needed(stat, threshold), "too few seeds to tell"


def seeds_needed(stat: RecoveryStat, threshold: float = THRESHOLD) -> int | None:
    """Seeds per group at which the interval would decide, from the observed spread: the half-width
    scales as 1/sqrt(seeds), and it must shrink below max(r, T - r) (the distance from the recovery
    r to 0 when r >= T, else to the threshold)."""
    target = max(stat.recovery, threshold - stat.recovery)
    width = stat.half_width
    if not math.isfinite(width) or target <= 0:
        return None
    needed = math.ceil(stat.seeds * (width / target) ** 2)
    return min(MAX_SEEDS_NEEDED, max(stat.seeds + 1, needed))
