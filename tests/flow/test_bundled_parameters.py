"""Separate tensor parameters bundled into one batch object (flow/bundled.py).

Real shape (d3rlpy v1.1.1 -> v2.0.2, `BCBaseImpl.update_imitator`, significant "loss path" at the top of
the range once the dataclass refactor was recognised): `update_imitator(self, obs_t, act_t)` computing
`self.compute_loss(obs_t, act_t)` became `update_imitator(self, batch)` computing
`self.compute_loss(batch.observations, batch.actions)`. Negatives: a parameter read as a field that names
another tensor (`obs_t` -> `batch.next_observations`), a parameter read as two different fields.
"""

from __future__ import annotations

import ast

import pytest

from investigator.flow.bundled import bundled_parameters
from investigator.models import Severity
from tests.flow.support import flow_result

IMPL = '''
import torch


class BCImpl:
    def __init__(self, imitator):
        self._imitator = imitator
        self._optim = torch.optim.Adam(imitator.parameters(), lr=1e-3)

    def compute_loss(self, obs, act):
        return (self._imitator(obs) - act).pow(2).mean()

    def update_imitator(self, {params}):
        self._optim.zero_grad()
        loss = self.compute_loss({args})
        loss.backward()
        self._optim.step()
        return float(loss.detach())
'''

TRAIN = '''
from impl import BCImpl


def train(imitator, data):
    impl = BCImpl(imitator)
    for batch in data:
        impl.update_imitator({call})


if __name__ == "__main__":
    train(None, [])
'''


def _findings(args: str):
    base = {"impl.py": IMPL.replace("{params}", "obs_t, act_t").replace("{args}", "obs_t, act_t"),
            "train.py": TRAIN.replace("{call}", "batch.observations, batch.actions")}
    cand = {"impl.py": IMPL.replace("{params}", "batch").replace("{args}", args),
            "train.py": TRAIN.replace("{call}", "batch")}
    result = flow_result(base, cand)
    return [f for f in result.findings if "update_imitator" in f.title], result


def test_parameters_read_as_fields_of_one_batch_object_are_no_change() -> None:
    found, result = _findings("batch.observations, batch.actions")
    assert not found, [(f.title, f.severity) for f in found]
    assert any("bundled" in n.title and "`obs_t` -> `batch.observations`" in n.reason for n in result.no_effect)


@pytest.mark.parametrize("args", ["batch.next_observations, batch.actions", "batch.observations, batch.rewards",
                                  "batch.observations, batch.observations"])
def test_a_field_that_names_another_tensor_stays_a_change(args: str) -> None:
    found, _ = _findings(args)
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def _fn(text: str) -> ast.FunctionDef:
    node = ast.parse(text).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def test_one_mapping_for_every_use_and_names_that_agree() -> None:
    base = _fn("def f(self, obs_t, obs_tp1):\n    a = g(obs_t)\n    b = g(obs_tp1)\n")
    cand = _fn("def f(self, batch):\n    a = g(batch.observations)\n    b = g(batch.next_observations)\n")
    pairs = list(zip(base.body, cand.body, strict=True))
    assert bundled_parameters(base, cand, pairs) == {"obs_t": "batch.observations",
                                                     "obs_tp1": "batch.next_observations"}
    swapped = _fn("def f(self, batch):\n    a = g(batch.next_observations)\n    b = g(batch.observations)\n")
    assert bundled_parameters(base, swapped, list(zip(base.body, swapped.body, strict=True))) is None
    twice = _fn("def f(self, batch):\n    a = g(batch.observations)\n    b = g(batch.observations)\n")
    assert bundled_parameters(base, twice, list(zip(base.body, twice.body, strict=True))) is None
