"""Throughput (environment steps per second) at the candidate vs the baseline."""

from __future__ import annotations

import numpy as np

from investigator.metrics.curves import derived_steps_per_second
from investigator.metrics.formatting import describe
from investigator.metrics.loading import Series
from investigator.metrics.rules.base import (
    CompareOutcome,
    CompareRule,
    RuleMeta,
    RuleOptions,
    RunView,
)
from investigator.metrics.stats import Verdict, compare
from investigator.models import Severity

LARGE = 0.2  # drops at least this large are significant; smaller ones are overhead (low)


def throughput(view: RunView) -> tuple[float, str] | None:
    """Median logged steps-per-second over the second half, else derived from wall-clock time."""
    sps = view.metric("sps")
    if sps is not None and len(sps) >= 2:
        return float(np.median(sps.values[len(sps) // 2 :])), f"`{view.tag_of('sps')}`"
    candidates: list[Series] = [s for s in (view.primary,) if s is not None]
    if not candidates and not view.run.empty:
        densest = view.run.frame["tag"].value_counts().index[0]
        s = view.run.series(str(densest))
        if s is not None:
            candidates.append(s)
    for series in candidates:
        value = derived_steps_per_second(series)
        if value is not None:
            return value, "steps per wall-clock second (derived)"
    return None


class ThroughputDrop(CompareRule):
    meta = RuleMeta(
        id="throughput_drop",
        order=170,
        title="Throughput (steps per second)",
        kind="compare",
        subsystem="trainer",
        severity=Severity.significant,
        severity_note="low for drops under 20%",
        note="the overhead ones refuted when throughput is equivalent",
        rationale=(
            "Fewer environment steps per second at the candidate (e.g. 450k -> 350k) is a cost on its own and "
            "points at overhead in the loop: evaluation or checkpointing more often, fewer workers, logging, "
            "compilation or device changes."
        ),
        fix="Compare evaluation/checkpoint/logging intervals and the worker count with the baseline; profile one update.",
        hypotheses=[
            "trainer.eval_overhead",
            "vecenv.env_count_changed",
            "checkpointing.checkpoint_overhead",
            "logging.logging_overhead",
            "device.compile_changed",
        ],
        metrics=["sps"],
        refuted_when_equivalent=[
            "trainer.eval_overhead",
            "checkpointing.checkpoint_overhead",
            "logging.logging_overhead",
        ],
    )

    def compare(
        self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions
    ) -> CompareOutcome | None:
        b = [t for v in baseline if (t := throughput(v)) is not None]
        c = [t for v in candidate if (t := throughput(v)) is not None]
        if not b or not c:
            return None
        cmp = compare([x for x, _ in b], [x for x, _ in c], True, opts.stats)
        severity = None
        if cmp.verdict == Verdict.regression and abs(cmp.relative_change or 0) < LARGE:
            severity = Severity.low
        source = c[0][1]
        return CompareOutcome(
            metric="sps",
            quantity="steps per second",
            comparison=cmp,
            summary=describe(cmp, f"throughput ({source})"),
            details={"baseline": [x for x, _ in b], "candidate": [x for x, _ in c], "source": source},
            severity=severity,
        )
