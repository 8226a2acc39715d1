"""Learning rate constant over the whole run (where the baseline annealed it)."""

from __future__ import annotations

import numpy as np

from investigator.metrics.rules.base import (
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import Severity


def _is_constant(values: np.ndarray) -> bool:
    return bool(np.ptp(values) <= 1e-9 * max(1e-12, float(np.max(np.abs(values)))))


class LrConstant(SingleRunRule):
    meta = RuleMeta(
        id="lr_constant",
        order=120,
        title="Learning rate constant (no schedule)",
        kind="single",
        subsystem="trainer",
        severity=Severity.significant,
        note="refuted when lr curves are identical on both sides",
        rationale=(
            "A logged learning rate that never changes means no schedule is stepped. That is fine if none was "
            "intended, so alone it is low severity; where the baseline's learning rate annealed it is the "
            "signature of a scheduler that was removed or is no longer called."
        ),
        fix="Re-create the scheduler and call scheduler.step() once per update, as at the baseline.",
        hypotheses=["trainer.lr_schedule_changed"],
        metrics=["learning_rate"],
        needs_contrast=True,
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.metric("learning_rate")
        return series is not None and len(series) >= 3

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        series = view.metric("learning_rate")
        if series is None or len(series) < 3 or not _is_constant(series.values):
            return None
        return RuleHit(
            summary=f"`{view.tag_of('learning_rate')}` is {series.values[0]:.3g} at all {len(series)} logged steps",
            details={"value": float(series.values[0]), "points": len(series)},
            plot_metrics=["learning_rate"],
        )

    def refutes(self, baseline: list[RunView], candidate: list[RunView], opts: RuleOptions) -> str | None:
        """Identical learning-rate curves at both commits refute a schedule change."""
        curves = [v.metric("learning_rate") for v in baseline + candidate]
        if not baseline or not candidate or any(c is None or len(c) < 3 for c in curves):
            return None
        ref = curves[0]
        assert ref is not None
        for other in curves[1:]:
            assert other is not None
            if np.array_equal(ref.steps, other.steps):  # the usual case: same logging steps, no set work
                if not np.allclose(ref.values, other.values, rtol=1e-6, atol=0):
                    return None
                continue
            grid = np.intersect1d(ref.steps, other.steps, assume_unique=True)
            if len(grid) < 3:
                return None
            a = ref.values[np.searchsorted(ref.steps, grid)]
            b = other.values[np.searchsorted(other.steps, grid)]
            if not np.allclose(a, b, rtol=1e-6, atol=0):
                return None
        return f"learning-rate curves identical in all {len(curves)} runs of both commits"
