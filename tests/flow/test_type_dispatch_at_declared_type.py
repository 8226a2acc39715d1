"""A type dispatch added for new inputs computes, at the baseline's declared type, what the baseline did.

Real shape (d3rlpy v2.3.0..v2.4.0, tuple observations): `x: torch.Tensor` became `x: TorchObservation` and
`x.shape[0]` became `x[0].shape[0] if isinstance(x, (list, tuple)) else x.shape[0]`, or `get_batch_size(x)`
(`if isinstance(x, torch.Tensor): return int(x.shape[0])`), and `batch.observations.shape[0]` became
`get_batch_size(batch.observations)` with the dataclass field `observations: torch.Tensor` widened alike;
`x.view(...).expand(repeat_shape)` became a helper's `expand(x.shape[0], n, ...)`. Each was a significant
loss-path change (four of the range's top five once the accessor rewrites were read).
Negatives: a parameter the baseline does not annotate, and a branch for the declared type that computes
another value, stay changes."""

from __future__ import annotations

from tests.flow.support import flow_findings

UTIL = """
from typing import Sequence, Union

import torch


def get_batch_size(x: Union[torch.Tensor, Sequence[torch.Tensor]]) -> int:
    if isinstance(x, torch.Tensor):
        return int(x.shape[0])
    else:
        return int(x[0].shape[0])
"""

ALGO = """
import dataclasses

import torch
from util import get_batch_size


@dataclasses.dataclass(frozen=True)
class Batch:
    observations: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor


def compute_target(q_func, x: torch.Tensor, actions: torch.Tensor, n: int):
    repeat_shape = (x.shape[0], n, *x.shape[1:])
    repeated = x.view(x.shape[0], 1, *x.shape[1:]).expand(repeat_shape)
    values = q_func(repeated, actions)
    return values.view(x.shape[0], n, -1).max(dim=1).values


class Learner:
    def __init__(self, q_func, optim, gamma=0.99):
        self.q_func = q_func
        self.optim = optim
        self.gamma = gamma

    def update(self, batch: Batch):
        batch_size = batch.observations.shape[0]
        target = batch.rewards + self.gamma * compute_target(self.q_func, batch.observations, batch.actions, 4)
        loss = ((self.q_func(batch.observations, batch.actions) - target.detach()) ** 2).sum() / batch_size
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()


def train(q_func, optim, batches):
    learner = Learner(q_func, optim)
    for batch in batches:
        learner.update(batch)
"""

WIDENED = ALGO.replace("import torch\nfrom util import get_batch_size",
                       "from typing import Sequence, Union\n\nimport torch\nfrom util import get_batch_size\n\n"
                       "Observation = Union[torch.Tensor, Sequence[torch.Tensor]]") \
    .replace("    observations: torch.Tensor", "    observations: Observation") \
    .replace("def compute_target(q_func, x: torch.Tensor,", "def compute_target(q_func, x: Observation,") \
    .replace("    repeat_shape = (x.shape[0], n, *x.shape[1:])\n"
             "    repeated = x.view(x.shape[0], 1, *x.shape[1:]).expand(repeat_shape)\n",
             "    batch_size = x[0].shape[0] if isinstance(x, (list, tuple)) else x.shape[0]\n"
             "    if isinstance(x, torch.Tensor):\n"
             "        repeated = x.view(batch_size, 1, *x.shape[1:]).expand(batch_size, n, *x.shape[1:])\n"
             "    else:\n"
             "        repeated = [_x.view(batch_size, 1, *_x.shape[1:]).expand(batch_size, n, *_x.shape[1:]) for _x in x]\n") \
    .replace("    return values.view(x.shape[0], n, -1)", "    return values.view(batch_size, n, -1)") \
    .replace("        batch_size = batch.observations.shape[0]", "        batch_size = get_batch_size(batch.observations)")


def _loud(base: str, cand: str) -> list[str]:
    found = flow_findings({"util.py": UTIL, "algo.py": base}, {"util.py": UTIL, "algo.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_the_declared_type_takes_the_branch_that_computes_as_before() -> None:
    assert _loud(ALGO, WIDENED) == []


def test_an_undeclared_parameter_is_not_decided() -> None:
    base = ALGO.replace("def compute_target(q_func, x: torch.Tensor,", "def compute_target(q_func, x,")
    loud = _loud(base, WIDENED)
    assert any("compute_target" in t for t in loud), loud


def test_a_branch_that_computes_another_value_is_a_change() -> None:
    cand = WIDENED.replace("if isinstance(x, (list, tuple)) else x.shape[0]", "if isinstance(x, (list, tuple)) else x.shape[1]")
    loud = _loud(ALGO, cand)
    assert any("compute_target" in t for t in loud), loud
