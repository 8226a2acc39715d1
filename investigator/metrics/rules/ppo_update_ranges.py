"""Approximate KL and clip fraction outside their usual ranges: PPO updates that are too large."""

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

# Usual PPO operating ranges (CleanRL / SB3 defaults: target_kl ~0.01-0.03, clip 0.2 -> clipfrac ~0.1-0.2).
MAX_APPROX_KL = 0.05
MAX_CLIP_FRACTION = 0.3


class PpoUpdateRanges(SingleRunRule):
    meta = RuleMeta(
        id="ppo_update_ranges",
        order=100,
        title="PPO update size out of the usual range",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            f"A median approximate KL above {MAX_APPROX_KL} or a clip fraction above {MAX_CLIP_FRACTION} over the "
            "second half of training means each update moves the policy far outside the trust region: learning "
            "rate too high, clip coefficient widened, more epochs or smaller minibatches."
        ),
        fix="Compare learning rate, clip coefficient, update epochs and minibatch size with the baseline.",
        hypotheses=["ppo.clip_changed", "trainer.learning_rate_changed", "trainer.batch_arithmetic_changed"],
        metrics=["approx_kl", "clip_fraction"],
    )

    def _medians(self, view: RunView) -> dict[str, float]:
        out = {}
        for metric in ("approx_kl", "clip_fraction"):
            series = view.metric(metric)
            if series is not None and len(series) >= 6:
                out[metric] = float(np.median(np.abs(series.values[len(series) // 2 :])))
        return out

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        return bool(self._medians(view))

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        limits = {"approx_kl": MAX_APPROX_KL, "clip_fraction": MAX_CLIP_FRACTION}
        high = {m: v for m, v in self._medians(view).items() if v > limits[m]}
        if not high:
            return None
        listed = ", ".join(
            f"`{view.tag_of(m)}` median {v:.3g} (usual ≤ {limits[m]})" for m, v in high.items()
        )
        return RuleHit(
            summary=f"second half of training: {listed}",
            details={"medians": high},
            plot_metrics=list(high),
            hlines={f"usual max {limits[m]}": limits[m] for m in list(high)[:1]},
        )
