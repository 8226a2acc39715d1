"""The primary metric peaks and then loses much of what it gained."""

from __future__ import annotations

import numpy as np

from investigator.metrics.curves import smooth
from investigator.metrics.rules.base import (
    PRIMARY,
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import OTHER_SUBSYSTEM, Severity

LOSS_OF_GAIN = 0.3  # fraction of the gain lost after the peak
SMOOTHING = 0.1  # moving-average window, as a fraction of the points


class PeakDecline(SingleRunRule):
    meta = RuleMeta(
        id="primary_peak_decline",
        order=30,
        title="Primary metric peaks, then declines",
        kind="single",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.significant,
        rationale=(
            "Learning that is undone after a peak points at instability of the update (step size too large, "
            "learning rate no longer annealed, value targets drifting) rather than at missing signal."
        ),
        fix="Compare learning-rate schedule, clipping and value targets between the commits.",
        metrics=[PRIMARY],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.primary
        return series is not None and len(series) >= 10

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        series = view.primary
        if series is None or len(series) < 10:
            return None
        sign = 1.0 if view.primary_higher_is_better else -1.0
        raw = series.values * sign
        values = smooth(raw, SMOOTHING)
        steps = series.steps.astype(float)
        span = steps[-1] - steps[0]
        if span <= 0:
            return None
        peak = int(np.argmax(values))
        position = (steps[peak] - steps[0]) / span
        start = float(values[: max(1, len(values) // 20)].mean())
        gain = values[peak] - start
        tail = values[steps >= steps[-1] - 0.1 * span]
        final = float(tail.mean())
        lost = (values[peak] - final) / gain if gain > 0 else 0.0
        # the drop must exceed what noise alone gives between a smoothed peak and the tail mean
        sigma = float(np.std(raw - values))
        window = max(1, round(len(raw) * SMOOTHING))
        noise_floor = 3 * sigma * np.sqrt(1 / window + 1 / max(1, len(tail)))
        if not (
            0.2 <= position <= 0.8
            and gain > 0
            and lost >= LOSS_OF_GAIN
            and values[peak] - final > noise_floor
        ):
            return None
        return RuleHit(
            summary=(
                f"`{view.tag_of(PRIMARY)}` peaks at {sign * values[peak]:.4g} (step {int(steps[peak])}, "
                f"{position:.0%} of the run) and ends at {sign * final:.4g}: {lost:.0%} of the gain lost"
            ),
            details={
                "peak_step": int(steps[peak]),
                "peak": float(sign * values[peak]),
                "final": sign * final,
                "fraction_of_gain_lost": round(float(lost), 4),
            },
            plot_metrics=[PRIMARY],
        )
