"""Logged gradient norm above the configured clip: clipping not applied, or the norm logged pre-clip."""

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

MOST = 0.5  # fraction of logged norms above the clip


class GradNormAboveClip(SingleRunRule):
    meta = RuleMeta(
        id="grad_norm_above_clip",
        order=80,
        title="Gradient norm above the configured clip",
        kind="single",
        subsystem="trainer",
        severity=Severity.significant,
        note="skipped without `grad_clip`",
        rationale=(
            "With clipping applied, the post-clip norm never exceeds max_norm. Most logged norms above it mean "
            "clipping was removed or moved after optimizer.step(), or the trainer logs the pre-clip norm (the "
            "return value of clip_grad_norm_): compare with the baseline before concluding."
        ),
        fix="Call clip_grad_norm_(params, max_norm) between backward() and step(); log which norm you record.",
        hypotheses=["trainer.grad_clip_changed"],
        metrics=["grad_norm"],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.metric("grad_norm")
        return opts.grad_clip is not None and series is not None and len(series) >= 3

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        if not self.applicable(view, opts):
            return None
        series = view.metric("grad_norm")
        assert series is not None and opts.grad_clip is not None
        clip = float(opts.grad_clip)
        above = series.values > clip * (1 + 1e-3)
        fraction = float(above.mean())
        if fraction < MOST:
            return None
        return RuleHit(
            summary=(
                f"{fraction:.0%} of `{view.tag_of('grad_norm')}` values exceed the clip {clip:g} "
                f"(median {float(np.median(series.values)):.3g})"
            ),
            details={"clip": clip, "fraction_above": fraction, "median": float(np.median(series.values))},
            plot_metrics=["grad_norm"],
            hlines={f"clip {clip:g}": clip},
        )
