"""The recovery statistics and the verdict rule: positive and negative cases of each verdict."""

from __future__ import annotations

import math

import numpy as np
import pytest

from investigator.verify import recovery as rec

BASE = [100.0, 101.0, 99.0, 100.5]
CAND = [60.0, 61.0, 59.0, 60.5]


def _restored(share: float, noise: float, n: int = 4, seed: int = 1) -> list[float]:
    rng = np.random.default_rng(seed)
    return list(60.0 + 40.0 * share + rng.normal(0, noise, n))


def test_a_full_restore_recovers_about_everything_and_is_proven() -> None:
    stat = rec.recovery(BASE, CAND, _restored(1.0, 1.0))
    assert stat is not None and 0.9 < stat.recovery < 1.1
    assert stat.interval[0] > 0.8 and stat.interval[1] < 1.2
    assert rec.verdict(stat)[0] == "proven"


def test_no_change_with_tight_runs_is_no_effect_but_a_wide_interval_is_not() -> None:
    stat = rec.recovery(BASE, CAND, _restored(0.0, 1.0))
    assert stat is not None and rec.verdict(stat)[0] == "no_effect"
    noisy = rec.recovery([100.0, 130.0, 70.0], [60.0, 95.0, 25.0], [60.0, 90.0, 30.0])  # same means, huge spread
    assert noisy is not None and noisy.interval[0] <= 0 < rec.THRESHOLD <= noisy.interval[1]
    name, seeds, _ = rec.verdict(noisy)
    assert name == "inconclusive" and seeds is not None and seeds > 3  # no power: it says how many would decide


def test_restoring_that_makes_it_worse_is_no_effect() -> None:
    stat = rec.recovery(BASE, CAND, _restored(-0.5, 1.0))
    assert stat is not None and stat.recovery < 0 and stat.interval[1] < 0
    assert rec.verdict(stat)[0] == "no_effect"


def test_a_precise_small_recovery_is_a_minor_contributor_not_proven() -> None:
    stat = rec.recovery(BASE, CAND, _restored(0.1, 0.3))
    assert stat is not None and stat.interval[0] > 0 and stat.recovery < rec.THRESHOLD
    name, seeds, note = rec.verdict(stat)
    assert name == "inconclusive" and seeds is None and "minor contributor" in note


def test_seeds_needed_grows_with_noise_and_shrinks_with_a_larger_effect() -> None:
    wide = rec.RecoveryStat(0.3, (-0.2, 0.8), seeds=3)
    wider = rec.RecoveryStat(0.3, (-0.5, 1.1), seeds=3)
    bigger = rec.RecoveryStat(0.6, (-0.1, 1.3), seeds=3)
    assert rec.verdict(wide)[0] == "inconclusive"
    n_wide, n_wider = rec.seeds_needed(wide), rec.seeds_needed(wider)
    assert n_wide is not None and n_wider is not None and n_wider > n_wide > 3
    assert n_wide == math.ceil(3 * (0.5 / 0.3) ** 2)  # the half-width must fall below r (r >= T): 1/sqrt(n)
    n_bigger = rec.seeds_needed(bigger)
    assert n_bigger is not None and n_bigger == math.ceil(3 * (0.7 / 0.6) ** 2)
    assert rec.seeds_needed(rec.RecoveryStat(0.3, (-math.inf, math.inf), seeds=3)) is None


@pytest.mark.parametrize(("b", "c", "r"), [([100.0], CAND, CAND), (BASE, [60.0], CAND), (BASE, CAND, [70.0]),
                                           (BASE, BASE, CAND), ([1.0, math.nan], CAND, CAND)])
def test_too_few_seeds_or_no_gap_give_no_number(b: list[float], c: list[float], r: list[float]) -> None:
    assert rec.recovery(b, c, r) is None


def test_a_gap_seed_noise_can_close_is_not_reproduced_and_a_real_one_is() -> None:
    real = rec.gap(BASE, CAND)
    assert real is not None and real.reproduced and real.interval[0] > 30
    noise = rec.gap([100.0, 80.0, 120.0], [101.0, 79.0, 118.0])
    assert noise is not None and not noise.reproduced


def test_the_same_runs_give_the_same_numbers() -> None:
    a = rec.recovery(BASE, CAND, _restored(0.5, 2.0))
    b = rec.recovery(BASE, CAND, _restored(0.5, 2.0))
    assert a == b
