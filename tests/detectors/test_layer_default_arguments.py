"""A torch.nn layer whose explicit argument equals the parameter's default (or that is passed by position instead of
keyword) is the same layer.

Real shape (pytorch-rl b9b87d89..8f953c0a, precision held-out 11, `core/models/a3c_mlp_con.py:38` and
`core/models/a3c_cnn_dis.py:27`): `nn.LSTMCell(self.hidden_dim, self.hidden_dim, 1)` -> `nn.LSTMCell(self.hidden_dim,
self.hidden_dim)`; the third parameter is `bias`, default True, so `1` builds the same cell. Both were "Layer changed",
significant. The signatures are data generated from torch's (detectors/libsignatures.py). Negatives: a different
value (`bias=False`, the default's opposite) or another size is still a changed layer.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

MODEL = """
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self, obs_dim, hidden_dim, n_actions):
        super().__init__()
        self.fc = nn.Linear(obs_dim, hidden_dim)
        self.lstm = {cell}
        self.head = nn.Linear(hidden_dim, n_actions)

    def forward(self, x, hx, cx):
        x = self.fc(x).relu()
        hx, cx = self.lstm(x, (hx, cx))
        return self.head(hx), (hx, cx)
"""


def _titles(base_cell: str, cand_cell: str) -> list[str]:
    found = run_on({"model.py": MODEL.format(cell=base_cell)}, {"model.py": MODEL.format(cell=cand_cell)},
                   only={"layers"}).findings
    return [f.title for f in found]


def test_a_default_valued_argument_dropped_is_the_same_layer() -> None:
    assert _titles("nn.LSTMCell(hidden_dim, hidden_dim, 1)", "nn.LSTMCell(hidden_dim, hidden_dim)") == []
    assert _titles("nn.LSTMCell(hidden_dim, hidden_dim)", "nn.LSTMCell(hidden_dim, hidden_dim, bias=True)") == []
    assert _titles("nn.LSTMCell(input_size=hidden_dim, hidden_size=hidden_dim)",
                   "nn.LSTMCell(hidden_dim, hidden_dim)") == []


def test_a_non_default_value_or_another_size_is_still_a_change() -> None:
    assert any("Layer changed" in t for t in _titles("nn.LSTMCell(hidden_dim, hidden_dim, 1)",
                                                     "nn.LSTMCell(hidden_dim, hidden_dim, 0)"))
    assert any("Layer changed" in t for t in _titles("nn.LSTMCell(hidden_dim, hidden_dim)",
                                                     "nn.LSTMCell(hidden_dim, hidden_dim, bias=False)"))
    assert any("Layer changed" in t for t in _titles("nn.LSTMCell(hidden_dim, hidden_dim, 1)",
                                                     "nn.LSTMCell(hidden_dim, 2 * hidden_dim)"))
