"""probe_envs: the five probe environments trained by the project's own code at both commits.

The "project" is a tiny torch actor-critic (policy gradient + value regression, Monte Carlo returns
bootstrapped at the batch end). Planted bugs fail one capability each, and the decision names the
first environment the candidate loses: gamma applied twice -> env 3 (discounting), the value loss
detached -> env 1 (value learning), observations and actions misaligned in the policy batch -> env 5.
A refactor passes everywhere (refuted). decide() is also tested on hand-built results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.probe_envs import ProbeEnvsProbe
from investigator.probes.model import ProbeRun, ProbeStatus
from investigator.probes.runner import CheckoutCache, Slot, run_job
from tests.probes.helpers import ADAPTER, adapter_functions
from tests.support.gitrepo import make_repo

RL = '''\
import torch
from torch import nn

GAMMA = 0.5


class Agent(nn.Module):
    def __init__(self, n_actions, gamma):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, 16), nn.Tanh())
        self.v = nn.Linear(16, 1)
        self.pi = nn.Linear(16, n_actions)
        self.gamma = gamma

    def value(self, obs):
        return self.v(self.body(obs)).squeeze(-1)

    def logits(self, obs):
        return self.pi(self.body(obs))

    def act(self, obs, deterministic=True):
        logits = self.logits(obs)
        if deterministic:
            return logits.argmax(-1)
        return torch.distributions.Categorical(logits=logits).sample()


def discounted_returns(rewards, dones, last_value, gamma):
    out = torch.zeros_like(rewards)
    running = last_value
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        out[t] = running
    return out


def losses(agent, obs, actions, returns):
    values = agent.value(obs)
    dist = torch.distributions.Categorical(logits=agent.logits(obs))
    advantages = (returns - values).detach()
    policy_loss = -(dist.log_prob(actions) * advantages).mean()
    value_loss = ((values - returns) ** 2).mean()
    return policy_loss + 0.5 * value_loss


def train(make_env, total_steps, seed, batch=32, epochs=4, lr=0.02):
    torch.manual_seed(seed)
    env = make_env(seed)
    agent = Agent(env.action_space.n, GAMMA)
    opt = torch.optim.Adam(agent.parameters(), lr=lr)
    obs, _ = env.reset(seed=seed)
    for _ in range(total_steps // batch):
        rows, acts, rews, dones = [], [], [], []
        for _ in range(batch):
            o = torch.as_tensor(obs, dtype=torch.float32)
            with torch.no_grad():
                a = int(agent.act(o[None], deterministic=False)[0])
            obs, r, term, trunc, _ = env.step(a)
            rows.append(o)
            acts.append(a)
            rews.append(r)
            dones.append(float(term or trunc))
            if term or trunc:
                obs, _ = env.reset()
        with torch.no_grad():
            last = agent.value(torch.as_tensor(obs, dtype=torch.float32)[None])[0]
        returns = discounted_returns(torch.tensor(rews), torch.tensor(dones), last, agent.gamma)
        o_b, a_b = torch.stack(rows), torch.tensor(acts)
        for _ in range(epochs):
            opt.zero_grad()
            losses(agent, o_b, a_b, returns).backward()
            opt.step()
    return agent
'''
ADAPTER_SRC = "from rl import train\n\n\ndef train_agent(make_env, total_steps, seed):\n    return train(make_env, total_steps, seed)\n"
GAMMA_TWICE = RL.replace("gamma * running", "gamma * gamma * running")
VALUE_DETACHED = RL.replace("value_loss = ((values - returns)", "value_loss = ((values.detach() - returns)")
MISALIGNED = RL.replace("logits=agent.logits(obs))", "logits=agent.logits(obs.roll(1, 0)))")
REFACTORED = RL.replace("running", "acc")
SETUP = ProbeSetup(adapter_functions={"baseline": adapter_functions(ADAPTER_SRC), "candidate": adapter_functions(ADAPTER_SRC)},
                   adapter_paths={"baseline": ADAPTER, "candidate": ADAPTER}, options={"probe_envs_steps": 480})


def _run_all(tmp_path: Path, candidates: list[str]) -> tuple[ProbeRun, list[ProbeRun]]:
    """The baseline once and each candidate version once (one commit each), through the runner."""
    repo = tmp_path / "repo"
    shas = make_repo(repo, [("baseline", {"rl.py": RL, ADAPTER: ADAPTER_SRC}),
                            *((f"candidate {i}", {"rl.py": src}) for i, src in enumerate(candidates))])
    cache = CheckoutCache(tmp_path / "checkouts", repo / ".git")
    probe = ProbeEnvsProbe()
    runs = []
    one_thread = Slot(env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})  # tiny nets: threads only contend
    for i, sha in enumerate(shas):
        side = "baseline" if i == 0 else "candidate"
        (job,) = probe.jobs(SETUP, side)
        runs.append(run_job(job, commit=sha, checkout=cache.checkout(sha), artifacts=tmp_path / f"artifacts{i}", adapter=ADAPTER,
                            slot=one_thread))
    assert all(r.ok for r in runs), [r.error for r in runs]
    return runs[0], runs[1:]


def _updates(decision: Any) -> dict[str, str]:
    return {u.hypothesis: u.status.value for u in decision.hypothesis_updates}


def test_planted_bugs_are_localised_and_a_refactor_passes(tmp_path: Path) -> None:
    base, (twice, detached, refactor) = _run_all(tmp_path, [GAMMA_TWICE, VALUE_DETACHED, REFACTORED])
    probe = ProbeEnvsProbe()
    assert base.steps_per_s is not None and base.steps_per_s > 0
    d = probe.decide([base], [twice], SETUP)
    assert d.verdict == "confirmed" and d.details["lost"] == [3], d.summary
    assert "probe environment 3 (delayed reward, testing discounting and bootstrapping)" in d.summary
    assert "fails (value error 0.2" in d.summary and "> 0.1) at the candidate" in d.summary
    assert _updates(d) == {"ppo.gae_changed": "supported", "buffers.bootstrap_off_by_one": "supported"}
    d = probe.decide([base], [detached], SETUP)
    assert d.verdict == "confirmed" and d.details["lost"] == [1, 2, 3], d.summary
    assert "the fault is in value learning; also failing at the candidate: 2, 3" in d.summary
    assert _updates(d) == {"ppo.value_loss_changed": "supported", "ppo.loss_gradient_blocked": "supported"}
    d = probe.decide([base], [refactor], SETUP)
    assert d.verdict == "refuted" and "1, 2, 3, 4, 5 pass at both commits" in d.summary, d.summary
    assert _updates(d) == {"buffers.bootstrap_off_by_one": "refuted"}  # gamma 0.5: env 3 discriminates


@pytest.mark.slow
def test_misaligned_policy_batch_fails_env_5(tmp_path: Path) -> None:
    base, (misaligned,) = _run_all(tmp_path, [MISALIGNED])
    d = ProbeEnvsProbe().decide([base], [misaligned], SETUP)
    assert d.verdict == "confirmed" and d.details["lost"] == [5], d.summary
    assert _updates(d) == {"buffers.sampling_changed": "supported"}


def _entry(env: int, passed: bool | None, value: float = 0.0, gamma: float = 0.99, **extra: Any) -> dict[str, Any]:
    measure = "value error" if env <= 3 else "action accuracy"
    return {"env": env, "passed": passed, "measure": measure, "value": value, "tolerance": 0.1 if env <= 3 else 1.0,
            "gamma": gamma, **extra}


def _run(side: str, entries: list[dict[str, Any]], status: ProbeStatus = ProbeStatus.ok) -> ProbeRun:
    return ProbeRun(probe="probe_envs", side=side, commit="c" * 40, status=status, result={"envs": entries, "steps": 640},  # type: ignore[arg-type]
                    error="" if status == ProbeStatus.ok else "exit code 1, no result file: ImportError: torch")


def test_decide_on_hand_built_results() -> None:
    probe = ProbeEnvsProbe()
    good = [_entry(k, True) for k in (1, 2, 3)] + [_entry(k, True, 1.0) for k in (4, 5)]
    # a policy-update fault: env 4 lost, the value environments intact
    bad4 = good[:3] + [_entry(4, False, 0.0), good[4]]
    d = probe.decide([_run("baseline", good)], [_run("candidate", bad4)], ProbeSetup())
    assert d.verdict == "confirmed" and "fails (action accuracy 0 < 1)" in d.summary
    assert set(_updates(d)) == {"ppo.loss_gradient_blocked", "ppo.clip_changed", "ppo.entropy_changed"}
    # all pass with gamma 0.99: nothing refuted (env 3 cannot tell gamma from no discount)
    d = probe.decide([_run("baseline", good)], [_run("candidate", good)], ProbeSetup())
    assert d.verdict == "refuted" and d.hypothesis_updates == []
    # the baseline fails an env: it is not compared, and nothing it would test is decided
    base = [_entry(1, True), _entry(2, True), _entry(3, False, 0.4), *good[3:]]
    d = probe.decide([_run("baseline", base)], [_run("candidate", base)], ProbeSetup())
    assert d.verdict == "refuted" and "not compared: 3 (fails (value error 0.4 > 0.1))" in d.summary
    # an env that crashed at the candidate: inconclusive, not a regression
    crashed = [*good[:4], _entry(5, None, error="RuntimeError: shape mismatch")]
    d = probe.decide([_run("baseline", good)], [_run("candidate", crashed)], ProbeSetup())
    assert d.verdict == "inconclusive" and "error (RuntimeError: shape mismatch)" in d.summary
    # the baseline passes nothing: the budget is too small to tell
    nothing = [_entry(k, False, 1.0) for k in (1, 2, 3)] + [_entry(k, False, 0.0) for k in (4, 5)]
    d = probe.decide([_run("baseline", nothing)], [_run("candidate", good)], ProbeSetup())
    assert d.verdict == "inconclusive" and "baseline passes none" in d.summary
    # an agent without the convention's methods: said
    broken = [_entry(k, None, error="AttributeError: 'Agent' object has no attribute 'value'") for k in (1, 2, 3, 4, 5)]
    d = probe.decide([_run("baseline", broken)], [_run("candidate", broken)], ProbeSetup())
    assert d.verdict == "inconclusive" and "baseline: AttributeError" in d.summary
    # a side that did not run
    d = probe.decide([_run("baseline", good)], [_run("candidate", [], ProbeStatus.failed)], ProbeSetup())
    assert d.verdict == "failed" and "ImportError" in d.summary


def test_jobs_and_availability() -> None:
    probe = ProbeEnvsProbe()
    (job,) = probe.jobs(ProbeSetup(), "baseline")
    assert job.script == "probe_envs" and job.params == {"steps": 5000, "tolerance": 0.1, "gamma": 0.99, "seed": 1,
                                                          "envs": [1, 2, 3, 4, 5]}
    assert probe.jobs(SETUP, "candidate")[0].params["steps"] == 480
    assert probe.available(SETUP) == (True, "")
    ok, why = probe.available(ProbeSetup(adapter_functions={"baseline": frozenset({"train_agent"})}))
    assert not ok and "train_agent" in why


def test_environment_dynamics() -> None:
    from investigator.probes.child.probe_envs import ProbeEnv

    for kind in (1, 2, 4, 5):
        env = ProbeEnv(kind, seed=0)
        seen = set()
        for _ in range(40):
            obs, info = env.reset()
            assert obs.shape == (1,) and obs.dtype.name == "float32" and info == {}
            action = env.action_space.sample()
            _, reward, terminated, truncated, _ = env.step(action)
            assert terminated and not truncated
            expected = {1: 1.0, 2: float(obs[0]), 4: 1.0 if action == 1 else -1.0,
                        5: 1.0 if (action == 1) == (obs[0] > 0) else -1.0}[kind]
            assert reward == expected
            seen.add((float(obs[0]), int(action)))
        assert env.action_space.n == (2 if kind >= 4 else 1)
        assert len(seen) == {1: 1, 2: 2, 4: 2, 5: 4}[kind]  # both signs and both actions occur
    env = ProbeEnv(3)
    obs, _ = env.reset(seed=1)
    steps = [env.step(0), env.step(0)]
    assert obs[0] == 0.0 and [(float(o[0]), r, t) for o, r, t, _, _ in steps] == [(1.0, 0.0, False), (1.0, 1.0, True)]
