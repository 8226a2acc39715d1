"""gradient_flow: a stray `.detach()` on the value is confirmed by name; a loss refactor is refuted;
decide() on hand-built results: a failed side, renamed parameters, non-finite gradients."""

from __future__ import annotations

from pathlib import Path

from investigator.probes.builtin.gradient_flow import GradientFlowProbe, compare
from investigator.probes.model import ProbeRun, ProbeStatus
from tests.probes.helpers import setup_for
from tests.probes.model_project import BASELINE, PPO, edit, run_candidates

REFACTORED = PPO.replace('''            v = agent.value(obs[idx]).squeeze(-1)
            v_loss = 0.5 * ((v - returns[idx]) ** 2).mean()
''', '''            v_loss = value_loss(agent, obs[idx], returns[idx])
''') + '''

def value_loss(agent, obs, returns):
    return 0.5 * (agent.value(obs).squeeze(-1) - returns).pow(2).mean()
'''


def test_detached_value_is_confirmed_and_a_refactor_refuted(tmp_path: Path) -> None:
    detached = edit(BASELINE, "ppo.py", "v = agent.value(obs[idx]).squeeze(-1)", "v = agent.value(obs[idx]).squeeze(-1).detach()")
    assert REFACTORED != PPO
    (blocked, runs1), (same, runs2) = run_candidates(GradientFlowProbe(), tmp_path, [detached, {**BASELINE, "ppo.py": REFACTORED}])
    assert all(r.ok for r in [*runs1, *runs2]), [r.error for r in [*runs1, *runs2]]
    assert runs1[0].result["steps"] == 8  # 2 epochs x 4 minibatches, all seen by the hook
    assert blocked.verdict == "confirmed", blocked.summary
    assert "critic.0.weight, critic.0.bias, critic.2.weight and 3 more get no gradient" in blocked.summary
    assert "(.grad is None); 7 of 13 parameters receive gradient at the candidate, 13 of 13 at the baseline" in blocked.summary
    assert [(u.hypothesis, u.status.value) for u in blocked.hypothesis_updates] == [("ppo.loss_gradient_blocked", "supported")]
    assert sorted(blocked.details["lost"]) == sorted(n for n in runs1[0].result["params"] if n.startswith("critic"))
    assert same.verdict == "refuted", same.summary
    assert [(u.hypothesis, u.status.value) for u in same.hypothesis_updates] == [("ppo.loss_gradient_blocked", "refuted")]


def _result(params: dict[str, str], steps: int = 4) -> dict[str, object]:
    return {"steps": steps, "params": params}


def test_nonfinite_and_missing_optimizer_entries_are_blocked() -> None:
    d = compare("gradient_flow", _result({"a.weight": "grad", "b.weight": "grad"}),
                _result({"a.weight": "nonfinite", "b.weight": "not_stepped"}))
    assert d.verdict == "confirmed"
    assert "b.weight gets no gradient at the candidate (not in the optimizer)" in d.summary
    assert "a.weight gets a non-finite gradient" in d.summary


def test_renamed_parameters_are_not_guessed() -> None:
    base = _result({"body.weight": "grad", "head.weight": "grad"})
    # renamed, all still learning: nothing can be blocked
    all_grad = compare("gradient_flow", base, _result({"body.weight": "grad", "pi.weight": "grad"}))
    assert all_grad.verdict == "refuted"
    assert "names at one commit only: 1 at the baseline (head.weight), 1 at the candidate (pi.weight)" in all_grad.summary
    # a removed module with the rest learning as before: nothing blocked
    removed = compare("gradient_flow", _result({"body.weight": "grad", "frozen.weight": "none", "head.weight": "grad"}),
                      _result({"body.weight": "grad", "frozen.weight": "none"}))
    assert removed.verdict == "refuted" and "1 at the baseline (head.weight), 0 at the candidate (none)" in removed.summary
    # renamed and the new name gets no gradient: no name to compare it with
    silent = compare("gradient_flow", base, _result({"body.weight": "grad", "pi.weight": "none"}))
    assert silent.verdict == "inconclusive" and silent.hypothesis_updates == []
    assert "but pi.weight (candidate names with no baseline counterpart) get no usable gradient" in silent.summary


def test_same_frozen_parameters_at_both_commits_refute() -> None:
    states = {"a.weight": "grad", "frozen.weight": "none"}
    d = compare("gradient_flow", _result(states), _result(states))
    assert d.verdict == "refuted" and "(1 of 2 receive gradient there, 1 of 2 at the baseline)" in d.summary


def test_no_optimizer_step_or_failed_side_decides_nothing() -> None:
    d = compare("gradient_flow", _result({"a": "grad"}), _result({"a": "not_stepped"}, steps=0))
    assert d.verdict == "inconclusive" and "never called optimizer.step() at the candidate" in d.summary
    ok = ProbeRun(probe="gradient_flow", side="baseline", commit="b", status=ProbeStatus.ok, result=_result({"a": "grad"}))
    bad = ProbeRun(probe="gradient_flow", side="candidate", commit="c", status=ProbeStatus.timeout, error="timed out after 90 s")
    decision = GradientFlowProbe().decide([ok], [bad], setup_for("", ""))
    assert decision.verdict == "failed" and "candidate: timed out after 90 s" in decision.summary
    assert decision.hypothesis_updates == []


def test_available_only_with_the_update_functions_at_both_commits() -> None:
    full = "def make_agent(seed): ...\ndef make_optimizer(agent): ...\ndef update_step(agent, optimizer, seed): ...\n"
    assert GradientFlowProbe().available(setup_for(full, full)) == (True, "")
    ok, why = GradientFlowProbe().available(setup_for(full, full.replace("update_step", "_update_step")))
    assert not ok and why == "the adapter does not define update_step at both commits"
