"""Checkpoint load completeness: an agent saved and loaded back through the project's own
checkpoint code at each commit; how many of its tensors the loader restores.

Measures, per commit, the tensors of a fresh agent (its initial values moved away first, so a
constant bias cannot look loaded) that equal the saved agent's after `load_checkpoint` ("58 of 82
tensors loaded", with the names of those not loaded). A loader that raises is recorded, not a crash.

- all tensors loaded at the candidate → refutes `checkpointing.partial_weight_loading`;
- complete at the baseline, partial at the candidate (or more tensors lost than at the baseline)
  → confirmed, supports it;
- a candidate loader that raises, or partial loading at both commits alike → inconclusive (a loud
  failure or an old one, not a silent partial load introduced by the change).

The adapter needs `make_agent(seed)` and `load_checkpoint(agent, path)` (the project's loading
code, e.g. its resume function); `save_checkpoint(agent, path)` when the project saves more than
`torch.save(agent.state_dict(), path)`.
"""

from __future__ import annotations

from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import names, paired, update

PARTIAL = "checkpointing.partial_weight_loading"


class CheckpointLoadProbe(Probe):
    meta = ProbeMeta(
        id="checkpoint_load",
        title="Checkpoint load completeness (tensors restored by the project's loader)",
        subsystem="checkpointing",
        severity=Severity.critical,
        rationale="A `strict=False` load, a renamed prefix or a key filter restores part of the weights without "
        "an error; the run resumes from a half-initialised agent.",
        fix="Load every tensor: restore strict loading or the key mapping so that the names not loaded match.",
        hypotheses=[PARTIAL],
        finding_sources=["strict_load"],
        needs=["make_agent", "load_checkpoint"],
        cost="cheap",
        timeout_s=60.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "checkpoint-load")
        if isinstance(pair, ProbeDecision):
            return pair
        return compare(self.meta.id, pair[0].result, pair[1].result)


def _reading(result: dict[str, Any]) -> str:
    total, loaded = int(result.get("total", 0)), int(result.get("loaded", 0))
    text = f"{loaded} of {total} tensors loaded"
    missing = list(result.get("not_loaded") or [])
    if missing:
        text += f" (not: {names(missing)})"
    if result.get("error"):
        text += f"; the loader raised {str(result['error']).splitlines()[0][:160]}"
    return text


def _complete(result: dict[str, Any]) -> bool:
    return not result.get("error") and int(result.get("total", 0)) > 0 and int(result.get("loaded", 0)) == int(result["total"])


def compare(probe: str, b: dict[str, Any], c: dict[str, Any]) -> ProbeDecision:
    """The decision from the load counts of both commits."""
    details = {"baseline": b, "candidate": c}
    reading = f"candidate: {_reading(c)}; baseline: {_reading(b)}"
    if int(c.get("total", 0)) == 0 or int(b.get("total", 0)) == 0:
        return ProbeDecision(probe=probe, verdict="inconclusive", details=details,
                             summary=f"probe: the agent has no tensors to save at one commit ({reading})")
    if _complete(c):
        text = f"probe: the candidate's loader restores every tensor ({reading})"
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=[update(probe, PARTIAL, HypothesisStatus.refuted, text)])
    if c.get("error"):
        return ProbeDecision(probe=probe, verdict="inconclusive", details=details,
                             summary=f"probe: the candidate's loader raises on its own checkpoint, a loud failure ({reading})")
    lost_b, lost_c = set(b.get("not_loaded") or []), set(c.get("not_loaded") or [])
    if _complete(b) or (not b.get("error") and lost_b < lost_c):
        text = f"probe: partial load at the candidate, {_reading(c)}; baseline: {_reading(b)}"
        return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details,
                             hypothesis_updates=[update(probe, PARTIAL, HypothesisStatus.supported, text)])
    return ProbeDecision(probe=probe, verdict="inconclusive", details=details,
                         summary=f"probe: the baseline does not load completely either ({reading})")
