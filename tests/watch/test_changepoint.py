"""E-divisive means with its permutation test: steps found where they are, noise left alone at about
the stated alpha, a slow drift found, two steps found, reproducible with a seed."""

from __future__ import annotations

import numpy as np
import pytest

from investigator.watch.changepoint import ChangePointOptions, best_split, change_points, segments


def test_step_change_found_at_its_index_with_direction_and_p_value() -> None:
    rng = np.random.default_rng(2)
    z = np.r_[rng.normal(100, 2, 25), rng.normal(90, 2, 25)]
    points = change_points(z)
    assert [c.index for c in points] == [25]
    c = points[0]
    assert c.direction == "decrease" and c.p_value <= 0.05 and c.relative_change() == pytest.approx(-0.1, abs=0.02)
    assert c.before_mean == pytest.approx(z[:25].mean()) and c.after_mean == pytest.approx(z[25:].mean())


def test_step_found_over_many_seeds_extra_points_about_alpha_per_sub_test() -> None:
    found = exact = 0
    for s in range(40):
        rng = np.random.default_rng(s)
        indices = [c.index for c in change_points(np.r_[rng.normal(100, 2, 25), rng.normal(90, 2, 25)])]
        found += any(abs(i - 25) <= 1 for i in indices)  # noise may move the estimate by one commit
        exact += indices == [25]
    assert found == 40 and exact >= 32  # each side is tested again at alpha: a spurious extra point is rare


def test_increase_is_an_increase() -> None:
    rng = np.random.default_rng(3)
    z = np.r_[rng.normal(0, 1, 20), rng.normal(4, 1, 15)]
    (c,) = change_points(z)
    assert c.index == 20 and c.direction == "increase"


def test_pure_noise_false_positive_rate_is_near_alpha() -> None:
    alpha, trials = 0.05, 300
    hits = sum(bool(change_points(np.random.default_rng(1000 + s).normal(50, 3, 30), ChangePointOptions(seed=s)))
               for s in range(trials))
    assert hits / trials <= alpha + 0.04  # about alpha (binomial sd 0.013), never a systematic excess
    stricter = sum(bool(change_points(np.random.default_rng(1000 + s).normal(50, 3, 30),
                                      ChangePointOptions(seed=s, alpha=0.01))) for s in range(trials))
    assert stricter <= hits and stricter / trials <= 0.03


def test_slow_drift_is_detected_though_no_neighbours_differ() -> None:
    rng = np.random.default_rng(11)
    z = np.r_[np.full(20, 100.0), np.linspace(100, 85, 40)] + rng.normal(0, 2, 60)
    steps = np.abs(np.diff(z[20:]))
    assert np.median(steps) > 15 / 40  # each step is below the noise: no pair of neighbours shows it
    points = change_points(z)
    assert points and all(c.direction == "decrease" for c in points)
    assert 20 <= points[0].index <= 50


def test_two_steps_both_found_by_recursion() -> None:
    rng = np.random.default_rng(5)
    z = np.r_[rng.normal(10, 1, 20), rng.normal(6, 1, 20), rng.normal(10, 1, 20)]
    points = change_points(z)
    assert [c.index for c in points] == [20, 40]
    assert [c.direction for c in points] == ["decrease", "increase"]
    assert segments(len(z), points) == [(0, 20), (20, 40), (40, 60)]


def test_same_seed_same_answer_and_short_history_has_none() -> None:
    z = np.r_[np.random.default_rng(2).normal(0, 1, 12), np.random.default_rng(3).normal(1.2, 1, 12)]
    assert change_points(z, ChangePointOptions(seed=4)) == change_points(z, ChangePointOptions(seed=4))
    assert change_points([1.0, 5.0, 1.0, 5.0, 9.0]) == []  # under 2 x min_size points: no split possible
    assert best_split(np.zeros(4), 3) == (-1, 0.0)
    with pytest.raises(ValueError, match="non-finite"):
        change_points([1.0, float("nan"), 2.0, 3.0, 4.0, 5.0])


def test_constant_history_has_no_change_point() -> None:
    assert change_points(np.full(30, 7.0)) == []
