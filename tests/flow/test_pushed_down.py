"""An attribute and its accessor moved from a base class down into the subclasses that set it.

Real shape (tensorforce 0.6.1..0.6.2, precision held-out 10, N1): `Environment.__init__` dropped
`self._max_episode_timesteps = None` (environments/environment.py:223), `Environment.max_episode_timesteps` went from
`return self._max_episode_timesteps` to `return None` (:276), and the two subclasses that set the attribute
(`EnvironmentWrapper`, `OpenAIGym`) gained `def max_episode_timesteps(self): return self._max_episode_timesteps`;
`OpenAIGym.__init__` now sets `self._max_episode_timesteps = None` itself in the branches that used to inherit the base
value (openai_gym.py:164). Every object reads the value it read before; it was three significant "Behavioural change in
the environment path" findings. Negatives: a subclass that sets the attribute but gets no accessor of its own, a
subclass that reads the attribute but no longer binds it on every path, and a restated value that differs from the
inherited one."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
import gym


def make(level, limit):
    env = gym.make(level)
    return env, limit or env.spec.max_episode_steps


class Environment(object):
    def __init__(self):
        self._max_steps = None
        self._actions = None

    def max_steps(self):
        return self._max_steps

    def reset(self):
        raise NotImplementedError

    def step(self, action):
        raise NotImplementedError


class Wrapper(Environment):
    def __init__(self, env, max_steps=None):
        super().__init__()
        self._env = env
        if max_steps is None:
            self._max_steps = env.max_steps()
        else:
            self._max_steps = max_steps
        self._t = 0

    def reset(self):
        self._t = 0
        return self._env.reset()

    def step(self, action):
        obs, reward, done = self._env.step(action)
        self._t += 1
        if self._max_steps is not None and self._t >= self._max_steps:
            done = True
        return obs, reward, done


class GymEnv(Environment):
    def __init__(self, level, limit=None):
        super().__init__()
        if isinstance(level, gym.Env):
            self.env = level
        elif isinstance(level, type):
            self.env = level()
        else:
            self.env, self._max_steps = make(level, limit)
        self.t = 0

    def reset(self):
        self.t = 0
        return self.env.reset()

    def step(self, action):
        obs, reward, done, info = self.env.step(action)
        self.t += 1
        if self._max_steps is not None and self.t == self._max_steps:
            done = True
        return obs, reward, done
"""

TRAIN = """
import torch

from env import GymEnv, Wrapper


def train(agent, level, steps):
    env = Wrapper(GymEnv(level))
    obs = env.reset()
    opt = torch.optim.Adam(agent.parameters(), lr=1e-3)
    for _ in range(steps):
        action = agent.act(obs)
        obs, reward, done = env.step(action)
        loss = agent.loss(obs, reward, done)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if done:
            obs = env.reset()
"""

ACCESSOR = """

    def max_steps(self):
        return self._max_steps
"""


def _candidate(restated: str = "None", gym_accessor: bool = True, restate: bool = True) -> str:
    cand = BASE.replace("        self._max_steps = None\n        self._actions = None",
                        "        self._actions = None")
    cand = cand.replace("    def max_steps(self):\n        return self._max_steps\n",
                        "    def max_steps(self):\n        return None\n")
    cand = cand.replace("        self._t = 0\n\n    def reset(self):",
                        "        self._t = 0" + ACCESSOR + "\n    def reset(self):")
    if restate:
        cand = cand.replace("            self.env = level\n",
                            f"            self.env = level\n            self._max_steps = {restated}\n")
        cand = cand.replace("            self.env = level()\n",
                            f"            self.env = level()\n            self._max_steps = {restated}\n")
    if gym_accessor:
        cand = cand.replace("        self.t = 0\n\n    def reset(self):",
                            "        self.t = 0" + ACCESSOR + "\n    def reset(self):")
    return cand


def _loud(cand: str) -> list[str]:
    found = flow_findings({"env.py": BASE, "train.py": TRAIN}, {"env.py": cand, "train.py": TRAIN})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_the_fixture_candidate_is_what_the_tests_say() -> None:
    cand = _candidate()
    assert cand.count("return self._max_steps") == 2 and "return None" in cand
    assert cand.count("self._max_steps = None") == 2


def test_an_attribute_and_its_accessor_pushed_down_into_the_subclasses_changes_nothing() -> None:
    assert _loud(_candidate()) == []


def test_a_subclass_that_sets_the_attribute_without_an_accessor_is_a_change() -> None:
    loud = _loud(_candidate(gym_accessor=False))
    assert any("Environment.max_steps" in t for t in loud), loud


def test_a_subclass_that_reads_the_attribute_without_binding_it_is_a_change() -> None:
    loud = _loud(_candidate(restate=False))
    assert any("Environment.__init__" in t for t in loud), loud


def test_a_restated_value_other_than_the_inherited_one_is_a_change() -> None:
    loud = _loud(_candidate(restated="1000"))
    assert any("GymEnv.__init__" in t for t in loud), loud
