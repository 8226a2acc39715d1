"""`reward = 1 if got_to_end else reward` -> `reward = 1.0 if ...`: the same value in every arithmetic and
comparison, only the number's type changes: low, with the reason (flow/wiring.py). A consumer that reads
the type (a tensor or array built from the number, an index, `range`) keeps the change significant, and so
does another value. Before, stable-baselines3's test environment's `1` -> `1.0` was a significant "reward
path" change ranked above a real bug."""

from __future__ import annotations

from investigator.models import Severity
from tests.flow.support import flow_findings

ENV = """
import numpy as np
import torch


class GridEnv:
    def __init__(self, max_state):
        self.max_state = max_state
        self.state = 0

    def step(self, action):
        self.count += 1
        reward = -0.1
        if self.state in self.left_possible and action == 0:
            self.state -= 1
        elif self.state in self.right_possible and action == 1:
            self.state += 1
        got_to_end = self.state == self.max_state
        reward = 1 if got_to_end else reward
        bonus = torch.full((1,), 1)
        truncated = self.count > self.max_count
        return np.array([self.state]), reward, got_to_end, truncated, {"bonus": bonus}


def train(policy, optimizer, steps):
    env = GridEnv(10)
    for _ in range(steps):
        obs, reward, done, truncated, info = env.step(policy(obs))
        reward = reward + info["bonus"].sum()
        loss = -reward * policy.log_prob(obs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _found(cand: str) -> list[tuple[str, Severity]]:
    assert cand != ENV
    return [(f.title, f.severity) for f in flow_findings({"env.py": ENV}, {"env.py": cand})
            if "GridEnv.step" in f.title]


def test_an_int_written_as_an_equal_float_is_low() -> None:
    found = _found(ENV.replace("reward = 1 if got_to_end", "reward = 1.0 if got_to_end"))
    assert found and all(s == Severity.low for _, s in found), found


def test_another_value_is_still_significant() -> None:
    found = _found(ENV.replace("reward = 1 if got_to_end", "reward = 2.0 if got_to_end"))
    assert found and any(s == Severity.significant for _, s in found), found


def test_an_equal_float_that_sets_a_tensors_dtype_is_still_significant() -> None:
    found = _found(ENV.replace("torch.full((1,), 1)", "torch.full((1,), 1.0)"))
    assert found and any(s == Severity.significant for _, s in found), found
