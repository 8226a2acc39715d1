"""Dtype and device audit: the project's agent built at each commit; the dtypes and devices of its
parameters, its optimizer state after one step, and the dtypes its modules compute in during one
update of the project's code.

Decides precision and placement changes a diff only hints at (a `.half()`, an autocast scope, a
device string that silently falls back to the CPU). Precision is refuted only when the update's
forward dtypes were measured at both commits (autocast leaves the parameters in float32); the
device only when a GPU was visible at both commits (on a CPU-only machine every agent is on CPU).
"""

from __future__ import annotations

from typing import Any

from investigator.models import HypothesisStatus, HypothesisUpdate, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun, ProbeVerdict
from investigator.probes.verdicts import paired, update

PRECISION, DEVICE = "device.precision_changed", "device.device_changed"
PROBE = "dtype_device_audit"


class DtypeDeviceAuditProbe(Probe):
    meta = ProbeMeta(
        id=PROBE,
        title="Dtypes and devices of the agent's parameters, optimizer state and update",
        subsystem="device",
        severity=Severity.significant,
        rationale="A model cast to half precision, an autocast scope added around the loss, or a device "
        "selection that falls back to the CPU changes speed or numerics without touching the algorithm.",
        fix="Restore the baseline dtype, autocast scope and device selection.",
        hypotheses=[PRECISION, DEVICE],
        finding_sources=["precision", "device_placement"],
        needs=["make_agent"],
        note="Optimizer state needs make_optimizer; forward dtypes need update_step too (without them "
        "precision is not refuted). The device is decided only when a GPU was visible at both commits.",
        timeout_s=90.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 0})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "dtype/device")
        if isinstance(pair, ProbeDecision):
            return pair
        return decide_results(pair[0].result, pair[1].result)


def _dtypes(part: dict[str, Any] | None) -> str:
    if not part:
        return "none"
    counts = part.get("dtypes", part)
    return "+".join(sorted(counts, key=lambda k: -counts[k])) or "none"


def _precision(b: dict[str, Any], c: dict[str, Any]) -> tuple[list[str], bool]:
    """What differs in precision (one phrase each), and whether the forward pass was measured at both."""
    diffs = []
    for key, what in (("parameters", "parameters"), ("optimizer_state", "optimizer state"), ("forward", "update forward")):
        if b.get(key) is None or c.get(key) is None:
            continue
        db, dc = _dtypes(b[key]), _dtypes(c[key])
        if db != dc:
            diffs.append(f"{what} {db} -> {dc}")
    return diffs, b.get("forward") is not None and c.get("forward") is not None


def _devices(result: dict[str, Any]) -> set[str]:
    return set(result.get("parameters", {}).get("devices", {}))


def decide_results(b: dict[str, Any], c: dict[str, Any]) -> ProbeDecision:
    diffs, forward = _precision(b, c)
    dev_b, dev_c = _devices(b), _devices(c)
    gpu_both = bool(b.get("cuda_available")) and bool(c.get("cuda_available"))
    updates: list[HypothesisUpdate] = []
    parts = []
    if diffs:
        parts.append("precision changed: " + "; ".join(diffs))
    else:
        parts.append(f"same precision (parameters {_dtypes(b.get('parameters'))}"
                     + (f", update forward {_dtypes(b.get('forward'))})" if forward else "; update forward not measured)"))
    if dev_b != dev_c and (gpu_both or (b.get("cuda_available") and "cuda" in dev_b)):
        parts.append(f"parameters on {'+'.join(sorted(dev_b))} at the baseline, {'+'.join(sorted(dev_c))} at the candidate"
                     + (" while a GPU was visible" if c.get("cuda_available") else ""))
        device_status: HypothesisStatus | None = HypothesisStatus.supported if c.get("cuda_available") else None
    elif gpu_both:
        parts.append(f"parameters on {'+'.join(sorted(dev_b))} at both commits with a GPU visible")
        device_status = HypothesisStatus.refuted
    else:
        parts.append(f"parameters on {'+'.join(sorted(dev_b)) or 'nothing'} / {'+'.join(sorted(dev_c)) or 'nothing'} "
                     "(no GPU visible at both commits: placement not decided)")
        device_status = None
    text = "probe: " + "; ".join(parts)
    if diffs:
        updates.append(update(PROBE, PRECISION, HypothesisStatus.supported, text))
    elif forward:
        updates.append(update(PROBE, PRECISION, HypothesisStatus.refuted, text))
    if device_status is not None:
        updates.append(update(PROBE, DEVICE, device_status, text))
    statuses = {u.status for u in updates}
    verdict: ProbeVerdict = ("confirmed" if HypothesisStatus.supported in statuses
                             else "refuted" if HypothesisStatus.refuted in statuses else "inconclusive")
    return ProbeDecision(probe=PROBE, verdict=verdict, summary=text, details={"baseline": b, "candidate": c},
                         hypothesis_updates=updates)
