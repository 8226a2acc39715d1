"""An `if <reads only>: raise ...` added to a constructor is a check like an `assert`: it only stops runs.

Real shape (tensorforce 0.6.1..0.6.2, precision held-out 10, N6): `AutoNetwork.__init__`
(tensorforce/core/networks/auto.py:88) gained `if spec.type == 'int' and spec.num_values is None:` with a `raise
TensorforceError.required(...)` in both arms of a nested `if`: every run that worked builds the same network, yet it
was "Behavioural change in the architecture path" (significant, #5 once the moved-attribute noise above it was gone).
`diff._without_checks` already dropped `assert` statements and calls of check-only methods. Negative: an `if` whose
other arm computes (`else: size = 2 * size`)."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
import torch


class Net(torch.nn.Module):
    def __init__(self, spec, size):
        super().__init__()
        embed = spec.type == 'int'{check}
        self.fc = torch.nn.Linear(spec.dim, size)
        self.embed = embed

    def forward(self, x):
        return self.fc(x)


def train(batches, spec):
    net = Net(spec, 64)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for x, y in batches:
        loss = ((net(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
"""

CHECK = """
        if spec.type == 'int' and spec.num_values is None:
            if spec.name is None:
                raise ValueError('num_values required')
            else:
                raise ValueError(spec.name + ': num_values required')"""


def _loud(check: str) -> list[str]:
    base, cand = BASE.replace("{check}", ""), BASE.replace("{check}", check)
    found = flow_findings({"net.py": base}, {"net.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_an_added_raise_only_check_changes_nothing() -> None:
    assert _loud(CHECK) == []


def test_a_check_whose_other_arm_computes_is_a_change() -> None:
    check = CHECK.replace("            else:\n                raise ValueError(spec.name + ': num_values required')",
                          "        else:\n            size = 2 * size")
    assert check != CHECK
    loud = _loud(check)
    assert any("Net.__init__" in t for t in loud), loud
