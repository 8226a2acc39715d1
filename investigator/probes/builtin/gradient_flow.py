"""Gradient flow: which of the agent's parameters receive a gradient in one update of the
project's own update code, at each commit.

Measures, at every `optimizer.step()` inside `update_step(agent, optimizer, seed)` (an optimizer
step pre-hook), whether each named parameter's `.grad` is missing, all zero, non-finite or a
usable gradient. Parameters that received a gradient at the baseline and none (or zeros, or a
non-finite one) at the candidate confirm a blocked loss path (a stray `.detach()`, a clamp that
pins the loss, a loss term dropped, a module left out of the optimizer). The same parameters
receiving gradient at both commits refutes `ppo.loss_gradient_blocked` for this batch. Parameters
whose names exist at one commit only are compared by name where they match; the rest are
reported, never guessed at: a candidate-only name without gradient makes the probe inconclusive,
candidate-only names that all receive gradient do not stop the refutation.

The adapter's `update_step` must run one update (one or more `optimizer.step()` calls) of the
project's update code on a batch it builds from `seed`, with the optimizer it is given.
"""

from __future__ import annotations

from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import names, paired, update

BLOCKED = "ppo.loss_gradient_blocked"
NO_GRAD = ("none", "zero", "not_stepped")
LABELS = {"none": ".grad is None", "zero": "all-zero gradient", "not_stepped": "not in the optimizer"}


class GradientFlowProbe(Probe):
    meta = ProbeMeta(
        id="gradient_flow",
        title="Gradient flow: parameters with no, zero or non-finite gradient in one update",
        subsystem="ppo",
        severity=Severity.critical,
        rationale="A `.detach()`, a clamp or a dropped loss term stops a network from learning without "
        "any error; only the gradients at the optimizer step show which parameters no longer learn.",
        fix="Restore the loss path to the parameters that lost their gradient (remove the detach or clamp, "
        "put the term or module back into the loss and the optimizer).",
        hypotheses=[BLOCKED],
        finding_sources=["detach_grad", "loss_clamp", "loss_pinned"],
        needs=["make_agent", "make_optimizer", "update_step"],
        cost="cheap",
        timeout_s=90.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 1, "calls": 1})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "gradient-flow")
        if isinstance(pair, ProbeDecision):
            return pair
        return compare(self.meta.id, pair[0].result, pair[1].result)


def _states(result: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (result.get("params") or {}).items()}


def compare(probe: str, b_result: dict[str, Any], c_result: dict[str, Any]) -> ProbeDecision:
    """The decision from the per-parameter gradient states of both commits."""
    for side, result in (("baseline", b_result), ("candidate", c_result)):
        if int(result.get("steps", 0)) == 0:
            return ProbeDecision(probe=probe, verdict="inconclusive",
                                 summary=f"probe: update_step never called optimizer.step() at the {side}: no gradients to read")
    b, c = _states(b_result), _states(c_result)
    common = [n for n in b if n in c]
    lost = [n for n in common if b[n] == "grad" and c[n] in NO_GRAD]
    broken = [n for n in c if c[n] == "nonfinite" and b.get(n) != "nonfinite"]
    unmatched_b, unmatched_c = [n for n in b if n not in c], [n for n in c if n not in b]
    details: dict[str, Any] = {"baseline": b, "candidate": c, "lost": lost, "nonfinite": broken,
                               "only_baseline": unmatched_b, "only_candidate": unmatched_c}
    receiving_b = sum(s == "grad" for s in b.values())
    receiving_c = sum(s == "grad" for s in c.values())
    if lost or broken:
        parts = []
        if lost:
            kinds = ", ".join(LABELS[k] for k in NO_GRAD if any(c[n] == k for n in lost))
            parts.append(f"{names(lost)} get{'s' if len(lost) == 1 else ''} no gradient at the candidate ({kinds})")
        if broken:
            parts.append(f"{names(broken)} get{'s' if len(broken) == 1 else ''} a non-finite gradient")
        text = (f"probe: {'; '.join(parts)}; {receiving_c} of {len(c)} parameters receive gradient at the candidate, "
                f"{receiving_b} of {len(b)} at the baseline")
        return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details,
                             hypothesis_updates=[update(probe, BLOCKED, HypothesisStatus.supported, text)])
    renamed = ""
    if unmatched_b or unmatched_c:
        renamed = (f"; names at one commit only: {len(unmatched_b)} at the baseline ({names(unmatched_b) or 'none'}), "
                   f"{len(unmatched_c)} at the candidate ({names(unmatched_c) or 'none'})")
    silent = [n for n in unmatched_c if c[n] != "grad"]  # no baseline name to compare them with
    if not silent:
        text = (f"probe: no parameter loses its gradient at the candidate ({receiving_c} of {len(c)} receive gradient there, "
                f"{receiving_b} of {len(b)} at the baseline){renamed}")
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=[update(probe, BLOCKED, HypothesisStatus.refuted, text)])
    text = (f"probe: the parameters matched by name receive gradient as at the baseline, but {names(silent)} "
            f"(candidate names with no baseline counterpart) get no usable gradient: not compared{renamed}")
    return ProbeDecision(probe=probe, verdict="inconclusive", summary=text, details=details)
