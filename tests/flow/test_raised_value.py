"""A value whose only way on is a `raise` reaches no training: the run stops there, whatever the exception holds.

Real shape (tensorforce 0.6.1..0.6.2, precision held-out 10): `TensorforceError.mismatch` (tensorforce/exception.py:54)
changed its message from `{value1} <-> {value2}` to `{value2} != {value1}`; its only callers `raise` what it returns
(`raise TensorforceError.mismatch(...)` in `Module.variable`, a network module), so the flow reached a network's
computation and it was "Behavioural change in the architecture path" (significant). Negative: the same helper's
value also scales the network's output.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
import torch


class ShapeError(Exception):
    @staticmethod
    def mismatch(name, a, b):
        return ShapeError("{} mismatch: {} <-> {}".format(name, a, b))


class Net(torch.nn.Module):
    def __init__(self, n):
        super().__init__()
        self.fc = torch.nn.Linear(n, 1)

    def forward(self, x):
        if x.shape[-1] != self.fc.in_features:
            raise ShapeError.mismatch("input", x.shape[-1], self.fc.in_features)
        return self.fc(x){extra}


def train(batches, n):
    net = Net(n)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for x, y in batches:
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def _loud(extra: str = "") -> list[str]:
    base = BASE.replace("{extra}", extra)
    cand = base.replace("{} mismatch: {} <-> {}", "{} mismatch: {} != {}")
    assert cand != base
    found = flow_findings({"net.py": base}, {"net.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_changed_error_message_reaches_no_training() -> None:
    assert _loud() == []


def test_the_same_helper_feeding_the_output_is_a_change() -> None:
    loud = _loud(extra=' * len(str(ShapeError.mismatch("scale", 1, 2)))')
    assert any("ShapeError.mismatch" in t for t in loud), loud
