"""Statistics: IQM, bootstrap intervals, P(improvement), and the verdict's decision rule."""

from __future__ import annotations

import numpy as np

from investigator.metrics.stats import (
    StatOptions,
    Verdict,
    bootstrap_ci,
    compare,
    iqm,
    probability_of_improvement,
)


def test_iqm_ignores_outer_quartiles():
    assert iqm(np.array([0, 10, 10, 10, 10, 10, 10, 1000.0])) == 10.0


def test_probability_of_improvement_counts_ties_half():
    assert probability_of_improvement(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 1.0
    assert probability_of_improvement(np.array([1.0]), np.array([1.0])) == 0.5
    assert (
        probability_of_improvement(np.array([1.0, 2.0]), np.array([3.0, 4.0]), higher_is_better=False) == 0.0
    )


def test_real_regression_across_seeds():
    rng = np.random.default_rng(1)
    base = 100 + rng.normal(0, 5, 5)
    cand = 70 + rng.normal(0, 5, 5)
    cmp = compare(base, cand, True)
    assert cmp.verdict == Verdict.regression
    assert cmp.difference_ci[1] < 0 and cmp.relative_change < -0.2
    assert cmp.p_improvement < 0.1 and cmp.mann_whitney_p < 0.05


def test_seed_noise_is_not_a_regression():
    rng = np.random.default_rng(2)
    base = 100 + rng.normal(0, 20, 5)
    cand = 97 + rng.normal(0, 20, 5)
    cmp = compare(base, cand, True)
    assert cmp.verdict == Verdict.inconclusive
    assert cmp.difference_ci[0] < 0 < cmp.difference_ci[1]


def test_small_significant_change_below_threshold_is_not_flagged():
    base = np.array([100.0, 100.1, 99.9, 100.05, 99.95])
    cand = base - 1.0  # -1%: CI excludes zero, but below the 5% threshold
    cmp = compare(base, cand, True)
    assert not cmp.flagged
    assert cmp.verdict in (Verdict.equivalent, Verdict.inconclusive)


def test_equivalent_when_interval_is_inside_threshold():
    rng = np.random.default_rng(3)
    base = 100 + rng.normal(0, 0.5, 8)
    cand = 100 + rng.normal(0, 0.5, 8)
    assert compare(base, cand, True).verdict == Verdict.equivalent


def test_one_seed_per_side_gives_numbers_but_no_verdict():
    cmp = compare(np.array([100.0]), np.array([50.0]), True)
    assert cmp.verdict == Verdict.too_few_seeds
    assert cmp.relative_change == -0.5 and cmp.baseline_iqm == 100.0
    assert "too few seeds" in cmp.verdict.value


def test_lower_is_better_and_no_direction():
    base, cand = np.array([10.0, 11, 12, 10.5]), np.array([20.0, 21, 22, 20.5])
    assert compare(base, cand, False).verdict == Verdict.regression
    assert compare(base, cand, None).verdict == Verdict.changed
    assert compare(cand, base, False).verdict == Verdict.improvement


def test_deterministic_with_seed_and_sensitive_to_it():
    rng = np.random.default_rng(4)
    base, cand = rng.normal(0, 1, 6) + 10, rng.normal(0, 1, 6) + 9
    a, b = compare(base, cand, True), compare(base, cand, True)
    assert a == b
    c = compare(base, cand, True, StatOptions(seed=7))
    assert c.difference_ci != a.difference_ci


def test_bootstrap_ci_contains_iqm():
    values = np.array([1.0, 2, 3, 4, 5, 6])
    lo, hi = bootstrap_ci(values)
    assert lo <= iqm(values) <= hi
