"""An instance attribute outlives the call that stores it: a store at the end of a method reaches the
statements of the same method that read it before the store, on the next call. Real shape (rlkit's DQN
trainer, a held-out real bug): `self._n_train_steps_total += 1` removed at the end of `train_from_torch`,
whose `if self._n_train_steps_total % self.target_update_period == 0:` above it guards the target-network
update: the counter never moves, so the target network is copied every step. The removal reached
"no loss, target, reward, optimizer ... as far as the code can be read": no finding."""

from __future__ import annotations

from tests.flow.support import flow_findings

UTIL = """
def soft_update_from_to(source, target, tau):
    for target_param, param in zip(target.parameters(), source.parameters()):
        target_param.data.copy_(target_param.data * (1.0 - tau) + param.data * tau)
"""

MAIN = """
from trainer import DQNTrainer


def main(qf, target_qf, batches):
    trainer = DQNTrainer(qf, target_qf)
    for batch in batches:
        trainer.train_from_torch(batch)
"""

TRAINER = """
import torch
import torch.optim as optim

import util as ptu


class DQNTrainer:
    def __init__(self, qf, target_qf, learning_rate=1e-3, tau=1.0, target_update_period=100, log_period=10):
        self.qf = qf
        self.target_qf = target_qf
        self.tau = tau
        self.target_update_period = target_update_period
        self.log_period = log_period
        self.qf_optimizer = optim.Adam(self.qf.parameters(), lr=learning_rate)
        self._n_train_steps_total = 0
        self._n_logged = 0

    def train_from_torch(self, batch):
        target_q = self.target_qf(batch["next_observations"]).detach().max(1, keepdim=True)[0]
        y_target = batch["rewards"] + (1.0 - batch["terminals"]) * 0.99 * target_q
        y_pred = torch.sum(self.qf(batch["observations"]) * batch["actions"], dim=1, keepdim=True)
        qf_loss = ((y_pred - y_target.detach()) ** 2).mean()
        self.qf_optimizer.zero_grad()
        qf_loss.backward()
        self.qf_optimizer.step()

        if self._n_train_steps_total % self.target_update_period == 0:
            ptu.soft_update_from_to(self.qf, self.target_qf, self.tau)
        if self._n_logged % self.log_period == 0:
            print("qf loss", qf_loss.item())
        self._n_train_steps_total += 1
        self._n_logged += 1
"""


def _significant(base: str, cand: str) -> list[str]:
    assert base != cand
    files = {"main.py": MAIN, "util.py": UTIL}
    found = flow_findings({**files, "trainer.py": base}, {**files, "trainer.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_counter_increment_removed_after_the_target_update_it_gates_is_a_training_change() -> None:
    cand = TRAINER.replace("        self._n_train_steps_total += 1\n", "")
    found = _significant(TRAINER, cand)
    assert any("train_from_torch" in t for t in found), found


def test_a_counter_that_only_gates_logging_is_no_training_change() -> None:
    cand = TRAINER.replace("        self._n_logged += 1\n", "")
    assert _significant(TRAINER, cand) == []

