"""Wall-clock time per update far too long (too few environments, a pipeline bottleneck)."""

from __future__ import annotations

from investigator.metrics.curves import seconds_per_update
from investigator.metrics.rules.base import (
    RuleHit,
    RuleMeta,
    RuleOptions,
    RunView,
    SingleRunRule,
)
from investigator.models import Severity

# metrics logged once per update, in order of preference
PER_UPDATE = ("value_loss", "policy_loss", "entropy", "approx_kl", "learning_rate", "sps", "primary")


class UpdateTime(SingleRunRule):
    meta = RuleMeta(
        id="update_time",
        order=130,
        title="Time per update far too long",
        kind="single",
        subsystem="vecenv",
        severity=Severity.significant,
        rationale=(
            "Minutes between consecutive updates (e.g. 15 minutes) mean the collector starves the learner: too few "
            "environments or workers, a serial backend, or a slow data pipeline."
        ),
        fix="Compare the number of environments/workers and the stepping backend with the baseline; profile one update.",
        hypotheses=["vecenv.env_count_changed", "vecenv.stepping_mode_changed", "device.device_changed"],
    )

    def _seconds(self, view: RunView) -> tuple[str, float] | None:
        for metric in PER_UPDATE:
            series = view.metric(metric)
            if series is None:
                continue
            seconds = seconds_per_update(series)
            if seconds is not None:
                return view.tag_of(metric) or metric, seconds
        return None

    def applicable(self, view: RunView, opts: RuleOptions) -> bool:
        return self._seconds(view) is not None

    def check(self, view: RunView, opts: RuleOptions) -> RuleHit | None:
        found = self._seconds(view)
        if found is None:
            return None
        tag, seconds = found
        if seconds <= opts.max_seconds_per_update:
            return None
        return RuleHit(
            summary=f"median {seconds / 60:.1f} min between consecutive `{tag}` points (limit {opts.max_seconds_per_update / 60:.0f} min)",
            details={"tag": tag, "seconds_per_update": seconds},
        )
