"""Chainer's `Variable.array` is `Variable.data` under its newer name: `v.data` -> `v.array` reads the same array.

Real shape (chainerrl v0.6.0..v0.7.0, precision held-out 9): `A2C.update` and `A2C.batch_act_and_train` moved from
`advantages.data` / `next_value.data` / `pout.sample().data` to `.array` (Chainer 3 added `array` as the
unambiguous name of the same ndarray), two significant "Behavioural change in the loss path" findings of the top
five. Negatives: `.array` in a module that does not use Chainer (a project's own attribute, or a NumPy/PyTorch
object whose `.data` is something else), a module whose classes define an `array` attribute of their own, and
another attribute.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

A2C = """
import chainer
import chainer.functions as F


class A2C:
    def __init__(self, model, optimizer, gamma=0.99):
        self.model = model
        self.optimizer = optimizer
        self.gamma = gamma
        self.xp = model.xp

    def update(self, states, actions, rewards):
        with chainer.no_backprop_mode():
            _, next_value = self.model.pi_and_v(states[-1])
            next_value = next_value.data[:, 0]
        rewards = self.xp.array(rewards, dtype=self.xp.float32)
        returns = rewards + self.gamma * next_value
        pout, values = self.model.pi_and_v(states[:-1])
        advantages = returns - values
        value_loss = F.mean(advantages * advantages)
        action_loss = -F.mean(advantages.data * pout.log_prob(actions))
        self.model.cleargrads()
        (action_loss + value_loss).backward()
        self.optimizer.update()


def train(model, optimizer, batches):
    agent = A2C(model, optimizer)
    for states, actions, rewards in batches:
        agent.update(states, actions, rewards)
"""


def _loud(base: str, cand: str) -> list[str]:
    found = flow_findings({"a2c.py": base}, {"a2c.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_chainer_array_is_the_data_it_replaced() -> None:
    assert _loud(A2C, A2C.replace(".data", ".array")) == []
    assert _loud(A2C.replace(".data", ".array"), A2C) == []


def test_array_outside_chainer_is_a_change() -> None:
    base = A2C.replace("import chainer\n", "import contextlib\n").replace(
        "chainer.no_backprop_mode()", "contextlib.nullcontext()").replace("import chainer.functions as F", "import numpy as F")
    assert any("update" in t for t in _loud(base, base.replace(".data", ".array"))), _loud(base, base.replace(".data", ".array"))


def test_an_own_array_attribute_or_another_attribute_is_a_change() -> None:
    own = A2C + "\n\nclass Holder:\n    def __init__(self, x):\n        self.array = x\n"
    assert any("update" in t for t in _loud(own, own.replace(".data", ".array"))), _loud(own, own.replace(".data", ".array"))
    cand = A2C.replace("advantages.data", "advantages.grad")
    assert any("update" in t for t in _loud(A2C, cand)), _loud(A2C, cand)


PROJECTION = """
import chainer
import chainer.functions as F


def project(y, y_probs, z):
    xp = chainer.cuda.get_array_module(z)
    y = xp.clip(y, z[0], z[-1])
    return y * y_probs


class DQN:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def update(self, obs, y, z):
        probs = self.model(obs)
        loss = F.mean(project(y, probs, z))
        self.model.cleargrads()
        loss.backward()
        self.optimizer.update()


def train(model, optimizer, batches):
    agent = DQN(model, optimizer)
    for obs, y, z in batches:
        agent.update(obs, y, z)
"""


def _loud_projection(cand: str) -> list[str]:
    found = flow_findings({"dqn.py": PROJECTION}, {"dqn.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_module_spelled_through_its_own_import_is_the_same_call() -> None:
    """chainerrl v0.7.0 `_apply_categorical_projection`: `from chainer import cuda` and `cuda.get_array_module(z)`."""
    cand = PROJECTION.replace("import chainer\n", "import chainer\nfrom chainer import cuda\n").replace(
        "chainer.cuda.get_array_module", "cuda.get_array_module")
    assert _loud_projection(cand) == []


def test_another_module_or_a_rebound_name_is_a_change() -> None:
    cand = PROJECTION.replace("import chainer\n", "import chainer\nfrom cupy import cuda\n").replace(
        "chainer.cuda.get_array_module", "cuda.get_array_module")
    assert any("project" in t for t in _loud_projection(cand)), _loud_projection(cand)
    cand = PROJECTION.replace("import chainer\n", "import chainer\nfrom chainer import cuda\n").replace(
        "chainer.cuda.get_array_module", "cuda.get_array_module").replace(
        "def project(y, y_probs, z):\n", "def project(y, y_probs, z):\n    cuda = F\n")
    assert any("project" in t for t in _loud_projection(cand)), _loud_projection(cand)
