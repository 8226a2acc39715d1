"""A new arm for an empty selector, before a chain whose fall-through raised, is a new case.

Real shape (skrl 0.9.1..0.10.0): `_get_activation_function(activation)` compared `activation` with
"relu", "tanh", ... and raised `ValueError` for anything else; 0.10 put `if not activation: return
torch.nn.Identity()` in front. An empty name raised at the baseline, so no working baseline run
took the new arm ("architecture path", significant). Negative: a chain whose fall-through returned a
default ran on for an empty name: the new arm changes those runs."""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

RESOLVER = '''
import torch.nn as nn


def get_activation(activation):
{arms}


def build_policy(sizes, activation):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers.append(nn.Linear(a, b))
        layers.append(get_activation(activation))
    return nn.Sequential(*layers)
'''
CHAIN = '''    if activation == "relu":
        return nn.ReLU()
    elif activation == "tanh":
        return nn.Tanh()
    else:
        {fallback}'''
FALSY = '''    if not activation:
        return nn.Identity()
    elif activation == "relu":
        return nn.ReLU()
    elif activation == "tanh":
        return nn.Tanh()
    else:
        {fallback}'''
TRAIN = '''
import torch

from models import build_policy


def train(obs, actions, activation):
    policy = build_policy([4, 64, 2], activation)
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-4)
    loss = ((policy(obs) - actions) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''


def _findings(fallback: str):
    base = {"models.py": RESOLVER.format(arms=CHAIN.format(fallback=fallback)), "train.py": TRAIN}
    cand = {**base, "models.py": RESOLVER.format(arms=FALSY.format(fallback=fallback))}
    result = analyse(_index(base, cand))
    return [f for f in result.findings if "get_activation" in f.title]


def test_an_arm_for_an_empty_name_that_raised_at_the_baseline_is_a_new_case():
    found = _findings('raise ValueError(f"Unknown activation {activation}")')
    assert len(found) == 1 and found[0].severity is Severity.low, [(f.title, f.severity) for f in found]
    assert "new case" in found[0].rationale, found[0].rationale


def test_an_arm_for_an_empty_name_that_ran_on_keeps_the_severity():
    found = _findings("return nn.ReLU()")
    assert found and found[0].severity is not Severity.low, [(f.title, f.severity) for f in found]
