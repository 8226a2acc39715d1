"""A value returned only where callers unpack the episode information (`obs, reward, done, info =
env.step(a)`) goes on from `info` alone, not into the step that produced it.

Real shape (PufferLib 73aaa5a8..cb116bca): episode statistics (`self._epoch_returns[team] += ...`,
`infos['episode']['r'] = ...`) moved out of the emulation layer; the flow followed `infos` through
`return obs, rewards, dones, infos` into the caller's `ob, reward, done, info = self.env.step(...)` and
reported "Behavioural change in the target path" (significant). Negatives: a changed reward in the same
return, and a caller unpacking the position into a name that is not info."""

from __future__ import annotations

from tests.flow.support import flow_findings

ENV = """
class Env:
    def __init__(self):
        self.episode_return = 0.0

    def reset(self):
        self.episode_return = 0.0
        return self.sim.observe()

    def step(self, action):
        obs, reward, done = self.sim.advance(action)
        reward = {reward}
        info = {{}}
        self.episode_return += {stat}
        if done:
            info['episode'] = {{'r': self.episode_return}}
        return obs, reward, done, info
"""

TRAIN = """
import torch
from env import Env

env = Env()
obs = env.reset()
for update in range(1000):
    action = policy(obs)
    obs, reward, done, {info} = env.step(action)
    if 'episode' in {info}:
        print({info}['episode']['r'])
    buffer.add(obs, reward, done{extra})
    batch = buffer.sample(64)
    loss = ((policy.value(batch.obs) - batch.reward) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _findings(stat: str, reward: str = "reward", info: str = "info", extra: str = "") -> list[str]:
    base = {"env.py": ENV.format(reward="reward", stat="reward"), "train.py": TRAIN.format(info=info, extra=extra)}
    cand = {"env.py": ENV.format(reward=reward, stat=stat), "train.py": TRAIN.format(info=info, extra=extra)}
    return [f"{f.severity.value} {f.title}" for f in flow_findings(base, cand)]


def test_an_episode_statistic_returned_as_info_is_not_the_environment_step() -> None:
    assert not any(t.startswith("significant") for t in _findings("float(reward) * 0.99"))


def test_a_changed_reward_in_the_same_return_is_still_reported() -> None:
    assert any(t.startswith("significant") for t in _findings("reward", reward="reward * 0.5"))


def test_a_position_unpacked_into_another_name_keeps_the_ordinary_flow() -> None:
    found = _findings("float(reward) * 0.99", info="extra", extra=", extra")
    assert any(t.startswith("significant") for t in found)
