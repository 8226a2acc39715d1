"""The metric per commit of a watch as an inline SVG (coordinates computed here; the template only draws).

What a reader needs to trust the picture: a y axis with round tick values and the metric's name, which way
is better, an x axis in the order the watch measured its heads, each commit's IQM with its interval, the
commit the watch compares against, the culprits of regression alerts and the change points of drift alerts
marked (and told apart by a legend): a culprit that bisection found between two measured heads (only heads
are kept in the history) is drawn between them. Only the points of the newest measuring configuration are drawn: a
changed probe command starts a new series that does not compare with the old one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 44
X_LABELS = 8  # commit labels along the x axis at most


@dataclass
class Dot:
    x: float
    y: float
    low: float  # interval ends (y)
    high: float
    seq: int
    sha: str
    label: str  # the tooltip
    mark: str  # "", "culprit", "change", "baseline"
    resolved: bool = False  # the mark's alert is resolved


@dataclass
class Plot:
    width: int
    height: int
    left: int
    right: int  # x of the plot area's right edge
    top: int
    bottom: int  # y of the plot area's bottom edge
    line: str  # polyline points
    dots: list[Dot]
    y_ticks: list[tuple[float, str]]  # (y, label)
    x_ticks: list[tuple[float, str]]
    rules: list[Rule]  # vertical lines at culprits and change points
    metric: str
    higher_is_better: bool
    hidden: int  # points of earlier configurations, not drawn
    marks: set[str] = field(default_factory=set)  # which marks occur (the legend lists only those)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round values (1, 2, 2.5 or 5 times a power of ten apart) covering [lo, hi]."""
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 12))
        v += step
    return ticks


def _fmt(v: float) -> str:
    return f"{v:.4g}"


@dataclass
class Rule:
    """A vertical line through the plot: an alert's culprit or change point."""

    x: float
    kind: str  # "culprit" | "change"
    resolved: bool
    label: str


def _alert_marks(alerts: list[dict[str, Any]]) -> dict[str, tuple[str, bool, str | None]]:
    """culprit or change-point sha → (mark, resolved, the head the alert opened at): culprits of regression
    (and static) alerts, change points of drift alerts; an open alert's mark wins over a resolved one's."""
    marks: dict[str, tuple[str, bool, str | None]] = {}
    for a in sorted(alerts, key=lambda a: a.get("status") == "open"):
        sha = a.get("culprit_sha") or a.get("key")
        detail: dict[str, Any] = a["detail"] if isinstance(a.get("detail"), dict) else {}
        if sha:
            marks[sha] = ("change" if a.get("kind") == "drift" else "culprit", a.get("status") == "resolved",
                          detail.get("bad_sha") or a.get("head_sha"))
    return marks


def _rules(dots: list[Dot], marks: dict[str, tuple[str, bool, str | None]]) -> list[Rule]:
    """A rule at the marked commit when it was measured; else, for a culprit found by bisection between two
    measured heads, halfway between the head before and the head it was alerted at."""
    at = {d.sha: i for i, d in enumerate(dots)}
    rules = []
    for sha, (mark, resolved, bad) in marks.items():
        state = "resolved" if resolved else "open"
        if sha in at:
            rules.append(Rule(dots[at[sha]].x, mark, resolved, f"{_MARK_NAMES[mark]} {sha[:7]} ({state})"))
        elif bad in at and at[bad] > 0:
            i = at[bad]
            rules.append(Rule(round((dots[i - 1].x + dots[i].x) / 2, 1), mark, resolved,
                              f"{_MARK_NAMES[mark]} {sha[:7]} ({state}), between the measured heads "
                              f"#{dots[i - 1].seq} and #{dots[i].seq}"))
    return sorted(rules, key=lambda r: r.x)


def plot(points: list[dict[str, Any]], alerts: list[dict[str, Any]], *, metric: str = "metric",
         higher_is_better: bool = True, baseline_sha: str | None = None) -> Plot | None:
    """The plot, or None below two measured points of the newest configuration."""
    measured = [p for p in points if p.get("iqm") is not None]
    if measured:
        current = measured[-1].get("config_key", "")
        hidden = sum(1 for p in measured if p.get("config_key", "") != current)
        measured = [p for p in measured if p.get("config_key", "") == current]
    else:
        hidden = 0
    if len(measured) < 2:
        return None
    lows = [p["ci_low"] if p.get("ci_low") is not None else p["iqm"] for p in measured]
    highs = [p["ci_high"] if p.get("ci_high") is not None else p["iqm"] for p in measured]
    lo, hi = float(min(lows)), float(max(highs))
    if hi == lo:
        lo, hi = lo - (abs(lo) * 0.05 or 1.0), hi + (abs(hi) * 0.05 or 1.0)
    pad = (hi - lo) * 0.06
    lo, hi = lo - pad, hi + pad
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def y(v: float) -> float:
        return round(TOP + (hi - v) / (hi - lo) * (bottom - TOP), 1)

    step = (right - LEFT) / (len(measured) - 1)
    marks = _alert_marks(alerts)
    dots = []
    for i, p in enumerate(measured):
        mark, resolved, _ = marks.get(p["sha"], ("", False, None))
        if not mark and p["sha"] == baseline_sha:
            mark = "baseline"
        interval = f" [{_fmt(lows[i])}, {_fmt(highs[i])}]" if p.get("ci_low") is not None else ""
        label = (f"#{p['seq']} {p['sha'][:7]} {p.get('subject') or ''}\n{metric} IQM {_fmt(p['iqm'])}{interval}, "
                 f"{len(p.get('values') or [])} seed(s)" + (f"\n{_MARK_NAMES[mark]}" if mark else ""))
        dots.append(Dot(x=round(LEFT + i * step, 1), y=y(p["iqm"]), low=y(lows[i]), high=y(highs[i]), seq=p["seq"],
                        sha=p["sha"], label=label, mark=mark, resolved=resolved))
    every = max(1, math.ceil(len(dots) / X_LABELS))
    x_ticks = [(d.x, f"#{d.seq}") for i, d in enumerate(dots) if i % every == 0 or i == len(dots) - 1]
    if len(x_ticks) > 1 and x_ticks[-1][0] - x_ticks[-2][0] < 30:
        del x_ticks[-2]  # the last commit's label wins over a neighbour it would overlap
    return Plot(width=WIDTH, height=HEIGHT, left=LEFT, right=right, top=TOP, bottom=bottom,
                line=" ".join(f"{d.x},{d.y}" for d in dots), dots=dots,
                y_ticks=[(y(v), _fmt(v)) for v in nice_ticks(lo, hi)], x_ticks=x_ticks,
                rules=(rules := _rules(dots, marks)), metric=metric, higher_is_better=higher_is_better,
                hidden=hidden, marks={d.mark for d in dots if d.mark} | {r.kind for r in rules})


_MARK_NAMES = {"culprit": "culprit (first bad commit) of a regression alert",
               "change": "change point of a drift alert", "baseline": "the watch's current baseline commit"}
