"""The `done` of a four-value `step()` is termination or time limit: the gymnasium migration's
`np.logical_or(terminations, truncations)` builds the same flag (detectors/rules/done_signal.py).

Real shape (cleanrl, inside the held-out `cleanrl-sac-*` ranges): `next_obs, reward, done, info =
envs.step(a)` with `next_done = torch.Tensor(done)` became `next_obs, reward, terminations, truncations,
infos = envs.step(a)` with `next_done = np.logical_or(terminations, truncations)`: "Done flag built from
different signals" (significant, four scripts), ranked above the range's real bug."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


def rollout(envs, agent, obs, num_steps, dones):
    for step in range(num_steps):
        action = agent(obs)
        obs, reward, done, info = envs.step(action)
        next_done = torch.Tensor(done)
        dones[step] = next_done
    return dones
"""

CAND = """
import numpy as np
import torch


def rollout(envs, agent, obs, num_steps, dones):
    for step in range(num_steps):
        action = agent(obs)
        obs, reward, terminations, truncations, infos = envs.step(action)
        next_done = {flag}
        dones[step] = torch.Tensor(next_done)
    return dones
"""


def _titles(flag: str) -> list[str]:
    return [f.title for f in run_on({"ppo.py": BASE}, {"ppo.py": CAND.format(flag=flag)},
                                    only={"done_signal"}).findings]


def test_termination_or_truncation_is_the_four_value_done() -> None:
    assert _titles("np.logical_or(terminations, truncations)") == []


def test_termination_alone_drops_the_time_limit() -> None:
    assert any("no longer includes truncations" in t for t in _titles("terminations"))


SAC_CAND = """
def rollout(envs, agent, obs, num_steps, rb):
    for step in range(num_steps):
        action = agent(obs)
        next_obs, reward, terminations, truncations, infos = envs.step(action)
        rb.add(obs, next_obs, action, reward, terminations, infos)
        obs = next_obs
"""

SAC_BASE = """
def rollout(envs, agent, obs, num_steps, rb):
    for step in range(num_steps):
        action = agent(obs)
        next_obs, reward, dones, infos = envs.step(action)
        rb.add(obs, next_obs, action, reward, dones, infos)
        obs = next_obs
"""


def test_a_step_done_handed_on_without_a_flag_built_from_signals_is_no_composition_finding() -> None:
    # real shape (cleanrl SAC/TD3 scripts in the same migration): the replay buffer gets `terminations`;
    # neither side builds a done flag from signals, so this detector has no composition to compare
    found = run_on({"sac.py": SAC_BASE}, {"sac.py": SAC_CAND}, only={"done_signal"}).findings
    assert [f.title for f in found] == []
