"""Sample efficiency: environment steps until the primary metric reaches a threshold set by the baseline."""

from __future__ import annotations

import numpy as np

from investigator.metrics.curves import final_value, steps_to_reach
from investigator.metrics.formatting import describe, num
from investigator.metrics.rules.base import (
    PRIMARY,
    CompareOutcome,
    CompareRule,
    RuleMeta,
    RuleOptions,
    RunView,
)
from investigator.metrics.stats import compare, iqm
from investigator.models import OTHER_SUBSYSTEM, Severity


class SampleEfficiency(CompareRule):
    meta = RuleMeta(
        id="sample_efficiency",
        order=160,
        title="Sample efficiency (steps to reach a threshold)",
        kind="compare",
        subsystem=OTHER_SUBSYSTEM,
        severity=Severity.significant,
        rationale=(
            "Steps until the smoothed curve first reaches a fixed fraction of the baseline's progress "
            "(start + 80% of the way to the baseline's final IQM). Runs that never reach it count with their last "
            "step, a lower bound, and are reported."
        ),
        fix="Look for changes to the learning speed: learning rate, batch arithmetic, number of environments.",
        metrics=[PRIMARY],
    )

    def compare(
        self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions
    ) -> CompareOutcome | None:
        b_series = [s for v in baseline if (s := v.primary) is not None and len(s) >= 5]
        c_series = [s for v in candidate if (s := v.primary) is not None and len(s) >= 5]
        if not b_series or not c_series:
            return None
        higher = (baseline or candidate)[0].primary_higher_is_better
        sign = 1.0 if higher else -1.0
        start = float(iqm(np.array([s.values[: max(1, len(s) // 20)].mean() for s in b_series])))
        target = float(iqm(np.array([final_value(s) for s in b_series])))
        if sign * (target - start) <= 0:
            return None  # the baseline did not improve: no meaningful threshold
        threshold = start + opts.sample_efficiency_fraction * (target - start)

        def steps(series_list):
            out, missed = [], 0
            for s in series_list:
                hit = steps_to_reach(s, threshold, bool(higher))
                if hit is None:
                    missed += 1
                    hit = float(s.steps[-1])
                out.append(hit)
            return out, missed

        b, b_missed = steps(b_series)
        c, c_missed = steps(c_series)
        cmp = compare(b, c, higher_is_better=False, opts=opts.stats)
        tag = candidate[0].tag_of(PRIMARY) or "primary"
        missed = f"; never reached: {b_missed}/{len(b)} baseline, {c_missed}/{len(c)} candidate runs (counted at their last step)"
        return CompareOutcome(
            metric=PRIMARY,
            quantity=f"steps to reach {num(threshold)}",
            comparison=cmp,
            summary=describe(cmp, f"steps until `{tag}` reaches {num(threshold)}")
            + (missed if b_missed or c_missed else ""),
            details={
                "threshold": threshold,
                "baseline": b,
                "candidate": c,
                "missed": {"baseline": b_missed, "candidate": c_missed},
            },
        )
