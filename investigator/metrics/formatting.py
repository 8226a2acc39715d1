"""Number formatting for findings and the report table (one place, so every number reads the same)."""

from __future__ import annotations

import math

from investigator.metrics.stats import Comparison


def num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    ax = abs(x)
    if ax != 0 and (ax >= 1e5 or ax < 1e-3):
        return f"{x:.3g}"
    if ax >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def interval(ci: tuple[float, float] | None) -> str:
    if ci is None or any(math.isnan(v) for v in ci):
        return ""
    return f"[{num(ci[0])}, {num(ci[1])}]"


def pct(x: float | None) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:+.1%}"


def describe(cmp: Comparison, what: str) -> str:
    """One sentence: baseline vs candidate with intervals, change, P(improvement), verdict."""
    parts = [
        f"{what}: baseline {num(cmp.baseline_iqm)} {interval(cmp.baseline_ci)} (IQM of {cmp.n_baseline})".replace(
            "  ", " "
        ),
        f"candidate {num(cmp.candidate_iqm)} {interval(cmp.candidate_ci)} (IQM of {cmp.n_candidate})".replace(
            "  ", " "
        ),
        f"change {pct(cmp.relative_change)} {pct_interval(cmp)}".rstrip(),
    ]
    if cmp.p_improvement is not None:
        parts.append(f"P(improvement) {cmp.p_improvement:.2f}")
    if cmp.mann_whitney_p is not None:
        parts.append(f"Mann-Whitney p={cmp.mann_whitney_p:.3g}")
    return "; ".join(parts) + f" — {cmp.verdict.value} ({cmp.reason})"


def pct_interval(cmp: Comparison) -> str:
    if cmp.relative_ci is None:
        return ""
    lo, hi = cmp.relative_ci
    return f"[{lo:+.0%}, {hi:+.0%}]"
