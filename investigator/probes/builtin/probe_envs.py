"""Probe environments: the five classic RL probe environments trained on by the project's own
training code (adapter `train_agent`) at both commits; the first that passes at the baseline and
fails at the candidate localises the fault.

Why: a regression in a full task can come from anywhere; these environments each add one step of
capability (value learning, backpropagation, discounting, the policy update, batching), so the
first one lost names the part of the update that broke. Passing all five refutes little: a changed
coefficient still learns a constant. Only where an environment really measures a hypothesis's
statement is the hypothesis refuted (env 3 and an off-by-one bootstrap, with a discriminating gamma).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from investigator.models import EvidenceKind, HypothesisStatus, HypothesisUpdate, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun, ProbeVerdict

PROBE_ID = "probe_envs"
DEFAULTS = {"steps": 5000, "tolerance": 0.1, "gamma": 0.99}  # options `probe_envs_<name>` override them


@dataclass(frozen=True)
class EnvSpec:
    name: str
    tests: str
    supports: tuple[str, ...]  # hypotheses a loss of this capability supports


ENVS: dict[int, EnvSpec] = {
    1: EnvSpec("constant reward", "value learning", ("ppo.value_loss_changed", "ppo.loss_gradient_blocked")),
    2: EnvSpec("observation-dependent reward", "backpropagation through the network", ("ppo.loss_gradient_blocked",)),
    3: EnvSpec("delayed reward", "discounting and bootstrapping", ("ppo.gae_changed", "buffers.bootstrap_off_by_one")),
    4: EnvSpec("action-dependent reward", "the policy update",
               ("ppo.loss_gradient_blocked", "ppo.clip_changed", "ppo.entropy_changed")),
    5: EnvSpec("action-and-observation-dependent reward", "batching of observations, actions and advantages",
               ("buffers.sampling_changed",)),
}
REFUTES_ON_PASS = {3: "buffers.bootstrap_off_by_one"}  # needs a gamma at least 2 tolerances below 1


class ProbeEnvsProbe(Probe):
    meta = ProbeMeta(
        id=PROBE_ID,
        title="The five classic probe environments trained at both commits",
        subsystem="ppo",
        severity=Severity.critical,
        rationale="Each probe environment adds one capability (value learning, backpropagation, discounting, the "
        "policy update, batching): the first one the candidate loses and the baseline has localises the fault.",
        fix="Look at the part of the update the first failing environment tests; compare it with the baseline's.",
        hypotheses=sorted({h for spec in ENVS.values() for h in spec.supports}),
        needs=["train_agent"],
        cost="expensive",
        timeout_s=300.0,
        note="the adapter's train_agent returns an agent with value(obs) and act(obs, deterministic=True); "
        "env 3 checks the agent's own `gamma` attribute (default 0.99, which cannot tell discounting from none); "
        "an on-policy Stable-Baselines3-style class is trained on them without an adapter (n_steps cut to a "
        "quarter of the budget when longer)",
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        params: dict[str, Any] = {k: setup.options.get(f"{PROBE_ID}_{k}", v) for k, v in DEFAULTS.items()}
        params["steps"] = int(params["steps"])
        params.update({"seed": 1, "envs": list(ENVS)})
        return [ProbeJob(probe=PROBE_ID, side=side, script="probe_envs", params=params, seed=1,
                         timeout_s=self.meta.timeout_s, memory_mb=self.meta.memory_mb)]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        ok_b, ok_c = [r for r in baseline if r.ok], [r for r in candidate if r.ok]
        if not ok_b or not ok_c:
            failed = next((r for r in [*baseline, *candidate] if not r.ok), None)
            why = f"{failed.side}: {failed.error}" if failed else "no runs"
            return ProbeDecision(probe=PROBE_ID, verdict="failed", summary=f"probe environments did not run ({why})")
        b, c = _by_env(ok_b[0].result), _by_env(ok_c[0].result)
        details: dict[str, Any] = {"baseline": b, "candidate": c, "steps": ok_c[0].result.get("steps")}
        return _decide(b, c, details)


def _by_env(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(e["env"]): e for e in result.get("envs", []) if isinstance(e, dict) and int(e.get("env", 0)) in ENVS}


def _state(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "not run"
    if entry.get("passed") is None:
        return f"error ({entry.get('error', 'unknown')})"
    within = "<=" if entry["measure"] == "value error" else ">="
    word, op = ("passes", within) if entry["passed"] else ("fails", ">" if within == "<=" else "<")
    return f"{word} ({entry['measure']} {entry['value']:.3g} {op} {entry['tolerance']:g})"


def _update(hypothesis: str, status: HypothesisStatus, text: str) -> HypothesisUpdate:
    return HypothesisUpdate(hypothesis=hypothesis, status=status, evidence=text, kind=EvidenceKind.probe, source=PROBE_ID)


def _decide(b: dict[int, dict[str, Any]], c: dict[int, dict[str, Any]], details: dict[str, Any]) -> ProbeDecision:
    passed_b = {k for k, e in b.items() if e.get("passed") is True}
    passed_c = {k for k, e in c.items() if e.get("passed") is True}
    failed_c = {k for k, e in c.items() if e.get("passed") is False}
    lost = sorted(passed_b & failed_c)
    details["lost"] = lost
    if lost:
        k = lost[0]
        spec = ENVS[k]
        also = [x for x in sorted(failed_c) if x != k]
        text = (f"probe: probe environment {k} ({spec.name}, testing {spec.tests}) {_state(b[k])} at the baseline and "
                f"{_state(c[k])} at the candidate: the fault is in {spec.tests}"
                + (f"; also failing at the candidate: {', '.join(map(str, also))}" if also else ""))
        return ProbeDecision(probe=PROBE_ID, verdict="confirmed", summary=text, details=details,
                             hypothesis_updates=[_update(h, HypothesisStatus.supported, text) for h in spec.supports])
    both = sorted(passed_b & passed_c)
    if not both:
        why = "the baseline passes none of them" if not passed_b else "the candidate's runs of them did not finish"
        error = next((f"; {side}: {e['error']}" for side, runs in (("baseline", b), ("candidate", c))
                      for e in runs.values() if e.get("error")), "")
        text = (f"probe: the probe environments cannot tell ({why}{error}; raise probe_envs_steps or check the "
                "adapter's train_agent)")
        return ProbeDecision(probe=PROBE_ID, verdict="inconclusive", summary=text, details=details)
    errors = sorted(k for k in passed_b if c.get(k, {}).get("passed") is None)
    untold = sorted(set(ENVS) - set(both))
    text = (f"probe: probe environment(s) {', '.join(map(str, both))} pass at both commits "
            f"({'; '.join(f'{ENVS[k].tests}' for k in both)} work at the candidate)"
            + (f"; not compared: {', '.join(f'{k} ({_state(c.get(k)) if k in errors else _state(b.get(k))})' for k in untold)}"
               if untold else ""))
    verdict: ProbeVerdict = "inconclusive" if errors else "refuted"
    updates = []
    for k, hypothesis in REFUTES_ON_PASS.items():
        gamma = min(float(b[k].get("gamma", 1.0)), float(c[k].get("gamma", 1.0))) if k in both else 1.0
        if k in both and 1.0 - gamma >= 2 * float(c[k].get("tolerance", 1.0)):
            updates.append(_update(hypothesis, HypothesisStatus.refuted,
                                   f"{text}; env {k} values match gamma {gamma:g} and 1 at both commits"))
    return ProbeDecision(probe=PROBE_ID, verdict=verdict, summary=text, details=details, hypothesis_updates=updates)
