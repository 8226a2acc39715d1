"""The primary metric degrades over training: quartile means fall quarter after quarter."""

from __future__ import annotations

import numpy as np

from investigator.metrics.curves import quartile_means, relative_to
from investigator.metrics.rules.base import (
    PRIMARY,
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import OTHER_SUBSYSTEM, Severity


class PrimaryCollapse(SingleRunRule):
    meta = RuleMeta(
        id="primary_collapse",
        order=10,  # report and merge order among the metric rules
        title="Primary metric degrades over training",
        kind="single",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.significant,
        rationale=(
            "Quarter-by-quarter means that keep falling (e.g. -4%, -17%, -33% against the first quarter) are "
            "the collapse pattern: learning is being undone, not merely slow."
        ),
        fix="Inspect the changes that affect the update (loss terms, learning rate, normalisation) first.",
        metrics=[PRIMARY],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.primary
        return series is not None and quartile_means(series) is not None

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        series = view.primary
        if series is None:
            return None
        q = quartile_means(series)
        if q is None:
            return None
        spread = float(np.ptp(series.values))
        rel = relative_to(q[1:], q[0], spread)
        sign = 1.0 if view.primary_higher_is_better else -1.0
        # getting worse every quarter, and the last quarter far below the first
        monotone = bool(np.all(np.diff(q * sign) < 0))
        if not (monotone and -sign * rel[-1] >= opts.collapse_drop):
            return None
        changes = ", ".join(f"{r:+.0%}" for r in rel)
        return RuleHit(
            summary=f"quartile means of `{view.tag_of(PRIMARY)}` relative to the first quarter: {changes}",
            details={
                "quartile_means": [round(float(x), 6) for x in q],
                "relative": [round(float(x), 4) for x in rel],
            },
            plot_metrics=[PRIMARY],
        )
