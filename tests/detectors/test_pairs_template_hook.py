"""An override turned into the hook its base class now calls is compared with that hook, not reported removed.

Real shape (rlkit v0.2.0..v0.2.1): `SACTrainer.train(self, np_batch)` converted the batch and computed the losses;
the candidate's base class `TorchTrainer.train(self, np_batch)` converts the batch and calls
`self.train_from_torch(batch)`, and `SACTrainer.train_from_torch(self, batch)` computes the losses, reordered
(policy loss first), with an entropy term added to the Q target. The bodies share less than half their lines:
"Method override removed: `SACTrainer.train`" was reported and the change of the target was named by nothing.
Negative: without a base-class method that calls the new method on `self`, the two stay apart.
"""

from __future__ import annotations

from tests.flow.support import described_pairs

BASE_CLASS = """
import abc


class TorchTrainer(abc.ABC):
    @abc.abstractmethod
    def train(self, np_batch):
        pass
"""

BASE_CLASS_HOOK = """
import abc

from util import to_torch


class TorchTrainer(abc.ABC):
    def __init__(self):
        self.calls = 0

    def train(self, np_batch):
        self.calls += 1
        batch = to_torch(np_batch)
        self.train_from_torch(batch)

    @abc.abstractmethod
    def train_from_torch(self, batch):
        pass
"""

SAC = """
from trainer import TorchTrainer
from util import to_torch


class SACTrainer(TorchTrainer):
    def train(self, np_batch):
        batch = to_torch(np_batch)
        rewards = batch['rewards']
        terminals = batch['terminals']
        obs = batch['observations']
        actions = batch['actions']
        next_obs = batch['next_observations']
        q_pred = self.qf(obs, actions)
        next_actions, next_log_pi = self.policy(next_obs)
        target_q = self.target_qf(next_obs, next_actions)
        q_target = rewards + (1. - terminals) * self.discount * target_q
        qf_loss = self.qf_criterion(q_pred, q_target.detach())
        self.qf_optimizer.zero_grad()
        qf_loss.backward()
        self.qf_optimizer.step()
        new_actions, log_pi = self.policy(obs)
        policy_loss = (self.alpha * log_pi - self.qf(obs, new_actions)).mean()
        self.policy_optimizer.zero_grad()
        policy_loss.backward()
        self.policy_optimizer.step()
"""

SAC_HOOK = """
from trainer import TorchTrainer


class SACTrainer(TorchTrainer):
    def train_from_torch(self, batch):
        rewards = batch['rewards']
        terminals = batch['terminals']
        obs = batch['observations']
        actions = batch['actions']
        next_obs = batch['next_observations']
        new_actions, log_pi = self.policy(obs)
        q_new = self.qf(obs, new_actions)
        policy_loss = (self.alpha * log_pi - q_new).mean()
        q_pred = self.qf(obs, actions)
        next_actions, next_log_pi = self.policy(next_obs)
        target_q = self.target_qf(next_obs, next_actions) - self.alpha * next_log_pi
        q_target = rewards + (1. - terminals) * self.discount * target_q
        qf_loss = self.qf_criterion(q_pred, q_target.detach())
        self.policy_optimizer.zero_grad()
        policy_loss.backward()
        self.policy_optimizer.step()
        self.qf_optimizer.zero_grad()
        qf_loss.backward()
        self.qf_optimizer.step()
"""

UTIL = """
def to_torch(np_batch):
    return dict(np_batch)
"""




def test_an_override_turned_into_the_base_class_hook_is_paired_with_it() -> None:
    pairs = described_pairs({"trainer.py": BASE_CLASS, "sac.py": SAC, "util.py": UTIL},
                   {"trainer.py": BASE_CLASS_HOOK, "sac.py": SAC_HOOK, "util.py": UTIL})
    assert any("SACTrainer.train -> " in d and "SACTrainer.train_from_torch" in d and m == "renamed" for d, m in pairs), pairs


def test_without_a_base_class_calling_the_hook_the_methods_stay_apart() -> None:
    pairs = described_pairs({"trainer.py": BASE_CLASS, "sac.py": SAC, "util.py": UTIL},
                   {"trainer.py": BASE_CLASS, "sac.py": SAC_HOOK, "util.py": UTIL})
    assert not any("SACTrainer.train -> " in d for d, _ in pairs), pairs
