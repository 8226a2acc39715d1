"""A reshape whose explicit size became `-1`: the same tensor wherever both commits run.

Real shape (d3rlpy v1.1.1 -> v2.0.2, two significant "loss path" findings at the top of the range once
the dataclass refactor was recognised): CQL's `policy_values.view(self._n_critics, obs_shape[0],
self._n_action_samples)` -> `policy_values.view(-1, obs_shape[0], self._n_action_samples)`.
Negatives: another size changed beside the `-1`, a second `-1` (ambiguous), an explicit size replaced
by another explicit one.
"""

from __future__ import annotations

import pytest

from investigator.flow.inferred import same_but_inferred
from investigator.models import Severity
from tests.flow.support import flow_result

CQL = '''
import torch


class CQL:
    def __init__(self, q_func, n_critics, n_samples):
        self._q_func = q_func
        self._n_critics = n_critics
        self._n_samples = n_samples
        self._optim = torch.optim.Adam(q_func.parameters(), lr=3e-4)

    def _random_values(self, obs):
        repeated = obs.expand(self._n_samples, *obs.shape).transpose(0, 1)
        values = self._q_func(repeated.reshape(-1, obs.shape[-1]))
        values = values.view({dims})
        return values.logsumexp(dim=2)

    def update(self, obs):
        loss = self._random_values(obs).mean()
        self._optim.zero_grad()
        loss.backward()
        self._optim.step()


def train(q_func, data):
    algo = CQL(q_func, 2, 10)
    for obs in data:
        algo.update(obs)


if __name__ == "__main__":
    train(torch.nn.Linear(3, 2), [])
'''

BASE_DIMS = "self._n_critics, obs.shape[0], self._n_samples"


def _findings(dims: str):
    result = flow_result({"cql.py": CQL.replace("{dims}", BASE_DIMS)}, {"cql.py": CQL.replace("{dims}", dims)})
    return [f for f in result.findings if "_random_values" in f.title]


@pytest.mark.parametrize("dims", ["-1, obs.shape[0], self._n_samples", "self._n_critics, -1, self._n_samples",
                                  "(-1, obs.shape[0], self._n_samples)"])
def test_an_explicit_size_replaced_by_an_inferred_one_is_no_change(dims: str) -> None:
    found = _findings(dims)
    assert not found, [(f.title, f.severity) for f in found]


@pytest.mark.parametrize("dims", ["-1, obs.shape[0] // 2, self._n_samples", "-1, -1, self._n_samples",
                                  "2, obs.shape[0], self._n_samples"])
def test_another_size_changed_or_two_inferred_sizes_stay_a_change(dims: str) -> None:
    found = _findings(dims)
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def test_the_effect_comparison_needs_the_same_guard_and_kind() -> None:
    assert same_but_inferred("if a :: call x.view(n, 3)", "if a :: call x.view(-1, 3)")
    assert not same_but_inferred("if a :: call x.view(n, 3)", "if b :: call x.view(-1, 3)")
    assert not same_but_inferred("if a :: call x.view(n, 3)", "if a :: check x.view(-1, 3)")
    assert same_but_inferred(" :: store self.v y.reshape(n, k) + 1", " :: store self.v y.reshape(n, -1) + 1")
    assert not same_but_inferred(" :: store self.v y.reshape(n, k) + 1", " :: store self.v y.reshape(n, -1) + 2")
    assert not same_but_inferred(" :: call y.permute(n, k)", " :: call y.permute(n, -1)")
