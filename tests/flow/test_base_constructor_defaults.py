"""A constructor default handed to the base class through `super().__init__` reaches what the base stores it for.

Real shape (stable-baselines3 v2.2.1..v2.3.0): DQN's `learning_starts` default 50000 -> 100 and TD3's
`train_freq`/`gradient_steps`/`batch_size` defaults changed; each algorithm hands its defaults to
`OffPolicyAlgorithm.__init__` through `super().__init__(...)`, which stores them for the rollout and the
update. The flow did not follow `super()` calls, so every changed default "reached nothing" and the range had
no finding at all. (A base's attribute read only in a subclass's method of another module, TD3's `batch_size`
in `TD3.train`, is still not followed: extending the attribute readers across modules moved six sweep ranges'
top findings and was left out.) Negatives: a default the base stores but training never reads, and a `super()` call that
does not hand the value on.
"""

from __future__ import annotations

from tests.flow.support import flow_result

BASE = '''
import torch


class OffPolicyAlgorithm:
    def __init__(self, policy, env, learning_starts=100, batch_size=256, log_name="run"):
        self.policy = policy
        self.env = env
        self.learning_starts = learning_starts
        self.batch_size = batch_size
        self.log_name = log_name
        self.replay_buffer = ReplayBuffer()

    def collect(self, step, obs):
        if step < self.learning_starts:
            action = self.env.action_space.sample()
        else:
            action = self.policy(obs)
        return self.env.step(action)


class ReplayBuffer:
    def sample(self, batch_size):
        return torch.randint(0, 10, (batch_size,))
'''

TD3 = '''
from algo.base import OffPolicyAlgorithm


class TD3(OffPolicyAlgorithm):
    def __init__(self, policy, env, learning_starts=100, batch_size=100, log_name="td3"):
        super().__init__(policy, env, learning_starts=learning_starts, {handed}log_name=log_name)

    def train(self, gradient_steps):
        for _ in range(gradient_steps):
            data = self.replay_buffer.sample(self.batch_size)
            loss = self.policy(data).mean()
            loss.backward()
'''

RUN = "from algo.td3 import TD3\n\nagent = TD3(None, None)\nagent.collect(0, None)\nagent.train(1)\n"


def _titles(old: str, new: str, handed: str = "batch_size=batch_size, ") -> tuple[list[str], list[str]]:
    base = {"algo/base.py": BASE, "algo/td3.py": TD3.format(handed=handed), "run.py": RUN}
    cand = dict(base)
    cand["algo/td3.py"] = base["algo/td3.py"].replace(old, new)
    assert cand["algo/td3.py"] != base["algo/td3.py"]
    result = flow_result(base, cand)
    return [f.title for f in result.findings], [n.reason for n in result.no_effect]


def test_a_default_the_base_uses_in_its_own_rollout_is_found() -> None:
    titles, _ = _titles("learning_starts=100, batch_size=100", "learning_starts=50000, batch_size=100")
    assert any("TD3.__init__" in t for t in titles), titles


def test_a_default_the_base_stores_but_training_never_reads_is_no_effect() -> None:
    titles, reasons = _titles('log_name="td3"', 'log_name="td3-v2"')
    assert not titles, titles
    assert reasons


def test_a_default_not_handed_to_the_base_leaves_the_base_value() -> None:
    titles, _ = _titles("batch_size=100, log_name", "batch_size=256, log_name", handed="")
    assert not any("TD3.__init__" in t for t in titles), titles
