"""Advantage reference: the project's `compute_advantages` at each commit against the textbook GAE
(CleanRL's loop) on random trajectories with episode ends anywhere, at the first and the last
step, and with lambda = 0 and 1.

Decides the advantage hypotheses a diff can only suspect: a bootstrap from values[t] instead of
values[t+1], a done mask of the wrong step or none, returns built without the values. When a
side deviates, the known wrong variants it matches name the bug. Identical outputs at both commits
refute a change whatever the diff looks like (a function that is non-standard at both commits is
said so, not blamed on the candidate).
"""

from __future__ import annotations

from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import paired, update

GAE, OFF_BY_ONE, RETURNS = "ppo.gae_changed", "buffers.bootstrap_off_by_one", "ppo.returns_target_changed"
SHIFTS = {"bootstrap_index_shift", "done_mask_shift"}  # the variants that are an index off by one
SAME_ATOL = 1e-4  # outputs of both commits (rounded to 1e-6) that differ less are the same
DESCRIBE = {
    "bootstrap_index_shift": "bootstraps from values[t] instead of values[t+1]",
    "done_mask_shift": "masks with dones[t] instead of dones[t+1]",
    "no_done_mask": "does not mask at episode ends",
    "trace_not_cut": "masks the bootstrap but not the lambda trace at episode ends",
    "returns_without_values": "returns = advantages (values not added)",
    "normalised_advantages": "returns normalised advantages",
}


class AdvantageReferenceProbe(Probe):
    meta = ProbeMeta(
        id="advantage_reference",
        title="Advantages and returns against a reference GAE on random trajectories",
        subsystem="ppo",
        severity=Severity.critical,
        rationale="An index shift or a lost done mask in GAE changes every advantage a little and leaves the "
        "code looking almost the same; running the function on trajectories with known answers settles it.",
        fix="Restore the baseline GAE recursion: bootstrap from values[t+1], mask with dones[t+1], returns = advantages + values.",
        hypotheses=[GAE, OFF_BY_ONE, RETURNS],
        finding_sources=["gae_index", "done_mask", "returns_target"],
        needs=["compute_advantages"],
        note="Runs with an adapter's compute_advantages or one found without an adapter (a top-level function "
        "named *gae*/*advantage* whose parameters map onto the canonical ones, or the rollout buffer of an "
        "on-policy Stable-Baselines3-style algorithm class: its compute_returns_and_advantage). A function that deviates "
        "identically at both commits refutes a change (it is reported as non-standard at both).",
        timeout_s=60.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 0})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "advantage")
        if isinstance(pair, ProbeDecision):
            return pair
        return decide_results(pair[0].result, pair[1].result)


def _describe(result: dict[str, Any]) -> str:
    err = f"max abs error {float(result.get('max_abs_error', 0.0)):.3g}"
    if result.get("matches"):
        return f"matches the reference ({err})"
    variant = result.get("closest_variant")
    cases = result.get("deviating", [])
    where = f"{len(cases)} of {len(result.get('cases', []))} cases"
    if variant:
        return f"deviates in {where} ({err}) and {DESCRIBE.get(variant, variant)}"
    return f"deviates in {where} ({err}), like none of the known wrong variants"


def _same_outputs(b: dict[str, Any], c: dict[str, Any]) -> bool:
    rows_b, rows_c = b.get("cases", []), c.get("cases", [])
    if len(rows_b) != len(rows_c) or not rows_b:
        return False
    for rb, rc in zip(rows_b, rows_c, strict=True):
        for key in ("adv", "ret"):
            if (key in rb) != (key in rc):
                return False
            xs, ys = rb.get(key, []), rc.get(key, [])
            if len(xs) != len(ys) or any(abs(x - y) > SAME_ATOL * (1 + abs(x)) for x, y in zip(xs, ys, strict=True)):
                return False
    return True


def _updates(status: HypothesisStatus, text: str, hypotheses: list[str]) -> list[Any]:
    return [update("advantage_reference", h, status, text) for h in hypotheses]


def decide_results(b: dict[str, Any], c: dict[str, Any]) -> ProbeDecision:
    """The decision from both sides' child results (kept apart from the runs for unit tests)."""
    probe = "advantage_reference"
    details = {side: {k: r.get(k) for k in ("max_abs_error", "matches", "deviating", "closest_variant", "nearest_variant",
                                            "variant_err", "returns_compared", "value_dim")}
               for side, r in (("baseline", b), ("candidate", c))}
    text = f"probe: compute_advantages at the baseline {_describe(b)}; at the candidate it {_describe(c)}"
    if b.get("matches") and c.get("matches"):
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=_updates(HypothesisStatus.refuted, text, [GAE, OFF_BY_ONE]))
    if not b.get("matches") and not c.get("matches") and _same_outputs(b, c):
        text = (f"probe: compute_advantages gives the same outputs at both commits and is non-standard at both: "
                f"it {_describe(c)}")
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=_updates(HypothesisStatus.refuted, text, [GAE, OFF_BY_ONE]))
    supported = [GAE]
    variant = c.get("closest_variant") if not c.get("matches") else None
    if variant is not None and variant != b.get("closest_variant"):
        if variant in SHIFTS:
            supported.append(OFF_BY_ONE)
        elif variant == "returns_without_values":
            supported.append(RETURNS)
    return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details,
                         hypothesis_updates=_updates(HypothesisStatus.supported, text, supported))
