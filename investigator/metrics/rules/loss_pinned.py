"""A loss pinned at exactly one constant: no gradient flows through it (e.g. max(free_bits, kl))."""

from __future__ import annotations

import re

import numpy as np

from investigator.metrics.rules.base import (
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import Severity

LOSS_TAG = re.compile(r"loss|kl|(^|[/_])(pg|vf|critic|actor)($|[/_])", re.IGNORECASE)
NOT_LOSS = re.compile(r"coef|coeff|weight|lr|learning_rate|scale|threshold|target|clip", re.IGNORECASE)
PINNED = 0.5  # fraction of the second half exactly at one value
MIN_POINTS = 10


class LossPinned(SingleRunRule):
    meta = RuleMeta(
        id="loss_pinned",
        order=110,
        title="Loss pinned at exactly a constant",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "A stochastic loss never takes exactly the same float value twice by chance. Half of the logged values "
            "identical means the term is clamped (torch.max(const, x), clamp(min=...)) and contributes no gradient."
        ),
        fix="Replace the clamp by a straight-through form (x + (const - x).clamp(min=0).detach()) or restore the old term.",
        hypotheses=["ppo.loss_gradient_blocked"],
    )

    def _candidates(self, view: RunView) -> list[str]:
        return [t for t in view.run.tags if LOSS_TAG.search(t) and not NOT_LOSS.search(t)]

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        return bool(self._candidates(view))

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        pinned: dict[str, float] = {}
        for tag in self._candidates(view):
            series = view.run.series(tag)
            if series is None or len(series) < 2 * MIN_POINTS:
                continue
            half = series.values[len(series) // 2 :]
            values, counts = np.unique(half, return_counts=True)
            top = int(np.argmax(counts))
            if counts[top] / len(half) >= PINNED:
                pinned[tag] = float(values[top])
        if not pinned:
            return None
        listed = ", ".join(f"`{t}` = {v!r}" for t, v in pinned.items())
        return RuleHit(
            summary=f"pinned at exactly one value over most of the second half: {listed}",
            details={"pinned": pinned},
            plot_metrics=list(pinned)[:3],
        )
