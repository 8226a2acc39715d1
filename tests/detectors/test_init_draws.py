"""`uniform_`/`normal_` drawing random samples into a fresh tensor are not initialisation.

Real shape (d3rlpy v2.2.0..v2.3.0): CQL's conservative loss drew its random actions with
`torch.zeros(shape).uniform_(-1.0, 1.0)`; moving that code was reported as "Initialisation call
removed". An init finding needs the in-place draw to target a parameter.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

CQL = """
import torch


class CQL:
    def __init__(self, q_func, n_samples, action_size):
        self.q_func = q_func
        self.n_samples = n_samples
        self.action_size = action_size

    def conservative_loss(self, obs):
        zero_tensor = torch.zeros((obs.shape[0] * self.n_samples, self.action_size))
        random_actions = zero_tensor.uniform_(-1.0, 1.0)
        values = self.q_func(obs, random_actions)
        return torch.logsumexp(values, dim=0).mean()


def train(cql, obs, optimizer):
    loss = cql.conservative_loss(obs)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

NET = """
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.fc = nn.Linear(obs_dim, 1)
        self.fc.weight.data.uniform_(-3e-3, 3e-3)

    def forward(self, x):
        return self.fc(x)
"""


def _init_titles(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    result = run_on(base, cand, only={"init_gain"})
    return [f.title for f in [*result.findings, *result.no_effect]]


def test_random_action_draw_removed_is_not_an_initialisation() -> None:
    cand = CQL.replace("        random_actions = zero_tensor.uniform_(-1.0, 1.0)\n",
                       "        random_actions = torch.rand_like(zero_tensor) * 2 - 1\n")
    assert _init_titles({"cql.py": CQL}, {"cql.py": cand}) == []


def test_draw_into_a_fresh_tensor_expression_is_not_an_initialisation() -> None:
    base = CQL.replace("zero_tensor.uniform_(-1.0, 1.0)", "torch.empty(4, 2).uniform_(-1.0, 1.0)")
    cand = CQL.replace("zero_tensor.uniform_(-1.0, 1.0)", "torch.empty(4, 2).normal_(0.0, 1.0)")
    assert _init_titles({"cql.py": base}, {"cql.py": cand}) == []


def test_parameter_draw_removed_is_still_an_initialisation() -> None:
    cand = NET.replace("        self.fc.weight.data.uniform_(-3e-3, 3e-3)\n", "")
    assert _init_titles({"net.py": NET}, {"net.py": cand}) == ["Initialisation call removed"]


def test_parameter_draw_range_changed_is_reported() -> None:
    cand = NET.replace("uniform_(-3e-3, 3e-3)", "uniform_(-3e-1, 3e-1)")
    titles = _init_titles({"net.py": NET}, {"net.py": cand})
    assert titles and titles[0].startswith("Initialisation changed")
