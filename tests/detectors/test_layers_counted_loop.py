"""A network written out layer by layer, rewritten as a counted loop: the same layers at the default.

Real shape (CORL's CQL critic): `nn.Sequential(Linear, ReLU, Linear, ReLU, Linear, ReLU, Linear)`
became `layers = [Linear, ReLU]; for _ in range(n_hidden_layers - 1): layers += [Linear, ReLU]` with
`n_hidden_layers: int = 3`, the same network at the default, and was "Nonlinearity changed: relu ->
-" (significant, the first finding of the range)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
from torch import nn


class QNet(nn.Module):
    def __init__(self, obs_dim, act_dim, ortho=False):
        super().__init__()
        self.ortho = ortho
        self.network = nn.Sequential(
            nn.Linear(obs_dim + act_dim, 256),
            nn.ReLU(),
            nn.Linear(256, 256),
            nn.ReLU(),
            nn.Linear(256, 256),
            nn.ReLU(),
            nn.Linear(256, 1),
        )

    def forward(self, x):
        return self.network(x)
"""

CAND = """
from torch import nn


class QNet(nn.Module):
    def __init__(self, obs_dim, act_dim, ortho=False, n_hidden_layers: int = DEPTH):
        super().__init__()
        self.ortho = ortho
        layers = [
            nn.Linear(obs_dim + act_dim, 256),
            nn.ReLU(),
        ]
        for _ in ITER:
            layers.append(nn.Linear(256, 256))
            layers.append(nn.ReLU())
        layers.append(nn.Linear(256, 1))
        self.network = nn.Sequential(*layers)

    def forward(self, x):
        return self.network(x)
"""


def _titles(depth: str, iterable: str = "range(n_hidden_layers - 1)") -> list[str]:
    cand = CAND.replace("DEPTH", depth).replace("ITER", iterable)
    result = run_on({"net.py": BASE}, {"net.py": cand}, only={"layers"})
    return [f.title for f in result.findings]


def test_loop_building_the_same_layers_at_the_default_is_no_change() -> None:
    assert _titles("3") == []
    assert _titles("7", "range(1, n_hidden_layers // 2)") == []  # range(1, 3): two hidden blocks, as the baseline


def test_loop_building_another_depth_at_the_default_is_a_change() -> None:
    titles = _titles("4")
    assert titles and all(t.startswith("Nonlinearity changed: - -> relu") or t.startswith("Layer changed") for t in titles)


def test_loop_whose_count_does_not_evaluate_counts_once() -> None:
    """`for _ in self.blocks:` or a count read from a config object: one layer per statement, as before."""
    assert _titles("3", "range(cfg.depth)") == ["Nonlinearity changed: relu -> -"]
