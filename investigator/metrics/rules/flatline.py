"""The primary metric stays flat for the whole run: no learning progress at all."""

from __future__ import annotations

import numpy as np

from investigator.metrics.curves import quartile_means
from investigator.metrics.rules.base import (
    PRIMARY,
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import OTHER_SUBSYSTEM, Severity


class Flatline(SingleRunRule):
    meta = RuleMeta(
        id="primary_flatline",
        order=20,
        title="Primary metric flatlines (no learning progress)",
        kind="single",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.significant,
        rationale=(
            "A primary metric whose quarter means differ by less than the noise never learned: rewards that "
            "cannot be reached, gradients that do not flow, or a policy that is never updated."
        ),
        fix="Check that the reward reaches the agent and that the optimizer step changes the policy (gradient-flow probe).",
        metrics=[PRIMARY],
        needs_contrast=True,  # some tasks legitimately plateau; a baseline that learned makes it a regression
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.primary
        return series is not None and quartile_means(series) is not None

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        series = view.primary
        q = quartile_means(series) if series is not None else None
        if series is None or q is None:
            return None
        spread_of_means = float(np.ptp(q))
        tolerance = max(0.05 * float(np.max(np.abs(q))), 0.5 * float(np.std(series.values)), 1e-9)
        if spread_of_means > tolerance:
            return None
        return RuleHit(
            summary=(
                f"`{view.tag_of(PRIMARY)}` stays at {q[-1]:.4g} (quarter means vary by {spread_of_means:.3g}, "
                f"within noise {tolerance:.3g})"
            ),
            details={"quartile_means": [round(float(x), 6) for x in q], "level": float(q[-1])},
            plot_metrics=[PRIMARY],
        )
