"""The bisection's figure: the metric at each tested commit (IQM with its interval, every seed as a dot)
by position on the first-parent path, coloured by verdict, the first bad commit marked.

Matplotlib's object API on an Agg canvas, as `metrics.plots`: no pyplot state, safe in threads.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from investigator.bisect.model import Bisection, CommitVerdict, TestedCommit

VERDICT_COLORS = {CommitVerdict.GOOD: "#2ca02c", CommitVerdict.BAD: "#d62728", CommitVerdict.UNSURE: "#ff7f0e",
                  CommitVerdict.SKIPPED: "#7f7f7f"}


def _panel(ax, tested: list[TestedCommit], title: str, first_bad: str | None) -> None:
    for verdict, color in VERDICT_COLORS.items():
        mine = [t for t in tested if t.verdict == verdict]
        for t in mine:
            ax.scatter([t.position] * len(t.summary.values), t.summary.values, color=color, alpha=0.35, s=12)
            if t.summary.iqm is not None and t.summary.ci_low is not None and t.summary.ci_high is not None:
                ax.errorbar([t.position], [t.summary.iqm], yerr=[[t.summary.iqm - t.summary.ci_low],
                            [t.summary.ci_high - t.summary.iqm]], fmt="o", color=color, capsize=3)
            elif verdict == CommitVerdict.SKIPPED:
                ax.axvline(t.position, color=color, linestyle=":", linewidth=1)
        ax.plot([], [], "o", color=color, label=f"{verdict.value} ({len(mine)})")
    hit = next((t for t in tested if t.sha == first_bad), None)
    if hit is not None:
        ax.axvline(hit.position, color="black", linestyle="--", linewidth=1)
        ax.annotate(f"first bad {hit.sha[:7]}", xy=(hit.position, 0.02), xycoords=("data", "axes fraction"), fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("commit position (0 = good end)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def bisection_figure(bisection: Bisection, path: Path) -> Path:
    """One panel for the first-parent path, one more when a merged branch was bisected."""
    main = [t for t in bisection.tested if t.commit.via_merge is None]
    branch = [t for t in bisection.tested if t.commit.via_merge is not None]
    panels = [(main, f"{bisection.metric} by commit ({bisection.good.short}..{bisection.bad.short}, first-parent)")]
    if branch:
        panels.append((branch, f"inside the branch merged by {branch[0].commit.via_merge[:7]}"))  # type: ignore[index]
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(7, 3.2 * len(panels)))
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(panels), 1, squeeze=False)
    for i, (tested, title) in enumerate(panels):
        _panel(axes[i][0], tested, title, bisection.first_bad)
        axes[i][0].set_ylabel(bisection.metric)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return path
