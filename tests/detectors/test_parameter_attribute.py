"""A method parameter replaced by the instance attribute every caller passed is the same object.

Real shape (PufferLib 73aaa5a8..cb116bca): `Trainer.train(self, agent, data)` clipped
`agent.parameters()`; the candidate dropped `agent` and clips `self.agent.parameters()`. Every caller
built `trainer = Trainer(binding, agent)` (a dataclass whose field `agent` the optimizer was built on)
and called `trainer.train(agent, data)`: "Gradient clipping clipped parameters changed" was noise.
Negatives: a caller that passes another module than the one the trainer was built with, and a real
change of what is clipped."""

from __future__ import annotations

from tests.detectors.helpers import run_on

TRAINER = """
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class Trainer:
    binding: object
    agent: nn.Module
    lr: float = 2.5e-4

    def __post_init__(self):
        self.optimizer = Adam(self.agent.parameters(), lr=self.lr)

    def train(self, {params}):
        loss = {agent}.loss(data)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_({clipped}.parameters(), 0.5)
        self.optimizer.step()
"""

MAIN = """
import trainer as t

agent = t.make_agent()
other = t.make_agent()
trainer = t.Trainer(binding, agent)
for update in range(10):
    trainer.train({args})
"""


def _run(cand_clipped: str = "self.agent", caller: str = "agent, data") -> list[str]:
    base = {"trainer.py": TRAINER.format(params="agent, data", agent="agent", clipped="agent"),
            "main.py": MAIN.format(args=caller)}
    cand_caller = caller.split(", ", 1)[1]
    cand = {"trainer.py": TRAINER.format(params="data", agent="self.agent", clipped=cand_clipped),
            "main.py": MAIN.format(args=cand_caller)}
    return [f.title for f in run_on(base, cand, only={"grad_clip"}).findings]


def test_a_parameter_every_caller_filled_with_the_attribute_is_the_attribute() -> None:
    assert _run() == []


def test_a_caller_passing_another_module_keeps_the_finding() -> None:
    assert any("clipped parameters" in t for t in _run(caller="other, data"))


def test_clipping_something_else_is_still_reported() -> None:
    assert any("clipped parameters" in t for t in _run(cand_clipped="self.binding"))
