"""The effect comparison reads a dropped method parameter as the instance attribute every caller passed.

Real shape (PufferLib 73aaa5a8..cb116bca): `CleanPuffeRL.train(self, agent, data)` called
`agent.get_action_and_value(...)` and clipped `agent.parameters()`; the candidate dropped `agent` and
reads `self.agent`, the module every `trainer.train(agent, data)` of a `Trainer(binding, agent)` passed.
The detectors read it so (detectors/paramattr.py); the flow analyzer listed the statements as a
"Behavioural change in the loss path". Negative: a caller that passed another module."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAINER = """
from dataclasses import dataclass

import torch.nn as nn


@dataclass
class Trainer:
    binding: object
    agent: nn.Module

    def __post_init__(self):
        self.optimizer = Adam(self.agent.parameters(), lr=2.5e-4)

    def train(self, {params}):
        value = {agent}.get_value(data.obs)
        loss = ((value - data.returns) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_({agent}.parameters(), 0.5)
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


def _titles(caller: str) -> list[str]:
    base = {"trainer.py": TRAINER.format(params="agent, data", agent="agent"), "main.py": MAIN.format(args=caller)}
    cand = {"trainer.py": TRAINER.format(params="data", agent="self.agent"),
            "main.py": MAIN.format(args=caller.split(", ", 1)[1])}
    return [f.title for f in flow_findings(base, cand)]


def test_the_attribute_every_caller_passed_is_no_change() -> None:
    assert not any("Trainer.train" in t for t in _titles("agent, data"))


def test_another_module_passed_by_a_caller_is_a_change() -> None:
    assert any("Trainer.train" in t for t in _titles("other, data"))
