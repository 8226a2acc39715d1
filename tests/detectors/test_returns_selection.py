"""A "returns" name that only selects one tensor and is handed out, now handed out unnamed in a container.

Real shape (rsl_rl v4.0.1..v5.0.0): the minibatch generator's `target_values_batch = values[batch_idx]`
(yielded in a tuple) became `yield RolloutStorage.Batch(values=values[batch_idx], ...)`: "Returns/value
target changed" (significant) for the same tensor. Negative: the container carries another tensor
(`values=returns[batch_idx]`), which is still reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Storage:
    def __init__(self, values, returns, advantages):
        self.values = values
        self.returns = returns
        self.advantages = advantages

    def batches(self, n):
        values = self.values.flatten(0, 1)
        returns = self.returns.flatten(0, 1)
        advantages = self.advantages.flatten(0, 1)
        indices = torch.randperm(values.shape[0])
        for i in range(n):
            batch_idx = indices[i::n]
            target_values_batch = values[batch_idx]
            returns_batch = returns[batch_idx]
            advantages_batch = advantages[batch_idx]
            yield target_values_batch, returns_batch, advantages_batch
"""

CAND = """
import torch
from dataclasses import dataclass


@dataclass
class Batch:
    values: object
    returns: object
    advantages: object


class Storage:
    def __init__(self, values, returns, advantages):
        self.values = values
        self.returns = returns
        self.advantages = advantages

    def batches(self, n):
        values = self.values.flatten(0, 1)
        returns = self.returns.flatten(0, 1)
        advantages = self.advantages.flatten(0, 1)
        indices = torch.randperm(values.shape[0])
        for i in range(n):
            batch_idx = indices[i::n]
            yield Batch(values={carried}[batch_idx], returns=returns[batch_idx], advantages=advantages[batch_idx])
"""


TRAIN_BASE = """
from storage import Storage


def train(storage: Storage, critic, obs, optimizer):
    for target_values_batch, returns_batch, advantages_batch in storage.batches(4):
        values = critic(obs)
        clipped = target_values_batch + (values - target_values_batch).clamp(-0.2, 0.2)
        value_loss = torch.max((values - returns_batch).pow(2), (clipped - returns_batch).pow(2)).mean()
        optimizer.zero_grad()
        value_loss.backward()
        optimizer.step()
"""

TRAIN_CAND = """
from storage import Storage


def train(storage: Storage, critic, obs, optimizer):
    for batch in storage.batches(4):
        values = critic(obs)
        clipped = batch.values + (values - batch.values).clamp(-0.2, 0.2)
        value_loss = torch.max((values - batch.returns).pow(2), (clipped - batch.returns).pow(2)).mean()
        optimizer.zero_grad()
        value_loss.backward()
        optimizer.step()
"""


def _titles(carried: str) -> list[str]:
    found = run_on({"storage.py": BASE, "train.py": TRAIN_BASE},
                   {"storage.py": CAND.format(carried=carried), "train.py": TRAIN_CAND}, only={"returns_target"})
    return [f.title for f in found.findings]


def test_the_same_selection_handed_out_in_a_container_is_no_target_change() -> None:
    assert _titles("values") == []


def test_another_tensor_handed_out_in_its_place_is_still_reported() -> None:
    assert any("Returns" in t or "target" in t for t in _titles("returns")), _titles("returns")
