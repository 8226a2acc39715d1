"""Episode information appended into a list of step results goes on from the callers' `info` alone.

Real shape (PufferLib 73aaa5a8..cb116bca): a vectorised environment's `step` builds `returns = []`, appends
one `(obs, rewards, dones, infos)` per environment and returns the list; the reset branch's
`infos = {}` became `infos = {k: {} for k in obs}` (one empty dict per agent). The flow followed `infos`
through `return returns` into the training loop's `next_obs, reward, done, info = envs.step(...)` and
reported "Behavioural change in the environment path: `RemoteEnvs.step`" (significant), above a real
device-placement finding. The rule for a returned tuple (`test_info_positions.py`) did not see a tuple
appended into a returned list. Negatives: a changed reward in the same tuple, a list that is read in the
function before it is returned, and a caller that unpacks the position into a name that is not info."""

from __future__ import annotations

from tests.flow.support import flow_findings

ENV = """
class Envs:
    def __init__(self, envs):
        self.envs = envs

    def step(self, actions):
        returns = []
        for env, action in zip(self.envs, actions):
            if env.done:
                obs = env.reset()
                rewards = {reward}
                dones = {{k: False for k in obs}}
                infos = {infos}
            else:
                obs, rewards, dones, infos = env.step(action)
            returns.append((obs, rewards, dones, infos)){extra}
        return returns
"""

TRAIN = """
import torch
from envs import Envs

envs = Envs(make_envs())
obs = envs.reset()
for update in range(1000):
    action = policy(obs)
    obs, reward, done, {info} = envs.step(action)
    for item in {info}:
        print(item)
    buffer.add(obs, reward, done)
    batch = buffer.sample(64)
    loss = ((policy.value(batch.obs) - batch.reward) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _loud(infos: str = "{k: {} for k in obs}", reward: str = "{k: 0 for k in obs}", info: str = "info",
          extra: str = "") -> list[str]:
    base = {"envs.py": ENV.format(reward="{k: 0 for k in obs}", infos="{}", extra=extra),
            "train.py": TRAIN.format(info=info)}
    cand = {"envs.py": ENV.format(reward=reward, infos=infos, extra=extra), "train.py": TRAIN.format(info=info)}
    return [f"{f.severity.value} {f.title}" for f in flow_findings(base, cand)
            if f.severity.value in ("critical", "significant")]


def test_infos_appended_into_the_returned_list_are_not_the_environment_step() -> None:
    assert _loud() == []


def test_a_changed_reward_in_the_same_tuple_is_still_reported() -> None:
    assert any("Envs.step" in t for t in _loud(reward="{k: 1 for k in obs}")), _loud(reward="{k: 1 for k in obs}")


def test_a_list_read_before_it_is_returned_keeps_the_ordinary_flow() -> None:
    found = _loud(extra="\n            self.last = returns[-1]")
    assert any("Envs.step" in t for t in found), found


def test_a_position_unpacked_into_another_name_keeps_the_ordinary_flow() -> None:
    found = _loud(info="extra")
    assert any("Envs.step" in t for t in found), found
