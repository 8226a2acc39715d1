"""A KL term collapses to ~0: the policy (or latent) stops changing, or no gradient flows through it."""

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

ABS_ZERO = 1e-6
RELATIVE = 0.01  # later median below 1% of the early median
KL_METRICS = ("approx_kl", "kl_loss")


class KlCollapse(SingleRunRule):
    meta = RuleMeta(
        id="kl_collapse",
        order=90,
        title="KL term collapses to ~0",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "PPO's approximate KL near zero after the start means the update no longer moves the policy (zero "
            "gradients, learning rate at 0, KL early stopping on the first minibatch); a world-model KL pinned near "
            "zero means posterior collapse or a free-bits form that blocks the gradient."
        ),
        fix="Check KL early-stopping thresholds, the learning rate, and loss terms clamped with max()/clamp().",
        hypotheses=["ppo.kl_early_stop_changed", "ppo.loss_gradient_blocked"],
        metrics=list(KL_METRICS),
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        return any((s := view.metric(m)) is not None and len(s) >= 10 for m in KL_METRICS)

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        for metric in KL_METRICS:
            series = view.metric(metric)
            if series is None or len(series) < 10:
                continue
            k = max(1, len(series) // 10)
            early = float(np.median(np.abs(series.values[:k])))
            later = float(np.median(np.abs(series.values[k:])))
            collapsed = later < ABS_ZERO or (early > ABS_ZERO and later < RELATIVE * early)
            if not collapsed:
                continue
            return RuleHit(
                summary=f"`{view.tag_of(metric)}` median {later:.2e} after the first 10% of training (early median {early:.2e})",
                details={"metric": metric, "early_median": early, "later_median": later},
                plot_metrics=[metric],
            )
        return None
