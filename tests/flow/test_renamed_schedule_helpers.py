"""A library helper called under its deprecated name is the class that replaced it, same arguments.

Real shape (stable-baselines3-contrib v2.6.0..v2.7.0): every algorithm moved to stable-baselines3 2.7's
schedule classes, `self.clip_range = get_schedule_fn(self.clip_range)` -> `FloatSchedule(self.clip_range)`
in `MaskablePPO._setup_model` and `RecurrentPPO._setup_model` ("Behavioural change in the loss path",
significant) and `get_linear_fn(initial, final, fraction)` -> `LinearSchedule(initial, final, fraction)` in
`QRDQN._setup_model` ("sampling path", significant): two of the range's top five, both the same schedule.
Negatives: another schedule value, another helper (`get_linear_fn` -> `FloatSchedule`), or other arguments
stay changes."""

from __future__ import annotations

from tests.flow.support import flow_findings

ALGO = """
import numpy as np
import torch as th
from stable_baselines3.common.utils import get_linear_fn, get_schedule_fn


class PPO:
    def __init__(self, policy, clip_range=0.2, eps_start=1.0, eps_end=0.05, eps_fraction=0.1):
        self.policy = policy
        self.clip_range = clip_range
        self.eps_start, self.eps_end, self.eps_fraction = eps_start, eps_end, eps_fraction
        self._setup_model()

    def _setup_model(self):
        self.clip_range = get_schedule_fn(self.clip_range)
        self.exploration_schedule = get_linear_fn(self.eps_start, self.eps_end, self.eps_fraction)

    def act(self, env, obs, progress):
        if np.random.rand() < self.exploration_schedule(progress):
            return env.action_space.sample()
        return self.policy(obs).argmax()

    def train(self, batches, progress):
        clip_range = self.clip_range(progress)
        for batch in batches:
            ratio = th.exp(self.policy.log_prob(batch.obs, batch.act) - batch.old_log_prob)
            loss = -th.min(ratio * batch.adv, th.clamp(ratio, 1 - clip_range, 1 + clip_range) * batch.adv).mean()
            self.policy.optimizer.zero_grad()
            loss.backward()
            self.policy.optimizer.step()


def learn(env, policy, batches):
    algo = PPO(policy)
    obs = env.reset()
    for step in range(1000):
        obs, reward, done, info = env.step(algo.act(env, obs, 1 - step / 1000))
    algo.train(batches, 0.5)
"""

NEW_IMPORT = "from stable_baselines3.common.utils import FloatSchedule, LinearSchedule"


def _loud(cand: str) -> list[str]:
    found = flow_findings({"algo.py": ALGO}, {"algo.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def _renamed(clip: str = "FloatSchedule(self.clip_range)",
             linear: str = "LinearSchedule(self.eps_start, self.eps_end, self.eps_fraction)") -> str:
    return (ALGO.replace("from stable_baselines3.common.utils import get_linear_fn, get_schedule_fn", NEW_IMPORT)
            .replace("get_schedule_fn(self.clip_range)", clip)
            .replace("get_linear_fn(self.eps_start, self.eps_end, self.eps_fraction)", linear))


def test_the_schedule_classes_are_the_deprecated_helpers() -> None:
    assert _loud(_renamed()) == []


def test_another_schedule_value_is_a_change() -> None:
    assert any("_setup_model" in t for t in _loud(_renamed(clip="FloatSchedule(0.1)"))), _loud(_renamed(clip="FloatSchedule(0.1)"))


def test_another_helper_or_other_arguments_are_a_change() -> None:
    cand = _renamed(linear="FloatSchedule(self.eps_end)")
    assert any("_setup_model" in t for t in _loud(cand)), _loud(cand)
    cand = _renamed(linear="LinearSchedule(self.eps_start, self.eps_end, 0.5)")
    assert any("_setup_model" in t for t in _loud(cand)), _loud(cand)
