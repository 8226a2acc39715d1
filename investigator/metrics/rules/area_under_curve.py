"""Area under the primary metric's curve (mean value over the shared step range)."""

from __future__ import annotations

from investigator.metrics.curves import area_under_curve
from investigator.metrics.formatting import describe
from investigator.metrics.rules.base import (
    PRIMARY,
    CompareOutcome,
    CompareRule,
    RuleMeta,
    RuleOptions,
    RunView,
)
from investigator.metrics.stats import compare
from investigator.models import OTHER_SUBSYSTEM, Severity


class AreaUnderCurve(CompareRule):
    meta = RuleMeta(
        id="area_under_curve",
        order=150,
        title="Area under the learning curve",
        kind="compare",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.significant,
        rationale=(
            "The mean of the curve over the step range all runs share captures slower learning even when the "
            "final values meet; runs of different length are cut to the shortest so none is extrapolated."
        ),
        fix="Look for changes to the learning speed: learning rate, batch arithmetic, number of environments.",
        metrics=[PRIMARY],
    )

    def compare(
        self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions
    ) -> CompareOutcome | None:
        series = [
            (side, s)
            for side, views in (("b", baseline), ("c", candidate))
            for v in views
            if (s := v.primary) is not None and len(s) >= 2
        ]
        if not any(side == "b" for side, _ in series) or not any(side == "c" for side, _ in series):
            return None
        start = max(float(s.steps[0]) for _, s in series)
        until = min(float(s.steps[-1]) for _, s in series)
        if until <= start:
            return None
        b = [area_under_curve(s, until) for side, s in series if side == "b"]
        c = [area_under_curve(s, until) for side, s in series if side == "c"]
        higher = (baseline or candidate)[0].primary_higher_is_better
        cmp = compare(b, c, higher, opts.stats)
        tag = candidate[0].tag_of(PRIMARY) or "primary"
        return CompareOutcome(
            metric=PRIMARY,
            quantity=f"mean over steps ≤ {int(until):,}",
            comparison=cmp,
            summary=describe(cmp, f"area under `{tag}` (steps ≤ {int(until):,})"),
            details={"baseline": b, "candidate": c, "until_step": until},
        )
