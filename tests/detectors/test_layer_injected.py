"""A layer the baseline received through a constructor parameter and the candidate builds from the
same parameters is low, not "Layer changed: `-` -> ...".

Real shape (PufferLib 9aa817f7..d4d17e69): `RecurrentWrapper(env, policy, rnn, input_size=128, ...)`
stored `self.recurrent = rnn`, built by the script from `partial(torch.nn.LSTM, input_size=128,
hidden_size=128, num_layers=1)`; `LSTMWrapper(env, policy, input_size=128, ...)` builds
`self.recurrent = nn.LSTM(input_size, hidden_size, num_layers)`. Negatives: the baseline never built
that layer class (a GRU was passed in), and a layer built with a literal size."""

from __future__ import annotations

from tests.detectors.helpers import run_on

MODELS_BASE = """
import torch.nn as nn


class RecurrentWrapper(nn.Module):
    def __init__(self, env, policy, rnn, input_size=128, hidden_size=128, num_layers=1):
        super().__init__()
        self.policy = policy
        self.recurrent = rnn
"""

MODELS_CAND = """
import torch.nn as nn


class LSTMWrapper(nn.Module):
    def __init__(self, env, policy, input_size=128, hidden_size=128, num_layers=1):
        super().__init__()
        self.policy = policy
        self.recurrent = {built}
"""

ENV_BASE = """
from functools import partial

import torch

RNN = partial({layer}, input_size=128, hidden_size=128, num_layers=1)
"""

ENV_CAND = """
from functools import partial

import models

Recurrent = partial(models.LSTMWrapper, input_size=128, hidden_size=128, num_layers=1)
"""


def _findings(built: str = "nn.LSTM(input_size, hidden_size, num_layers)", layer: str = "torch.nn.LSTM"):
    base = {"models.py": MODELS_BASE, "env.py": ENV_BASE.format(layer=layer)}
    cand = {"models.py": MODELS_CAND.format(built=built), "env.py": ENV_CAND}
    return [(f.title, f.severity.value) for f in run_on(base, cand, only={"layers"}).findings]


def test_an_injected_layer_built_inside_from_the_same_parameters_is_low() -> None:
    found = _findings()
    assert found and all(s == "low" for _t, s in found), found


def test_a_layer_class_the_baseline_never_built_is_a_layer_change() -> None:
    found = _findings(layer="torch.nn.GRU")
    assert any(s == "significant" for _t, s in found), found


def test_a_layer_built_with_a_literal_size_is_a_layer_change() -> None:
    found = _findings(built="nn.LSTM(input_size, 256, num_layers)")
    assert any(s == "significant" for _t, s in found), found
