"""Linear-time smoothing (same values as the old convolution) and plot downsampling that keeps spikes."""

from __future__ import annotations

import numpy as np
import pytest

from investigator.metrics.curves import smooth
from investigator.metrics.plots import MAX_LINE_POINTS, downsample


def convolved(values: np.ndarray, fraction: float) -> np.ndarray:
    """The previous, quadratic implementation: the reference semantics."""
    n = len(values)
    window = max(1, int(round(n * fraction)))
    if window <= 1 or n < 3:
        return values.astype(float)
    padded = np.pad(values.astype(float), (window // 2, window - 1 - window // 2), mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="valid")


@pytest.mark.parametrize("n", [1, 2, 3, 19, 20, 21, 100, 1001, 20_000])
@pytest.mark.parametrize("fraction", [0.02, 0.05, 0.5, 1.0])
def test_smooth_matches_the_centred_moving_average(n, fraction):
    rng = np.random.default_rng(n)
    values = rng.normal(100, 5, n) + np.linspace(0, 1e3, n)
    got = smooth(values, fraction)
    assert got.shape == values.shape
    np.testing.assert_allclose(got, convolved(values, fraction), rtol=1e-12, atol=1e-9)


def test_smooth_keeps_precision_on_a_large_offset():
    values = 1e9 + np.sin(np.arange(200_000) / 500.0)
    np.testing.assert_allclose(smooth(values)[::997], convolved(values, 0.05)[::997], rtol=0, atol=1e-4)


def test_smooth_integer_input_and_constant():
    assert np.array_equal(smooth(np.full(50, 3)), np.full(50, 3.0))


def test_downsample_keeps_extremes_in_step_order():
    rng = np.random.default_rng(0)
    values = rng.normal(0, 1, 1_000_003)
    values[123_457] = 50.0
    values[900_001] = -40.0
    steps = np.arange(len(values)) * 4
    s, v = downsample(steps, values)
    assert len(s) <= MAX_LINE_POINTS and np.all(np.diff(s) > 0)
    assert v.max() == 50.0 and v.min() == -40.0
    assert 123_457 * 4 in s and 900_001 * 4 in s
    assert s[0] >= 0 and s[-1] <= steps[-1]


def test_downsample_leaves_short_curves_alone():
    steps, values = np.arange(100), np.arange(100.0)
    s, v = downsample(steps, values)
    assert s is steps and v is values
