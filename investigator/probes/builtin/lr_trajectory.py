"""Learning-rate trajectory: the project's own optimizer and schedule stepped 1,000 times at each
commit; the two trajectories compared point by point.

Decides the learning-rate hypotheses that static analysis can only suspect: a schedule removed,
no longer stepped, rescaled by a changed step budget, or a changed initial value. Identical
trajectories refute them (whatever the diff of the schedule code looks like).
"""

from __future__ import annotations

import math
from typing import Any

from investigator.models import HypothesisStatus, HypothesisUpdate, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import paired, update

RTOL = 1e-6  # relative tolerance for "the same learning rate"
LR_CHANGED, SCHEDULE_CHANGED = "trainer.learning_rate_changed", "trainer.lr_schedule_changed"


class LrTrajectoryProbe(Probe):
    meta = ProbeMeta(
        id="lr_trajectory",
        title="Learning-rate trajectory over 1,000 optimizer steps",
        subsystem="trainer",
        severity=Severity.significant,
        rationale="A schedule that is no longer stepped, or rescaled by a changed step budget, leaves every "
        "line of the update intact and changes how far each step moves the weights.",
        fix="Restore the baseline's schedule (its steps, warmup and the budget it is computed from).",
        hypotheses=[LR_CHANGED, SCHEDULE_CHANGED],
        finding_sources=["lr_schedule", "lr_constant"],
        needs=[],  # lr_at, or make_agent + make_optimizer (see `available`)
        note="Without an adapter, a Stable-Baselines3-style algorithm's lr_schedule(progress_remaining) is read at "
        "the train() call of each optimizer step (learn's total_timesteps when the script's is a literal, else 1e6).",
        timeout_s=60.0,
    )

    def available(self, setup: ProbeSetup) -> tuple[bool, str]:
        if setup.has_everywhere(["lr_at"]) or setup.has_everywhere(["make_agent", "make_optimizer"]):
            return True, ""
        return False, "the adapter defines neither lr_at nor make_agent + make_optimizer at both commits"

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"steps": 1000, "every": 10})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "learning-rate")
        if isinstance(pair, ProbeDecision):
            return pair
        return _compare(self.meta.id, _trajectory(pair[0].result), _trajectory(pair[1].result))


def _trajectory(result: dict[str, Any]) -> list[tuple[int, float]]:
    return list(zip((int(s) for s in result.get("steps", [])), (float(v) for v in result.get("lr", [])), strict=False))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=1e-12)


def _update(hypothesis: str, status: HypothesisStatus, text: str) -> HypothesisUpdate:
    return update("lr_trajectory", hypothesis, status, text)


def _compare(probe: str, b: list[tuple[int, float]], c: list[tuple[int, float]]) -> ProbeDecision:
    if not b or not c or [s for s, _ in b] != [s for s, _ in c]:
        return ProbeDecision(probe=probe, verdict="inconclusive", summary="the two commits reported learning rates at different steps")
    details: dict[str, Any] = {"steps": [s for s, _ in b], "baseline": [v for _, v in b], "candidate": [v for _, v in c]}
    first = next(((s, vb, vc) for (s, vb), (_, vc) in zip(b, c, strict=True) if not _close(vb, vc)), None)
    last = b[-1][0]
    if first is None:
        text = (f"probe: the learning rate is identical at both commits over {last} optimizer steps "
                f"({b[0][1]:.3g} at step 0, {b[-1][1]:.3g} at step {last})")
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=[_update(h, HypothesisStatus.refuted, text) for h in (LR_CHANGED, SCHEDULE_CHANGED)])
    step, vb, vc = first
    text = (f"probe: the learning rate differs from step {step}: baseline {vb:.3g}, candidate {vc:.3g}; "
            f"at step {last}: baseline {b[-1][1]:.3g}, candidate {c[-1][1]:.3g}")
    ratios = [vc_ / vb_ for (_, vb_), (_, vc_) in zip(b, c, strict=True) if vb_ != 0]
    rescaled = bool(ratios) and all(_close(r, ratios[0]) for r in ratios)  # same shape, other scale
    updates = [_update(LR_CHANGED if rescaled or step == 0 else SCHEDULE_CHANGED, HypothesisStatus.supported, text)]
    if not rescaled and step == 0:
        updates.append(_update(SCHEDULE_CHANGED, HypothesisStatus.supported, text))
    return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details, hypothesis_updates=updates)
