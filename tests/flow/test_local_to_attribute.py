"""A local of a constructor kept as an instance attribute instead (`device = ...` -> `self.device = ...`).

Real shape (PARL c5a4a771..02a99f68, precision held-out 10, N1): `MADDPG.__init__` of
parl/algorithms/torch/maddpg.py:72 went from `device = torch.device(...)`; `self.model = model.to(device)` to
`self.device = torch.device(...)`; `self.model = model.to(self.device)` so that the new `sample` method can place its
noise on the same device: the model lands where it did, yet it was "Behavioural change in the optimizer path:
`MADDPG.__init__` (2 statements)" (significant). Negatives: the attribute gets another value, and an attribute the
baseline module already used under that name (another variable, not a new home for the local)."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
import torch
from copy import deepcopy


class MADDPG:
    def __init__(self, model, lr):
        self.lr = lr{other}
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(device)
        self.target_model = deepcopy(model)
        self.optimizer = torch.optim.Adam(lr=self.lr, params=self.model.parameters())

    def learn(self, obs, act):
        q = self.model(obs, act)
        loss = torch.mean(-1.0 * q)
        self.optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 0.5)
        self.optimizer.step()
        return loss


def train(model, batches):
    alg = MADDPG(model, 1e-3)
    for obs, act in batches:
        alg.learn(obs, act)
"""


def _cand(value: str = '"cuda" if torch.cuda.is_available() else "cpu"', other: str = "") -> tuple[str, str]:
    base = BASE.format(other=other)
    cand = base.replace('        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")\n'
                        '        self.model = model.to(device)\n',
                        f'        self.device = torch.device({value})\n'
                        '        self.model = model.to(self.device)\n')
    assert cand != base
    return base, cand


def _loud(base: str, cand: str) -> list[str]:
    found = flow_findings({"maddpg.py": base}, {"maddpg.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_local_kept_as_a_new_attribute_changes_nothing() -> None:
    assert _loud(*_cand()) == []


def test_the_attribute_with_another_value_is_a_change() -> None:
    loud = _loud(*_cand(value='"cpu"'))
    assert any("MADDPG.__init__" in t for t in loud), loud


def test_an_attribute_the_module_already_had_is_another_variable() -> None:
    loud = _loud(*_cand(other='\n        self.device = "cpu"'))
    assert any("MADDPG.__init__" in t for t in loud), loud
