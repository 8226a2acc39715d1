"""Determinism: the project's agent built twice with the same seed in one process at each commit
(and one update of the project's code each, when the adapter has one); the states compared bit
for bit.

A seed that no longer reaches the initialisation or the update's sampling makes runs incomparable
seed for seed; this shows it in seconds. Nondeterministic at both says nothing about the change.
Deterministic at both refutes a seeding change only when both commits also build the same initial
parameters (otherwise a changed seed value cannot be told from a changed initialisation).
"""

from __future__ import annotations

from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import paired, update

SEEDING, PROBE = "device.seeding_changed", "determinism"


class DeterminismProbe(Probe):
    meta = ProbeMeta(
        id=PROBE,
        title="Same seed twice: identical agent initialisation and update",
        subsystem="device",
        severity=Severity.low,
        rationale="When the seed no longer reaches the initialisation or the update, runs at the two commits "
        "are not comparable seed for seed and seed-level comparisons of the logs mislead.",
        fix="Restore the baseline seeding (seed every generator the initialisation and the update use).",
        hypotheses=[SEEDING],
        finding_sources=["seeding"],
        needs=["make_agent"],
        note="make_agent(seed) must seed as the project does (call its seeding helper); the probe seeds "
        "nothing itself. The update is compared when the adapter has make_optimizer and update_step.",
        timeout_s=90.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 0})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "determinism")
        if isinstance(pair, ProbeDecision):
            return pair
        return decide_results(pair[0].result, pair[1].result)


def _describe(result: dict[str, Any]) -> str:
    stages = [("initialisation", result.get("init")), ("update", result.get("update"))]
    measured = [name for name, r in stages if r is not None]
    bad = [f"{name} ({r['differing_count']} of {result.get('tensors')} tensors differ, max {r['max_abs_diff']:.3g})"
           for name, r in stages if r is not None and not r.get("same")]
    if bad:
        return "nondeterministic: " + ", ".join(bad)
    return "deterministic (" + " and ".join(measured) + ")"


def decide_results(b: dict[str, Any], c: dict[str, Any]) -> ProbeDecision:
    det_b, det_c = bool(b.get("deterministic")), bool(c.get("deterministic"))
    text = f"probe: same seed twice: baseline {_describe(b)}; candidate {_describe(c)}"
    details = {"baseline": b, "candidate": c}
    same_init = (b.get("init") or {}).get("hashes", [None])[0] == (c.get("init") or {}).get("hashes", [None])[0]
    if det_b and det_c and not same_init:
        return ProbeDecision(probe=PROBE, verdict="inconclusive", details=details,
                             summary=text + "; the initial parameters differ between the commits (a seed value, the "
                             "initialisation or the architecture changed): seeding not decided")
    if det_b and det_c:
        text += "; identical initial parameters at both commits"
        return ProbeDecision(probe=PROBE, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=[update(PROBE, SEEDING, HypothesisStatus.refuted, text)])
    if not det_b and not det_c:
        return ProbeDecision(probe=PROBE, verdict="inconclusive", summary=text + " (nondeterministic at both: no change shown)",
                             details=details)
    return ProbeDecision(probe=PROBE, verdict="confirmed", summary=text, details=details,
                         hypothesis_updates=[update(PROBE, SEEDING, HypothesisStatus.supported, text)])
