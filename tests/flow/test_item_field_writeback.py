"""A field of a loop's container item written back is rebound like the local it replaced.

Real shape (rsl_rl v4.0.1..v5.0.0, "a batch class to avoid positional arguments in generators"): the
minibatch generators yield a `Batch` instead of a 10-tuple and `PPO.update` loops `for batch in generator`,
reading `batch.advantages` where it read `advantages_batch`; where it rebound the unpacked name
(`advantages_batch = (advantages_batch - m) / s`, the symmetry augmentation's `obs_batch, actions_batch =
...`) it now writes the field back (`batch.advantages = ...`, `batch.observations, batch.actions = ...`).
Reads were compared through the container mapping already; the write-backs were stores into an object,
so the whole loss was "Behavioural change in the loss path". Negatives: another epsilon in the written-back
value, and a value written back into another field, stay changes.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

STORAGE_B = '''
import torch


class Storage:
    def __init__(self, n):
        self.n = n
        self.obs = torch.zeros(n, 4)
        self.advantages = torch.zeros(n, 1)
        self.returns = torch.zeros(n, 1)

    def batches(self):
        for i in range(self.n):
            yield self.obs[i], self.advantages[i], self.returns[i]
'''
STORAGE_C = '''
import torch


class Storage:
    class Batch:
        def __init__(self, observations=None, advantages=None, returns=None):
            self.observations = observations
            self.advantages = advantages
            self.returns = returns

    def __init__(self, n):
        self.n = n
        self.obs = torch.zeros(n, 4)
        self.advantages = torch.zeros(n, 1)
        self.returns = torch.zeros(n, 1)

    def batches(self):
        for i in range(self.n):
            yield Storage.Batch(observations=self.obs[i], advantages=self.advantages[i], returns=self.returns[i])
'''
PPO_B = '''
import torch
from storage import Storage


class PPO:
    def __init__(self, actor, critic, optimizer):
        self.actor = actor
        self.critic = critic
        self.optimizer = optimizer
        self.storage = Storage(8)
        self.per_batch = True

    def update(self):
        for obs_batch, advantages_batch, returns_batch in self.storage.batches():
            if self.per_batch:
                with torch.no_grad():
                    advantages_batch = (advantages_batch - advantages_batch.mean()) / (advantages_batch.std() + 1e-8)
            log_prob = self.actor(obs_batch)
            values = self.critic(obs_batch)
            loss = -(advantages_batch * log_prob).mean() + (returns_batch - values).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''
PPO_C = '''
import torch
from storage import Storage


class PPO:
    def __init__(self, actor, critic, optimizer):
        self.actor = actor
        self.critic = critic
        self.optimizer = optimizer
        self.storage = Storage(8)
        self.per_batch = True

    def update(self):
        for batch in self.storage.batches():
            if self.per_batch:
                with torch.no_grad():
                    batch.advantages = (batch.advantages - batch.advantages.mean()) / (batch.advantages.std() + 1e-8)
            log_prob = self.actor(batch.observations)
            values = self.critic(batch.observations)
            loss = -(batch.advantages * log_prob).mean() + (batch.returns - values).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''
TRAIN = """
from ppo import PPO


def main(actor, critic, optimizer):
    algo = PPO(actor, critic, optimizer)
    for _ in range(10):
        algo.update()
"""


def _update_findings(cand: str) -> list[str]:
    result = analyse(_index({"storage.py": STORAGE_B, "ppo.py": PPO_B, "train.py": TRAIN},
                            {"storage.py": STORAGE_C, "ppo.py": cand, "train.py": TRAIN}))
    return [f.title for f in result.findings if "PPO.update" in f.title]


def test_a_field_written_back_as_the_unpacked_name_was_rebound_is_no_change():
    assert _update_findings(PPO_C) == []


def test_another_value_written_back_is_still_a_change():
    assert _update_findings(PPO_C.replace("(batch.advantages.std() + 1e-8)", "(batch.advantages.std() + 1e-5)"))


def test_a_value_written_back_into_another_field_is_still_a_change():
    assert _update_findings(PPO_C.replace("batch.advantages = (", "batch.returns = ("))
