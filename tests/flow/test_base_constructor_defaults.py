"""A constructor default handed to the base class through `super().__init__` reaches what the base does with it.

Real shape (stable-baselines3 v2.2.1..v2.3.0): `TD3.__init__(..., batch_size=100, gradient_steps=-1, ...)` became
`batch_size=256, gradient_steps=1`, and DQN's `learning_starts` 50000 -> 100. Each algorithm hands its
defaults to `OffPolicyAlgorithm.__init__` through `super().__init__(...)`, which stores them; the base's `learn`
calls `self.train(batch_size=self.batch_size, ...)`, a method only the algorithms define. The flow did not
follow `super()` calls nor a base method's call of a step its subclasses provide, so the changed defaults
"reached nothing" and the range had no finding at all. Negatives: a default the base stores but nothing reads,
and a subclass step that ignores the value it is handed.
"""

from __future__ import annotations

from tests.flow.support import flow_result

BASE = '''
import torch


class OffPolicyAlgorithm:
    def __init__(self, policy, learning_starts=100, batch_size=256, log_name="run"):
        self.policy = policy
        self.learning_starts = learning_starts
        self.batch_size = batch_size
        self.log_name = log_name
        self.replay_buffer = ReplayBuffer()

    def learn(self, total_timesteps):
        for step in range(total_timesteps):
            if step > self.learning_starts:
                self.train(gradient_steps=1, batch_size=self.batch_size)


class ReplayBuffer:
    def sample(self, batch_size):
        return torch.randint(0, 10, (batch_size,))
'''

TD3 = '''
from algo.base import OffPolicyAlgorithm


class TD3(OffPolicyAlgorithm):
    def __init__(self, policy, learning_starts=100, batch_size=100, log_name="td3"):
        super().__init__(policy, learning_starts=learning_starts, batch_size=batch_size, log_name=log_name)

    def train(self, gradient_steps, batch_size=100):
        for _ in range(gradient_steps):
            data = self.replay_buffer.sample({read})
            loss = self.policy(data).mean()
            loss.backward()
'''

RUN = "from algo.td3 import TD3\n\nTD3(None).learn(1000)\n"


def _titles(old: str, new: str, read: str = "batch_size") -> tuple[list[str], list[str]]:
    base = {"algo/base.py": BASE, "algo/td3.py": TD3.format(read=read), "run.py": RUN}
    cand = dict(base)
    cand["algo/td3.py"] = base["algo/td3.py"].replace(old, new)
    assert cand["algo/td3.py"] != base["algo/td3.py"]
    result = flow_result(base, cand)
    return [f.title for f in result.findings], [n.reason for n in result.no_effect]


def test_a_default_handed_to_the_base_constructor_reaches_the_subclass_step() -> None:
    titles, _ = _titles("batch_size=100, log_name", "batch_size=256, log_name")
    assert any("sampling path" in t and "TD3.__init__" in t for t in titles), titles


def test_a_default_the_base_reads_in_its_own_loop_is_found() -> None:
    titles, _ = _titles("learning_starts=100, batch_size=100", "learning_starts=50000, batch_size=100")
    assert any("TD3.__init__" in t for t in titles), titles


def test_a_default_the_base_stores_but_training_never_reads_is_no_effect() -> None:
    titles, reasons = _titles('log_name="td3"', 'log_name="td3-v2"')
    assert not titles, titles
    assert reasons


def test_a_step_that_ignores_the_value_handed_in_leaves_the_default_without_effect() -> None:
    titles, _ = _titles("batch_size=100, log_name", "batch_size=256, log_name", read="32")
    assert not any("TD3.__init__" in t for t in titles), titles
