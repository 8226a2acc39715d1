"""Gradient norm at the optimizer step: the total gradient L2 norm the optimizer applies at each
`step()` of the project's own update code, at each commit; shows gradient clipping removed, added
or moved.

Measures (an optimizer step pre-hook, so after any clipping the update code does) the norm at
every `optimizer.step()` over 3 calls of `update_step(agent, optimizer, seed)`. A clipped side
piles its norms up at the threshold: at least 2 steps within 1e-4 relative of the largest norm
(`clip_grad_norm_` leaves exactly `max_norm`). Decides:

- cap at both commits, the same value: refutes `trainer.grad_clip_changed`;
- cap at both, different values: confirmed (the threshold moved);
- cap at one commit only, and the other commit's norms exceed it by more than 1%: confirmed
  (clipping removed or raised / added or lowered);
- no cap at either commit, or a cap the other side never reaches: inconclusive (the batch's
  gradients may stay below any threshold, so nothing about clipping was measured).

The adapter's `update_step` must build its batch from `seed` with gradients larger than the clip
threshold: random observations and advantages/returns of unit scale (or larger) do it for a
typical `max_grad_norm` of 0.5-1. Different optimizers (actor and critic) are compared separately,
numbered by the order they first step within each call; an `update_step` that builds its own
optimizer (the project's algorithm class) is measured the same way.
"""

from __future__ import annotations

import math
from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import paired, update

CLIP = "trainer.grad_clip_changed"
CAP_RTOL = 1e-4  # norms this close to the largest are "at the cap"
SAME_CAP_RTOL = 1e-3  # two caps this close are the same threshold
EXCEED = 1.01  # the other side must exceed a cap by more than 1% to show it is gone


class GradNormAtStepProbe(Probe):
    meta = ProbeMeta(
        id="grad_norm_at_step",
        title="Gradient norm at each optimizer step (gradient clipping at work)",
        subsystem="trainer",
        severity=Severity.significant,
        rationale="Removing or moving gradient clipping changes no loss and no metric name; the norm the "
        "optimizer applies shows whether the cap still binds and at which value.",
        fix="Restore the baseline's gradient clipping (the clip call, its position before optimizer.step() "
        "and its max_grad_norm).",
        hypotheses=[CLIP],
        finding_sources=["grad_clip", "grad_norm_above_clip"],
        needs=["make_agent", "make_optimizer", "update_step"],
        cost="cheap",
        timeout_s=90.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 1, "calls": 3})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "gradient-norm")
        if isinstance(pair, ProbeDecision):
            return pair
        return compare(self.meta.id, pair[0].result, pair[1].result)


def _groups(result: dict[str, Any]) -> dict[int, list[float]]:
    """Finite norms per optimizer index."""
    norms, which = result.get("norms") or [], result.get("optimizer") or []
    out: dict[int, list[float]] = {}
    for i, norm in enumerate(norms):
        if norm is not None and math.isfinite(float(norm)):
            out.setdefault(int(which[i]) if i < len(which) else 0, []).append(float(norm))
    return out


def cap_of(norms: list[float]) -> tuple[float | None, int]:
    """The clipping cap the norms pile up at (None when they do not), and how many are at it."""
    positive = [n for n in norms if n > 0]
    if len(positive) < 2:
        return None, 0
    top = max(positive)
    at = sum(n >= top * (1 - CAP_RTOL) for n in positive)
    return (top, at) if at >= 2 else (None, 0)


def _group_verdict(b: list[float], c: list[float]) -> tuple[str, str]:
    (cap_b, at_b), (cap_c, at_c) = cap_of(b), cap_of(c)
    max_b, max_c = max(b), max(c)
    seen_b, seen_c = f"{at_b} of {len(b)} steps", f"{at_c} of {len(c)} steps"
    if cap_b is not None and cap_c is not None:
        if math.isclose(cap_b, cap_c, rel_tol=SAME_CAP_RTOL):
            return "refuted", f"both commits cap the gradient norm at {cap_b:.4g} (baseline {seen_b}, candidate {seen_c})"
        return "confirmed", f"the gradient-norm cap moved from {cap_b:.4g} (baseline, {seen_b}) to {cap_c:.4g} (candidate, {seen_c})"
    if cap_b is not None:
        if max_c > cap_b * EXCEED:
            return "confirmed", (f"the baseline caps the gradient norm at {cap_b:.4g} ({seen_b}); the candidate's norms "
                                 f"reach {max_c:.4g} with no cap: clipping removed or raised")
        return "inconclusive", f"the baseline caps the gradient norm at {cap_b:.4g}; the candidate's norms stay below it (max {max_c:.4g})"
    if cap_c is not None:
        if max_b > cap_c * EXCEED:
            return "confirmed", (f"the candidate caps the gradient norm at {cap_c:.4g} ({seen_c}); the baseline's norms "
                                 f"reach {max_b:.4g} with no cap: clipping added or lowered")
        return "inconclusive", f"the candidate caps the gradient norm at {cap_c:.4g}; the baseline's norms stay below it (max {max_b:.4g})"
    return "inconclusive", (f"no cap at either commit (max norm {max_b:.4g} baseline, {max_c:.4g} candidate): "
                            "the batch's gradients may stay below any clip threshold")


def compare(probe: str, b_result: dict[str, Any], c_result: dict[str, Any]) -> ProbeDecision:
    """The decision from the step norms of both commits, per optimizer."""
    gb, gc = _groups(b_result), _groups(c_result)
    details: dict[str, Any] = {"baseline": b_result.get("norms", []), "candidate": c_result.get("norms", [])}
    shared = sorted(set(gb) & set(gc))
    if not shared:
        return ProbeDecision(probe=probe, verdict="inconclusive", details=details,
                             summary="probe: update_step made no optimizer step with a finite gradient norm at "
                             + ("the baseline" if not gb else "the candidate"))
    verdicts = {k: _group_verdict(gb[k], gc[k]) for k in shared}
    texts = {k: (f"optimizer {k}: " if len(shared) > 1 else "") + text for k, (_, text) in verdicts.items()}
    confirmed = [texts[k] for k, (v, _) in verdicts.items() if v == "confirmed"]
    if confirmed:
        text = "probe: " + "; ".join(confirmed)
        return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details,
                             hypothesis_updates=[update(probe, CLIP, HypothesisStatus.supported, text)])
    text = "probe: " + "; ".join(texts.values())
    if all(v == "refuted" for v, _ in verdicts.values()):
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=[update(probe, CLIP, HypothesisStatus.refuted, text)])
    return ProbeDecision(probe=probe, verdict="inconclusive", summary=text, details=details)
