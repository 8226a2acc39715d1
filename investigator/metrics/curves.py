"""Shape measurements on one curve, and per-run summaries used by the comparisons.

Why: rules should read like the signatures in docs/domain.md ("the last quartile is 33% below the first"),
so the arithmetic lives here once: quartile means by step, smoothing, final value, area under the
curve, steps to reach a threshold, throughput from wall-clock time.
"""

from __future__ import annotations

import numpy as np

from investigator.metrics.loading import Series


def quartile_means(series: Series) -> np.ndarray | None:
    """Mean value in each quarter of the logged step range (needs >= 8 points)."""
    if len(series) < 8:
        return None
    lo, hi = float(series.steps[0]), float(series.steps[-1])
    if hi <= lo:
        return None
    edges = np.linspace(lo, hi, 5)
    which = np.clip(np.searchsorted(edges, series.steps, side="right") - 1, 0, 3)
    out = np.array([series.values[which == q].mean() if (which == q).any() else np.nan for q in range(4)])
    return None if np.isnan(out).any() else out


def relative_to(values: np.ndarray, reference: float, spread: float) -> np.ndarray:
    """(values - reference) relative to |reference|, or to the curve's spread when reference ~ 0."""
    scale = abs(reference)
    if scale < 1e-9 or scale < 0.05 * spread:
        scale = max(spread, 1e-12)
    return (values - reference) / scale


def smooth(values: np.ndarray, fraction: float = 0.05) -> np.ndarray:
    """Centred moving average over `fraction` of the points (at least 1), edges padded with the end
    values. Linear time (a running sum), so a 1M-point curve with a 50,000-point window costs the same
    as a short one; the sum runs over values minus their mean so long curves keep their precision."""
    n = len(values)
    window = max(1, int(round(n * fraction)))
    if window <= 1 or n < 3:
        return values.astype(float)
    x = values.astype(float)
    offset = float(x.mean())
    padded = np.pad(x - offset, (window // 2, window - 1 - window // 2), mode="edge")
    running = np.empty(len(padded) + 1)
    running[0] = 0.0
    np.cumsum(padded, out=running[1:])
    return (running[window:] - running[:-window]) / window + offset


def final_value(series: Series, fraction: float = 0.1) -> float:
    """Mean over the last `fraction` of the step range (at least the last point)."""
    if len(series) == 0:
        return float("nan")
    lo, hi = series.steps[0], series.steps[-1]
    cut = hi - fraction * (hi - lo)
    tail = series.values[series.steps >= cut]
    return float(tail.mean()) if len(tail) else float(series.values[-1])


def area_under_curve(series: Series, until: float) -> float:
    """Mean value over steps [first step, until] (the area normalised by its width)."""
    if len(series) < 2:
        return float(series.values[0]) if len(series) else float("nan")
    start = float(series.steps[0])
    if until <= start:
        return float(series.values[0])
    grid = np.linspace(start, until, 256)
    values = np.interp(grid, series.steps.astype(float), series.values)
    return float(np.trapezoid(values, grid) / (until - start))


def steps_to_reach(series: Series, threshold: float, higher_is_better: bool = True) -> float | None:
    """First step where the smoothed curve reaches the threshold; None if never."""
    if len(series) == 0:
        return None
    values = smooth(series.values)
    hit = values >= threshold if higher_is_better else values <= threshold
    idx = np.flatnonzero(hit)
    return float(series.steps[idx[0]]) if len(idx) else None


def derived_steps_per_second(series: Series) -> float | None:
    """Throughput from wall-clock time: step progress over elapsed time in the second half of the run
    (the first half includes start-up and compilation)."""
    ok = np.isfinite(series.wall_times)
    if ok.sum() < 4:
        return None
    steps = series.steps[ok].astype(float)
    wall = series.wall_times[ok]
    half = len(steps) // 2
    dt = wall[-1] - wall[half]
    ds = steps[-1] - steps[half]
    if dt <= 0 or ds <= 0:
        return None
    return float(ds / dt)


def seconds_per_update(series: Series) -> float | None:
    """Median wall-clock seconds between consecutive logged steps (one log line per update)."""
    ok = np.isfinite(series.wall_times)
    if ok.sum() < 3:
        return None
    deltas = np.diff(series.wall_times[ok])
    deltas = deltas[deltas > 0]
    return float(np.median(deltas)) if len(deltas) else None


def common_grid(all_series: list[Series], points: int = 200) -> np.ndarray | None:
    """Step grid covering the range shared by every run (so no curve is extrapolated)."""
    usable = [s for s in all_series if len(s) >= 2]
    if not usable:
        return None
    lo = max(float(s.steps[0]) for s in usable)
    hi = min(float(s.steps[-1]) for s in usable)
    if hi <= lo:
        return None
    return np.linspace(lo, hi, points)


def on_grid(series: Series, grid: np.ndarray) -> np.ndarray:
    return np.interp(grid, series.steps.astype(float), smooth(series.values, 0.02))
