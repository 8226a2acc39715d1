"""Figures: baseline vs candidate curves with confidence bands, and the curves behind each finding.

Matplotlib's object API on an Agg canvas: no display, and no pyplot global state, so analyzers
running in parallel threads cannot draw into each other's figures. Bands are percentile-bootstrap intervals of the mean
across seeds at each step of a common grid (seeded, so figures are reproducible).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from investigator.metrics.curves import common_grid, on_grid
from investigator.metrics.loading import Series

COLORS = {"baseline": "#1f77b4", "candidate": "#d62728"}
MAX_LINE_POINTS = 2000  # per drawn run: a 90-dpi panel is ~600 pixels wide


def downsample(steps: np.ndarray, values: np.ndarray, max_points: int = MAX_LINE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most `max_points` points that draw like the full curve: each bucket of consecutive points
    keeps its minimum and its maximum, in step order, so spikes and dips stay visible."""
    n = len(steps)
    if n <= max_points:
        return steps, values
    width = -(-n // (max_points // 2))  # points per bucket
    buckets = -(-n // width)
    padded = np.pad(values, (0, buckets * width - n), mode="edge").reshape(buckets, width)
    base = np.arange(buckets) * width
    first_lo = np.minimum(base + padded.argmin(axis=1), n - 1)
    first_hi = np.minimum(base + padded.argmax(axis=1), n - 1)
    keep = np.unique(np.concatenate([first_lo, first_hi]))
    return steps[keep], values[keep]


def _band(curves: np.ndarray, seed: int, n_boot: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = curves.mean(axis=0)
    if len(curves) < 2:
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(curves), size=(n_boot, len(curves)))
    boots = curves[idx].mean(axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5], axis=0)
    return mean, lo, hi


def _draw(
    ax, sides: dict[str, list[Series]], title: str, seed: int, hlines: dict[str, float] | None = None
) -> None:
    everything = [s for runs in sides.values() for s in runs if len(s) >= 2]
    grid = common_grid(everything)
    for side, runs in sides.items():
        runs = [s for s in runs if len(s) >= 2]
        if not runs:
            continue
        color = COLORS.get(side, "gray")
        for s in runs:
            ax.plot(*downsample(s.steps, s.values), color=color, alpha=0.15, linewidth=0.8)
        if grid is not None:
            curves = np.stack([on_grid(s, grid) for s in runs])
            mean, lo, hi = _band(curves, seed)
            ax.plot(grid, mean, color=color, linewidth=2, label=f"{side} (mean of {len(runs)})")
            if len(runs) > 1:
                ax.fill_between(grid, lo, hi, color=color, alpha=0.25, linewidth=0)
        else:
            ax.plot([], [], color=color, label=f"{side} ({len(runs)})")
    for label, y in (hlines or {}).items():
        ax.axhline(y, color="black", linestyle="--", linewidth=1)
        ax.annotate(label, xy=(0.01, y), xycoords=("axes fraction", "data"), fontsize=8, va="bottom")
    ax.set_title(title.replace("`", ""), fontsize=10)
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def comparison_figure(
    path: Path,
    panels: list[tuple[str, dict[str, list[Series]]]],
    seed: int = 0,
    hlines: dict[str, float] | None = None,
) -> Path:
    """One panel per metric; each panel shows both sides' runs, mean and 95% band."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(7, 3.2 * len(panels)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, squeeze=False)
    for i, (title, sides) in enumerate(panels):
        _draw(axes[i][0], sides, title, seed, hlines if i == 0 else None)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return path
