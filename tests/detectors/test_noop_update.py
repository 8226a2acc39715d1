"""A parameter update that assigns the new value to the loop variable updates nothing.

Real shape: pytorch-rl b9b87d89..8f953c0a (jingweiz/pytorch-rl 8f953c0a, `core/agents/acer_single_process.py:203`
`_update_global_avg_model`): `for global_param, global_avg_param in zip(model.parameters(), avg_model.parameters()):
global_avg_param = decay * global_avg_param + (1 - decay) * global_param`, called after every `optimizer.step()`;
the range's report had no finding for it.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Learner:
    def __init__(self, model, avg_model, optimizer, decay):
        self.model, self.avg_model, self.optimizer, self.decay = model, avg_model, optimizer, decay

    def _update_avg(self):
        pass

    def backward(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self._update_avg()
"""


def _with(update: str) -> str:
    return BASE.replace("    def _update_avg(self):\n        pass\n", "    def _update_avg(self):\n" + update)


NOOP = """        for param, avg_param in zip(self.model.parameters(), self.avg_model.parameters()):
            avg_param = self.decay * avg_param + (1 - self.decay) * param
"""
IN_PLACE = """        for param, avg_param in zip(self.model.parameters(), self.avg_model.parameters()):
            avg_param.data.copy_(self.decay * avg_param.data + (1 - self.decay) * param.data)
"""
READ_ON = """        total = 0
        for param in self.model.parameters():
            param = param.detach() * self.decay
            total = total + param.norm()
        return total
"""


def _titles(base: str, cand: str) -> list[tuple[str, str]]:
    result = run_on({"agent.py": base}, {"agent.py": cand}, only={"noop_update"})
    return [(f.severity.value, f.title) for f in result.findings]


def test_new_noop_update_is_reported():
    found = _titles(BASE, _with(NOOP))
    assert found and found[0][0] == "significant" and "never updated" in found[0][1]


def test_in_place_update_replaced_by_noop_is_reported():
    found = _titles(_with(IN_PLACE), _with(NOOP))
    assert found and found[0][0] == "significant"


def test_noop_fixed_is_low():
    found = _titles(_with(NOOP), _with(IN_PLACE))
    assert found == [("low", "Parameter update no longer assigns the loop variable (a no-op update fixed)")]


def test_in_place_update_is_not_reported():
    assert _titles(BASE, _with(IN_PLACE)) == []


def test_rebound_name_read_afterwards_is_not_reported():
    assert _titles(BASE, _with(READ_ON)) == []


def test_loop_over_other_values_is_not_reported():
    other = """        for x, y in zip(self.xs, self.ys):
            y = self.decay * y + x
"""
    assert _titles(BASE, _with(other)) == []
