"""A numeric constant hoisted to module level reads as the value it replaced.

Real shape (skrl 1.4.3..2.0.0, JAX Gaussian model): `_entropy(scale)` returned
`0.5 + 0.5 * jnp.log(2 * jnp.pi) + jnp.log(scale)`; 2.0 returns `HALF_LOG_2_PI_PLUS + jnp.log(scale)`
with `HALF_LOG_2_PI_PLUS = 0.5 + 0.5 * math.log(2 * math.pi)` at module level: "Behavioural change in
the loss path: `_entropy`", significant. A constant with another value is still a change."""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

TRAIN = '''

def update(policy, optimizer, obs, actions, advantages):
    log_prob, scale = policy(obs, actions)
    loss = -(log_prob * advantages).mean() - 0.01 * entropy(scale).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''

BASE = '''
import torch


def entropy(scale):
    return 0.5 + 0.5 * torch.log(2 * torch.pi) + torch.log(scale)
''' + TRAIN

CAND = '''
import math

import torch

CONSTANT = VALUE


def entropy(scale):
    return CONSTANT + torch.log(scale)
''' + TRAIN


def _entropy_findings(value: str) -> list[str]:
    result = analyse(_index({"gaussian.py": BASE}, {"gaussian.py": CAND.replace("VALUE", value)}))
    return [f.title for f in result.findings if "entropy" in f.title]


def test_a_hoisted_constant_with_the_same_value_is_no_change():
    assert _entropy_findings("0.5 + 0.5 * math.log(2 * math.pi)") == []


def test_a_hoisted_constant_with_another_value_is_a_change():
    assert _entropy_findings("0.5 * math.log(2 * math.pi)")
