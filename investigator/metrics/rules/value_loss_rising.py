"""Value loss keeps increasing through training: the critic is diverging."""

from __future__ import annotations

from investigator.metrics.curves import quartile_means
from investigator.metrics.rules.base import (
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import Severity

GROWTH = 2.0  # last quarter at least this multiple of the first


class ValueLossRising(SingleRunRule):
    meta = RuleMeta(
        id="value_loss_rising",
        order=60,
        title="Value loss increases over training",
        kind="single",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "The value loss may grow briefly as returns grow, but a loss that is still rising in every late "
            "quarter and ends several times above its start means the critic cannot fit its targets: wrong "
            "returns target, missing value/reward normalisation, or a value coefficient/clip change."
        ),
        fix="Compare the returns target, value clipping and value/reward normalisation with the baseline.",
        hypotheses=[
            "ppo.value_loss_changed",
            "normalization.value_normalisation_changed",
            "normalization.reward_normalisation_changed",
        ],
        metrics=["value_loss"],
    )

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        series = view.metric("value_loss")
        return series is not None and quartile_means(series) is not None

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        series = view.metric("value_loss")
        q = quartile_means(series) if series is not None else None
        if q is None or q[0] <= 0:
            return None
        still_rising = q[1] < q[2] < q[3]
        if not (still_rising and q[3] >= GROWTH * q[0]):
            return None
        return RuleHit(
            summary=f"value loss `{view.tag_of('value_loss')}` quarter means {', '.join(f'{x:.3g}' for x in q)} ({q[3] / q[0]:.1f}x)",
            details={"quartile_means": [float(x) for x in q], "growth": float(q[3] / q[0])},
            plot_metrics=["value_loss"],
        )
