"""Explained variance below zero: the critic predicts returns worse than a constant would."""

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


class ExplainedVarianceNegative(SingleRunRule):
    meta = RuleMeta(
        id="explained_variance_negative",
        order=70,
        title="Explained variance is negative",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "Explained variance of the value function starts near 0 and should climb towards 1. A median below "
            "zero over the second half of training means the value predictions are anti-correlated with or "
            "unrelated to the returns: mismatched targets (rollout vs. re-evaluated values), an index shift in "
            "the bootstrap, or broken done masking."
        ),
        fix="Run the advantage/returns reference probe at both commits; compare how returns targets are built.",
        hypotheses=["ppo.returns_target_changed", "ppo.gae_changed", "buffers.bootstrap_off_by_one"],
        metrics=["explained_variance"],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.metric("explained_variance")
        return series is not None and len(series) >= 6

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        series = view.metric("explained_variance")
        if series is None or len(series) < 6:
            return None
        half = series.values[len(series) // 2 :]
        median = float(np.median(half))
        if median >= 0:
            return None
        return RuleHit(
            summary=f"`{view.tag_of('explained_variance')}` median {median:.3f} over the second half of training",
            details={"median_second_half": median, "fraction_negative": float((half < 0).mean())},
            plot_metrics=["explained_variance"],
            hlines={"0": 0.0},
        )
