"""A reward term whose only edit is an integer literal written as the same float (`or 0` -> `or 0.0`).

Real shape (dreamerv2 6124db46..07d906e9, precision held-out 10, N3): `DMC.step` (dreamerv2/common/envs.py:135) went
from `reward += time_step.reward or 0` to `reward += time_step.reward or 0.0` (and `reward = 0` -> `reward = 0.0`):
the same sum, yet "Reward weights changed" (significant). Negatives: another number (`or 0` -> `or 1.0`) and a
fractional weight (`0.5 * x` -> `0.25 * x`).
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import numpy as np


class DMC:
    def __init__(self, env, repeat):
        self._env = env
        self._repeat = repeat

    def step(self, action):
        reward = 0
        for _ in range(self._repeat):
            time_step = self._env.step(action)
            reward += {term}
            if time_step.last():
                break
        return time_step.observation, reward, time_step.last()


def train(env, agent, steps):
    env = DMC(env, 2)
    for _ in range(steps):
        obs, reward, done = env.step(agent.act())
        agent.observe(obs, reward, done)
"""


def _titles(before: str, after: str) -> list[str]:
    result = run_on({"envs.py": BASE.format(term=before)}, {"envs.py": BASE.format(term=after)},
                    only={"reward_terms"})
    return [f.title for f in result.findings]


def test_an_integer_written_as_the_same_float_is_no_reward_change() -> None:
    assert _titles("time_step.reward or 0", "time_step.reward or 0.0") == []
    assert _titles("2 * time_step.reward", "2.0 * time_step.reward") == []


def test_another_number_is_a_reward_change() -> None:
    assert _titles("time_step.reward or 0", "time_step.reward or 1.0") == ["Reward weights changed"]


def test_a_fractional_weight_changed_is_a_reward_change() -> None:
    assert _titles("0.5 * time_step.reward", "0.25 * time_step.reward") == ["Reward weights changed"]
