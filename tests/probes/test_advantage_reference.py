"""advantage_reference: an off-by-one bootstrap is confirmed and named; a refactor is refuted;
a function found without an adapter runs without its script's module-level training code."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.advantage_reference import AdvantageReferenceProbe, decide_results
from investigator.probes.child import advantage_reference as child
from tests.probes.helpers import ADAPTER, run_probe, setup_for, two_commits

# A CleanRL-style script: GAE as a top-level function with the project's own parameter names, and
# training at module level (which must never run in a probe).
SCRIPT = '''\
import torch

def compute_gae(rewards, values, dones, last_value, last_done, gamma, lam, device="cpu"):
    advantages = torch.zeros_like(rewards)
    lastgaelam = 0
    steps = rewards.shape[0]
    for t in reversed(range(steps)):
        if t == steps - 1:
            nextnonterminal = 1.0 - last_done
            nextvalues = last_value
        else:
            nextnonterminal = 1.0 - dones[t + 1]
            nextvalues = values[NEXT]
        delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * lam * nextnonterminal * lastgaelam
    return advantages, advantages + values

raise SystemExit("module-level training ran")
'''
GOOD, OFF_BY_ONE = SCRIPT.replace("NEXT", "t + 1"), SCRIPT.replace("NEXT", "t")
# The same recursion written another way (next values and masks precomputed as tensors).
REFACTORED = '''\
import torch

def compute_gae(rewards, values, dones, last_value, last_done, gamma, lam, device="cpu"):
    next_values = torch.cat([values[1:], last_value.unsqueeze(0)])
    not_done = 1.0 - torch.cat([dones[1:], last_done.unsqueeze(0)])
    deltas = rewards + gamma * next_values * not_done - values
    advantages = torch.zeros_like(rewards)
    running = torch.zeros_like(last_value)
    for t in range(rewards.shape[0] - 1, -1, -1):
        running = deltas[t] + gamma * lam * not_done[t] * running
        advantages[t] = running
    return advantages, advantages + values
'''
ADAPTER_SRC = '''\
from rlproj.gae import compute_gae

def compute_advantages(rewards, values, dones, next_value, next_done, gamma, gae_lambda):
    return compute_gae(rewards, values, dones, next_value, next_done, gamma, gae_lambda)
'''
WHERE = "rlproj/train_ppo.py:compute_gae"


def test_off_by_one_found_without_an_adapter(tmp_path: Path) -> None:
    repo, base, cand = two_commits(tmp_path, {"rlproj/__init__.py": "", "rlproj/train_ppo.py": GOOD},
                                   {"rlproj/train_ppo.py": OFF_BY_ONE})
    setup = ProbeSetup(auto_functions={"baseline": frozenset({"compute_advantages"}), "candidate": frozenset({"compute_advantages"})})
    probe = AdvantageReferenceProbe()
    assert probe.available(setup) == (True, "")
    auto = {side: {"compute_advantages": WHERE} for side in ("baseline", "candidate")}
    decision, runs = run_probe(probe, setup, repo, {"baseline": base, "candidate": cand}, tmp_path, auto=auto)  # type: ignore[arg-type]
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].result["matches"] and runs[0].result["max_abs_error"] < 1e-5
    assert decision.verdict == "confirmed", decision.summary
    assert "values[t] instead of values[t+1]" in decision.summary
    statuses = {u.hypothesis: u.status.value for u in decision.hypothesis_updates}
    assert statuses == {"ppo.gae_changed": "supported", "buffers.bootstrap_off_by_one": "supported"}


def test_refactor_through_an_adapter_is_refuted(tmp_path: Path) -> None:
    repo, base, cand = two_commits(tmp_path, {"rlproj/__init__.py": "", "rlproj/gae.py": GOOD.replace('raise SystemExit("module-level training ran")', ""),
                                              ADAPTER: ADAPTER_SRC}, {"rlproj/gae.py": REFACTORED})
    decision, runs = run_probe(AdvantageReferenceProbe(), setup_for(ADAPTER_SRC, ADAPTER_SRC), repo,
                               {"baseline": base, "candidate": cand}, tmp_path)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert decision.verdict == "refuted", decision.summary
    assert {u.status.value for u in decision.hypothesis_updates} == {"refuted"}


def test_not_available_without_the_function_at_both_sides() -> None:
    setup = ProbeSetup(auto_functions={"baseline": frozenset({"compute_advantages"})})
    assert AdvantageReferenceProbe().available(setup)[0] is False


# decide() on results measured in-process from plain reference variants (no subprocess).


def _fn(variant: str, only_advantages: bool = False) -> Any:
    import torch

    def compute_advantages(rewards, values, dones, next_value, next_done, gamma, gae_lambda):  # type: ignore[no-untyped-def]
        args = [x.double().numpy() for x in (rewards, values, dones, next_value, next_done)]
        adv, ret = child.gae(*args, gamma, gae_lambda, variant=variant)
        return torch.as_tensor(adv) if only_advantages else (torch.as_tensor(adv), torch.as_tensor(ret))
    return compute_advantages


def _measure(variant: str, only_advantages: bool = False) -> dict[str, Any]:
    ctx = SimpleNamespace(params={"seed": 0}, fn=lambda name: _fn(variant, only_advantages))
    return child.measure(ctx)


@pytest.mark.parametrize("variant", [v for v in child.VARIANTS])
def test_each_wrong_variant_is_told_apart(variant: str) -> None:
    result = _measure(variant)
    assert not result["matches"] and result["closest_variant"] == variant
    assert result["deviating"]


def test_reference_only_advantages_matches() -> None:
    result = _measure("reference", only_advantages=True)
    assert result["matches"] and not result["returns_compared"] and result["closest_variant"] is None


def test_decisions_on_measured_results() -> None:
    ref, shift, nomask, ret = (_measure(v) for v in ("reference", "bootstrap_index_shift", "no_done_mask", "returns_without_values"))
    assert decide_results(ref, ref).verdict == "refuted"
    d = decide_results(ref, nomask)
    assert d.verdict == "confirmed" and {u.hypothesis for u in d.hypothesis_updates} == {"ppo.gae_changed"}
    d = decide_results(ref, ret)
    assert {u.hypothesis for u in d.hypothesis_updates} == {"ppo.gae_changed", "ppo.returns_target_changed"}
    same = decide_results(shift, shift)  # non-standard at both commits, identically: no change
    assert same.verdict == "refuted" and "non-standard at both" in same.summary
    differs = decide_results(shift, nomask)  # non-standard at both, differently: a change
    assert differs.verdict == "confirmed" and "buffers.bootstrap_off_by_one" not in {u.hypothesis for u in differs.hypothesis_updates}
    fixed = decide_results(shift, ref)  # the candidate fixed it: a change, not an off-by-one regression
    assert fixed.verdict == "confirmed" and {u.hypothesis for u in fixed.hypothesis_updates} == {"ppo.gae_changed"}


def _measure_fn(fn: Any) -> dict[str, Any]:
    return child.measure(SimpleNamespace(params={"seed": 0}, fn=lambda name: fn))


def test_numpy_function_with_its_own_parameter_names() -> None:
    def gae_np(rews, vals, terminals, last_val, last_terminal, discount, lmbda, normalize=False):  # type: ignore[no-untyped-def]
        adv = vals.copy() * 0.0  # numpy only: a tensor has no .copy()
        last = 0.0
        for t in reversed(range(len(rews))):
            nonterminal = 1.0 - (last_terminal if t == len(rews) - 1 else terminals[t + 1])
            next_v = last_val if t == len(rews) - 1 else vals[t + 1]
            adv[t] = last = rews[t] + discount * next_v * nonterminal - vals[t] + discount * lmbda * nonterminal * last
        return adv
    result = _measure_fn(gae_np)
    assert result["inputs"] == "numpy" and result["matches"] and not result["returns_compared"]


def test_value_dimension_shape() -> None:
    import torch

    def gae_3d(mb_rewards, mb_values, mb_dones, last_values, last_dones, gamma, tau):  # type: ignore[no-untyped-def]
        advs = torch.zeros_like(mb_rewards)  # [T, N, 1]; dones [T, N]
        last = 0
        for t in reversed(range(mb_rewards.shape[0])):
            nonterminal = (1.0 - (last_dones if t == mb_rewards.shape[0] - 1 else mb_dones[t + 1])).unsqueeze(1)
            next_v = last_values if t == mb_rewards.shape[0] - 1 else mb_values[t + 1]
            advs[t] = last = mb_rewards[t] + gamma * next_v * nonterminal - mb_values[t] + gamma * tau * nonterminal * last
        return advs
    result = _measure_fn(gae_3d)
    assert result["value_dim"] and result["inputs"] == "torch" and result["matches"]


def test_a_function_that_rejects_every_form_fails_with_its_own_error() -> None:
    def broken(rewards, values, dones, next_value, next_done, gamma, gae_lambda):  # type: ignore[no-untyped-def]
        raise ValueError("unsupported rollout layout")
    with pytest.raises(ValueError, match="unsupported rollout layout"):
        _measure_fn(broken)
