"""Which call sites carry a method's return value (real shapes, d3rlpy):

* a reward scaler's `reverse_transform` was followed back to `self._action_scaler.reverse_transform(a)`
  (same method name, an `ActionScaler` class defines it too) and on to `env.step`: a reward-scaler
  edit reported in the "environment path"; the action scaler's own edit still is;
* a scaler's `get_params()` was followed back through a test file that calls it, and on to an
  optimizer: "optimizer path", significant; a product caller still carries the value.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Finding
from tests.flow.test_equivalence import _index

SCALERS = """
    class RewardScaler:
        def __init__(self, scale=1.0):
            self.scale = scale

        def reverse_transform(self, reward):
            return reward / self.scale


    class ActionScaler:
        def __init__(self, low=-1.0, high=1.0):
            self.low = low
            self.high = high

        def reverse_transform(self, action):
            return action * (self.high - self.low) / 2.0
"""
ALGO = """
    from scalers import ActionScaler, RewardScaler


    class Algo:
        def __init__(self, env, policy):
            self.env = env
            self.policy = policy
            self._action_scaler = ActionScaler()
            self._reward_scaler = RewardScaler()

        def collect(self, obs):
            action = self.policy(obs)
            action = self._action_scaler.reverse_transform(action)
            return self.env.step(action)


    Algo(None, None).collect(None)
"""


def _findings(base: dict[str, str], old: str, new: str, path: str = "scalers.py") -> list[Finding]:
    cand = {**base, path: base[path].replace(old, new)}
    assert cand != base
    return analyse(_index(base, cand)).findings


def test_other_class_method_of_the_same_name_is_not_followed():
    found = _findings({"scalers.py": SCALERS, "algo.py": ALGO}, "return reward / self.scale", "return reward * self.scale")
    assert not any("environment path" in f.title for f in found), [f.title for f in found]


def test_the_receivers_own_class_is_followed():
    found = _findings({"scalers.py": SCALERS, "algo.py": ALGO}, "/ 2.0", "/ 4.0")
    assert [f.title for f in found] == ["Behavioural change in the environment path: `ActionScaler.reverse_transform`"]


PARAMS = """
    class Factory:
        def __init__(self, lr=0.001):
            self.lr = lr

        def get_params(self):
            return {"lr": self.lr}
"""
USE = """
    import torch

    from factory import Factory


    def train(model, batches):
        params = Factory().get_params()
        optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
        for x in batches:
            loss = model(x).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


TRAIN = """
    import torch


    def fit(model, batches, lr):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        for x in batches:
            loss = model(x).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


    fit(None, [], 0.001)
"""
TEST = """
    from factory import Factory
    from train import fit


    def test_fit_with_the_factory_params():
        params = Factory().get_params()
        fit(None, [], params["lr"])
"""


def test_a_test_file_caller_carries_no_flow():
    files = {"factory.py": PARAMS, "train.py": TRAIN, "tests/test_factory.py": TEST}
    found = _findings(files, '{"lr": self.lr}', '{"lr": self.lr * 2}', "factory.py")
    assert not any(f.severity.value == "significant" for f in found), [f.title for f in found]


def test_a_product_caller_carries_the_flow():
    files = {"factory.py": PARAMS, "train.py": USE + "\n\n    train(None, [])\n"}
    found = _findings(files, '{"lr": self.lr}', '{"lr": self.lr * 2}', "factory.py")
    assert [f.title for f in found] == ["Behavioural change in the optimizer path: `Factory.get_params`"]


EXPLORERS = """
    import numpy as np


    class Explorer:
        def sample(self, algo, x):
            raise NotImplementedError


    class NormalNoise(Explorer):
        def __init__(self, std=0.1):
            self.std = std

        def sample(self, algo, x):
            action = algo.predict(x)
            return np.clip(action + np.random.normal(0.0, self.std, size=action.shape), -1.0, 1.0)
"""
LOOP = """
    from explorers import NormalNoise


    def collect(env, algo, explorer, x):
        action = explorer.sample(algo, x)
        return env.step(action)


    collect(None, None, NormalNoise(), None)
"""


def test_a_receiver_named_after_the_base_class_is_followed():
    files = {"explorers.py": EXPLORERS, "loop.py": LOOP}
    found = _findings(files, "-1.0, 1.0)", "-2.0, 2.0)", "explorers.py")
    assert [f.title for f in found] == ["Behavioural change in the sampling path: `NormalNoise.sample`"]
