"""A run whose log directory holds no scalars at all: nothing about training can be verified."""

from __future__ import annotations

from investigator.metrics.rules.base import (
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
    register_rule,
)
from investigator.models import Severity


@register_rule
class EmptyLog(SingleRunRule):
    meta = RuleMeta(
        id="empty_log",
        title="Log directory contains no scalars",
        kind="single",
        subsystem="logging",
        severity=Severity.critical,
        rationale=(
            "A run that writes no scalars cannot be monitored or compared: the summary writer was never "
            "attached, flushed or closed, or the metrics go elsewhere."
        ),
        fix="Attach the summary writer to the training loop and flush/close it (writer.flush(); writer.close()).",
        hypotheses=["logging.writer_not_flushed"],
        contrast_matters=False,
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        return True

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        if not view.run.empty:
            return None
        return RuleHit(
            summary=f"`{view.run.path}` ({view.run.format}) contains no scalar values",
            details={"path": view.run.path, "format": view.run.format},
        )

    def refutes(self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions) -> str | None:
        """Scalars in every run of both commits refute an unflushed writer."""
        if baseline and candidate and not any(v.run.empty for v in baseline + candidate):
            return f"scalars present in all {len(baseline)} baseline and {len(candidate)} candidate runs"
        return None
