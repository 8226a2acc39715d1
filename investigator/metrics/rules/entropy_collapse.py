"""Policy entropy collapses to ~0 early in training: exploration ends before anything is learned."""

from __future__ import annotations

import numpy as np

from investigator.metrics.curves import smooth
from investigator.metrics.rules.base import (
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import Severity

EARLY = 0.25  # fraction of the run
REMAINING = 0.05  # entropy below this fraction of its initial value counts as collapsed


class EntropyCollapse(SingleRunRule):
    meta = RuleMeta(
        id="entropy_collapse",
        order=50,
        title="Entropy collapses early",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "A policy whose entropy falls to a few percent of its initial value within the first quarter of "
            "training has stopped exploring: entropy bonus removed, logits scaled up (init gain), or a learning "
            "rate far too high."
        ),
        fix="Check the entropy coefficient, the policy-head init gain (0.01 is usual) and the learning rate.",
        hypotheses=["ppo.entropy_changed"],
        metrics=["entropy"],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        ent = view.metric("entropy")
        if ent is None or len(ent) < 8:
            return False
        return float(ent.values[: max(1, len(ent) // 20)].mean()) > 0  # discrete-action entropies only

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        if not self.applicable(view, opts):
            return None
        ent = view.metric("entropy")
        assert ent is not None
        initial = float(ent.values[: max(1, len(ent) // 20)].mean())
        values = smooth(ent.values, 0.03)
        steps = ent.steps.astype(float)
        cutoff = steps[0] + EARLY * (steps[-1] - steps[0])
        early = values[steps <= cutoff]
        below = np.flatnonzero(early <= REMAINING * initial)
        if len(below) == 0:
            return None
        at = int(steps[below[0]])
        return RuleHit(
            summary=(
                f"entropy `{view.tag_of('entropy')}` falls from {initial:.3g} to {values[below[0]]:.3g} by step {at} "
                f"({(at - steps[0]) / max(1.0, steps[-1] - steps[0]):.0%} of the run)"
            ),
            details={"initial": initial, "collapsed_at_step": at, "final": float(values[-1])},
            plot_metrics=["entropy"],
        )
