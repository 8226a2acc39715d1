"""Policy entropy rises over training while the primary metric falls: the policy is losing confidence."""

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
from investigator.models import Severity

RISE = 0.10  # entropy's last quarter above its first by this fraction
FALL = 0.05  # primary's last quarter below its best quarter by this fraction


class EntropyRising(SingleRunRule):
    meta = RuleMeta(
        id="entropy_rising",
        order=40,
        title="Entropy rises while the primary metric falls",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "Entropy normally decreases as the policy becomes confident. Entropy that climbs while reward falls "
            "means the update pushes the policy towards randomness: an entropy bonus too large or with the wrong "
            "sign, or a policy gradient that no longer carries signal."
        ),
        fix="Compare the entropy coefficient and the sign of the entropy term in the loss with the baseline.",
        hypotheses=["ppo.entropy_changed"],
        metrics=["entropy", PRIMARY],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        ent, prim = view.metric("entropy"), view.primary
        return (
            ent is not None
            and prim is not None
            and quartile_means(ent) is not None
            and quartile_means(prim) is not None
        )

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        if not self.applicable(view, opts):
            return None
        ent, prim = view.metric("entropy"), view.primary
        qe, qp = quartile_means(ent), quartile_means(prim)  # type: ignore[arg-type]
        assert qe is not None and qp is not None
        sign = 1.0 if view.primary_higher_is_better else -1.0
        ent_change = relative_to(qe[-1:], qe[0], float(np.ptp(ent.values)))[0]  # type: ignore[union-attr]
        best = float(np.max(qp * sign))
        prim_drop = -relative_to(np.array([qp[-1] * sign]), best, float(np.ptp(prim.values)))[0]  # type: ignore[union-attr]
        if not (ent_change >= RISE and qe[-1] > qe[1] and prim_drop >= FALL):
            return None
        return RuleHit(
            summary=(
                f"entropy `{view.tag_of('entropy')}` {ent_change:+.0%} (first to last quarter) while "
                f"`{view.tag_of(PRIMARY)}` ends {prim_drop:.0%} below its best quarter"
            ),
            details={
                "entropy_quartiles": [float(x) for x in qe],
                "primary_quartiles": [float(x) for x in qp],
            },
            plot_metrics=["entropy", PRIMARY],
        )
