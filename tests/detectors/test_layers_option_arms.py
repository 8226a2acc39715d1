"""A layer stack moved into the default arm of a new option's `if`/`else`, the other arm building its own copy of
the same nonlinearity, builds one copy per run as before.

Real shape (FastTD3 51c55d4a..229ed59b, fast_td3/fast_td3.py:270-283): the actor's
`self.fc_mu = nn.Sequential(nn.Linear(hidden_dim // 4, n_act), nn.Tanh())` moved into the `else:` of a new
`if sim_type in ["sim_both", "sim_actor"]:` (default `sim_type=""`) whose body builds
`nn.Sequential(nn.Linear(seq_len * sim_dimension, n_act), nn.Tanh())`: read as "Nonlinearity changed: - -> tanh"
(significant, #1 of its range). Negatives: a real edit inside the moved block (the default arm's Tanh -> ReLU, or
a second Tanh stacked in it) is still reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch.nn as nn


class Actor(nn.Module):
    def __init__(self, n_obs, n_act, hidden_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_obs, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, hidden_dim // 4),
            nn.ReLU(),
        )
        self.fc_mu = nn.Sequential(
            nn.Linear(hidden_dim // 4, n_act),
            nn.Tanh(),
        )

    def forward(self, obs):
        return self.fc_mu(self.net(obs))
"""

CAND = """
import torch.nn as nn


class Actor(nn.Module):
    def __init__(self, n_obs, n_act, hidden_dim, sim_type="", seq_len=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_obs, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, hidden_dim // 4),
            nn.ReLU(),
        )
        if sim_type in ["sim_both", "sim_actor"]:
            self.fc_mu = nn.Sequential(
                nn.Linear(hidden_dim // 4 * seq_len, n_act),
                nn.Tanh(),
            )
        else:
            self.fc_mu = nn.Sequential(
                nn.Linear(hidden_dim // 4, n_act),
                {default}
            )

    def forward(self, obs):
        return self.fc_mu(self.net(obs))
"""


def _loud(default: str = "nn.Tanh(),") -> list[str]:
    result = run_on({"model.py": BASE}, {"model.py": CAND.replace("{default}", default)}, only={"layers"})
    return [f"{f.severity.value}: {f.title}" for f in result.findings if f.severity.value in ("critical", "significant")]


def test_same_nonlinearity_in_both_arms_of_a_new_option_is_no_change() -> None:
    assert not any("Nonlinearity" in t for t in _loud()), _loud()


def test_default_arm_nonlinearity_changed_is_still_reported() -> None:
    found = _loud("nn.ReLU(),")
    assert any("Nonlinearity changed" in t for t in found), found


def test_default_arm_stacking_a_second_tanh_is_still_reported() -> None:
    found = _loud("nn.Tanh(),\n                nn.Tanh(),")
    assert any("Nonlinearity changed: - -> tanh" in t for t in found), found
