"""Final value of the primary metric, baseline seeds vs candidate seeds."""

from __future__ import annotations

from investigator.metrics.curves import final_value
from investigator.metrics.formatting import describe
from investigator.metrics.rules.base import (
    PRIMARY,
    CompareOutcome,
    CompareRule,
    RuleMeta,
    RuleOptions,
    RunView,
)
from investigator.metrics.stats import Verdict, compare
from investigator.models import OTHER_SUBSYSTEM, Severity

LARGE = 0.15  # relative regressions at least this large keep the critical severity


def per_run(views: list[RunView], fn) -> list[float]:
    """One number per run; a run whose primary metric ends non-finite (diverged) has no final value
    and is left out (the `nonfinite_values` finding reports it)."""
    out = []
    for view in views:
        if view.primary_diverged:
            continue
        series = view.primary
        if series is not None and len(series):
            value = fn(series)
            if value is not None:
                out.append(float(value))
    return out


class FinalPerformance(CompareRule):
    meta = RuleMeta(
        id="final_performance",
        order=140,
        title="Final performance",
        kind="compare",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.critical,
        severity_note="significant for regressions under 15%",
        rationale=(
            "The final value (mean over the last 10% of each run) of the primary metric is what the user calls "
            "the regression; seeds are compared with IQM, bootstrap intervals and P(improvement)."
        ),
        fix="Work through the ranked code and config findings; re-run both commits with the same seeds to confirm.",
        metrics=[PRIMARY],
    )

    def compare(
        self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions
    ) -> CompareOutcome | None:
        b, c = per_run(baseline, final_value), per_run(candidate, final_value)
        if not b or not c:
            return None
        higher = (baseline or candidate)[0].primary_higher_is_better
        cmp = compare(b, c, higher, opts.stats)
        severity = None
        if cmp.verdict == Verdict.regression and abs(cmp.relative_change or 0) < LARGE:
            severity = Severity.significant
        tag = candidate[0].tag_of(PRIMARY) or "primary"
        return CompareOutcome(
            metric=PRIMARY,
            quantity="final value",
            comparison=cmp,
            summary=describe(cmp, f"final `{tag}`"),
            details={"baseline": b, "candidate": c},
            severity=severity,
        )
