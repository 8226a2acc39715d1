"""A feature's new state (a buffer allocated in `__init__`, moved in `to()`, filled in `insert()`) named by
no baseline file is set-up, low: what it changes is decided where it is read, and every reader names
what did not exist, so it is a changed statement placed on its own (here the returns computation, which
stays significant). Before, a rollout storage's new `bad_masks` buffer ranked first as two significant
"optimizer path" changes of `RolloutStorage.__init__` and `RolloutStorage.to`, above a real regression."""

from __future__ import annotations

from investigator.flow.diff import changed_units
from investigator.flow.units import units_of
from investigator.flow.wiring import new_state
from investigator.models import Severity
from tests.flow.support import flow_findings, pair_index

STORAGE = """
import torch


class RolloutStorage:
    def __init__(self, num_steps, num_envs):
        self.rewards = torch.zeros(num_steps, num_envs, 1)
        self.value_preds = torch.zeros(num_steps + 1, num_envs, 1)
        self.returns = torch.zeros(num_steps + 1, num_envs, 1)
        self.masks = torch.ones(num_steps + 1, num_envs, 1)
        self.step = 0

    def to(self, device):
        self.rewards = self.rewards.to(device)
        self.value_preds = self.value_preds.to(device)
        self.returns = self.returns.to(device)
        self.masks = self.masks.to(device)

    def insert(self, value_preds, rewards, masks):
        self.value_preds[self.step].copy_(value_preds)
        self.rewards[self.step].copy_(rewards)
        self.masks[self.step + 1].copy_(masks)
        self.step = self.step + 1

    def minibatches(self, num_mini_batch):
        batch_size = self.rewards.size(0) * self.rewards.size(1)
        for indices in torch.randperm(batch_size).split(batch_size // num_mini_batch):
            yield self.returns[:-1].view(-1, 1)[indices], self.value_preds[:-1].view(-1, 1)[indices]

    def compute_returns(self, next_value, gamma):
        self.returns[-1] = next_value
        for step in reversed(range(self.rewards.size(0))):
            self.returns[step] = self.returns[step + 1] * gamma * self.masks[step + 1] + self.rewards[step]
"""

PPO = """
import torch

from storage import RolloutStorage


class PPO:
    def __init__(self, policy, lr, clip_param):
        self.policy = policy
        self.clip_param = clip_param
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=lr)

    def update(self, storage):
        for returns, old_values in storage.minibatches(4):
            values = self.policy.evaluate(old_values)
            value_loss = (returns - values).pow(2).mean()
            self.optimizer.zero_grad()
            value_loss.backward()
            self.optimizer.step()


def train(policy, envs, num_steps, num_updates):
    storage = RolloutStorage(num_steps, envs.num_envs)
    storage.to("cuda")
    agent = PPO(policy, 3e-4, 0.2)
    for _ in range(num_updates):
        for _ in range(num_steps):
            value = policy.value(envs.obs)
            obs, reward, done = envs.step(policy.act(envs.obs))
            storage.insert(value, reward, 1.0 - done)
        storage.compute_returns(policy.value(envs.obs), 0.99)
        agent.update(storage)
"""


def _findings(cand: str, base: str = STORAGE):
    assert cand != base
    return flow_findings({"storage.py": base, "ppo.py": PPO}, {"storage.py": cand, "ppo.py": PPO})


def _with_bad_masks(text: str) -> str:
    return (text.replace("        self.masks = torch.ones(num_steps + 1, num_envs, 1)\n",
                         "        self.masks = torch.ones(num_steps + 1, num_envs, 1)\n"
                         "        self.bad_masks = torch.ones(num_steps + 1, num_envs, 1)\n")
            .replace("        self.masks = self.masks.to(device)\n",
                     "        self.masks = self.masks.to(device)\n        self.bad_masks = self.bad_masks.to(device)\n"))


def test_new_buffer_set_up_is_low_and_its_reader_stays_significant() -> None:
    cand = _with_bad_masks(STORAGE).replace(
        "self.returns[step + 1] * gamma * self.masks[step + 1] + self.rewards[step]",
        "(self.returns[step + 1] * gamma * self.masks[step + 1] + self.rewards[step]) * self.bad_masks[step + 1]")
    found = {f.title: f.severity for f in _findings(cand)}
    setup = {t: s for t, s in found.items() if "RolloutStorage.__init__" in t or "RolloutStorage.to" in t}
    returns = {t: s for t, s in found.items() if "compute_returns" in t}
    # the set-up of an attribute the baseline never names is low, or no finding at all: `__init__` and `to()`
    # hold `self.bad_masks` like a local (flow/heldattrs.py), and only its reader acts on training
    assert all(s == Severity.low for s in setup.values()), found
    assert returns and all(s == Severity.significant for s in returns.values()), found


def test_an_attribute_the_baseline_already_had_is_no_new_state() -> None:
    """The same store where the baseline already had `self.bad_masks` (set by `insert`, read by the returns):
    a store into existing state, a real change."""
    base = STORAGE.replace("        self.masks[self.step + 1].copy_(masks)\n",
                           "        self.masks[self.step + 1].copy_(masks)\n        self.bad_masks = masks.clone()\n")
    base = base.replace("self.returns[step + 1] * gamma * self.masks[step + 1] + self.rewards[step]",
                        "(self.returns[step + 1] * gamma * self.masks[step + 1] + self.rewards[step]) * self.bad_masks")
    cand = base.replace("        self.masks = torch.ones(num_steps + 1, num_envs, 1)\n",
                        "        self.masks = torch.ones(num_steps + 1, num_envs, 1)\n"
                        "        self.bad_masks = torch.zeros(num_steps + 1, num_envs, 1)\n")
    found = _findings(cand, base)
    assert any("RolloutStorage.__init__" in f.title and f.severity == Severity.significant for f in found), \
        [(f.title, f.severity) for f in found]


def _new_state_of(base: str, cand: str, qualname: str) -> list[str | None]:
    index = pair_index({"m.py": base}, {"m.py": cand})
    pair = next(p for p in index.pairs if p.base is not None and p.cand is not None and p.cand.qualname == qualname)
    assert pair.base is not None and pair.cand is not None
    changes = changed_units(pair, units_of(pair.base), units_of(pair.cand))
    assert changes
    return [new_state(c, index.base) for c in changes]


def test_a_new_layer_attribute_is_no_new_state() -> None:
    """A layer built into a new attribute registers parameters (and draws initial weights): not set-up."""
    net = """
import torch
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.body = nn.Linear(n_in, 64)
        self.head = nn.Linear(64, n_out)
"""
    layer = net.replace("        self.head = nn.Linear(64, n_out)\n",
                        "        self.extra = nn.Linear(64, 64)\n        self.head = nn.Linear(64, n_out)\n")
    assert _new_state_of(net, layer, "Policy.__init__") == [None]
    buffer = net.replace("        self.head = nn.Linear(64, n_out)\n",
                         "        self.stats = torch.zeros(64)\n        self.head = nn.Linear(64, n_out)\n")
    assert _new_state_of(net, buffer, "Policy.__init__")[0] is not None
