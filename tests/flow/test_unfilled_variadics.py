"""A function's own `**kwargs` newly forwarded, where no call of it passes any: low, not a behavioural change.

Real shape (serl 646b7680..21ff8a01, serl_launcher/serl_launcher/wrappers/chunking.py:75):
`ChunkingWrapper.reset(self, **kwargs)` went from `self.env.reset()` to `self.env.reset(**kwargs)`; every example
calls `env.reset()`. It was "Behavioural change in the environment path" (significant). Negative: a caller that
passes `seed=...` now reaches the wrapped environment: stays significant.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

WRAPPER = """
from collections import deque

import numpy as np


class ChunkingWrapper:
    def __init__(self, env, horizon):
        self.env = env
        self.horizon = horizon
        self.current_obs = deque(maxlen=horizon)

    def step(self, action):
        obs, reward, done, trunc, info = self.env.step(action)
        self.current_obs.append(obs)
        return np.stack(self.current_obs), reward, done, trunc, info

    def reset(self, **kwargs):
        obs, info = self.env.reset()
        self.current_obs.extend([obs] * self.horizon)
        return np.stack(self.current_obs), info
"""

TRAIN = """
from wrappers import ChunkingWrapper


def train(agent, make_env, steps):
    env = ChunkingWrapper(make_env(), 2)
    obs, _ = env.reset({args})
    for _ in range(steps):
        action = agent.sample_actions(obs)
        next_obs, reward, done, trunc, info = env.step(action)
        agent.update(obs, action, reward, next_obs, done)
        obs = next_obs
        if done or trunc:
            obs, _ = env.reset({args})
"""

CAND = WRAPPER.replace("obs, info = self.env.reset()", "obs, info = self.env.reset(**kwargs)")


def _found(args: str):
    train = TRAIN.format(args=args)
    return flow_findings({"wrappers.py": WRAPPER, "train.py": train}, {"wrappers.py": CAND, "train.py": train})


def test_kwargs_forwarded_that_no_caller_fills_is_low():
    found = _found("")
    assert found, "still listed, low"
    assert all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
    assert any("no call of a `reset` in the repository passes arguments" in f.rationale for f in found)


def test_kwargs_forwarded_that_a_caller_fills_stays_significant():
    found = _found("seed=0")
    assert any(f.severity.value == "significant" and "ChunkingWrapper.reset" in f.title for f in found), \
        [(f.severity, f.title) for f in found]


def test_another_wrapper_passing_on_its_own_kwargs_fills_nothing():
    """serl's `RelativeFrame.reset(self, **kwargs)` forwards `**kwargs` to the wrapped `reset` too."""
    other = ("class RelativeFrame:\n    def __init__(self, env):\n        self.env = env\n\n"
             "    def reset(self, **kwargs):\n        obs, info = self.env.reset(**kwargs)\n        return obs, info\n")
    train = TRAIN.format(args="")
    found = flow_findings({"wrappers.py": WRAPPER + "\n\n" + other, "train.py": train},
                          {"wrappers.py": CAND + "\n\n" + other, "train.py": train})
    assert found and all(f.severity.value == "low" for f in found), [(f.severity, f.title) for f in found]
