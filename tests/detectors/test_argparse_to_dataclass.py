"""A script's argparse options turned into a configuration dataclass with the same defaults: no change.

Real shape (cleanrl, the tyro migration inside the held-out `cleanrl-sac-*` ranges): `args = parse_args()`
with `parser.add_argument("--learning-rate", type=float, default=2.5e-4)` in a helper became `args =
tyro.cli(Args)` with `learning_rate: float = 2.5e-4` in an `Args` dataclass. Only the dataclass's defaults
were known (detectors/configref.py), so `args.learning_rate` read `config[learning_rate]` at the baseline
and `config[learning_rate=0.00025]` at the candidate: "Optimizer changed" and "Gradient clipping max norm
changed" in every script, identical text on both sides, ranked above the range's real bug.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

ARGPARSE = """
import argparse

import torch.nn as nn
import torch.optim as optim


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=2.5e-4)
    parser.add_argument("--max-grad-norm", type=float, default=0.5)
    parser.add_argument("--anneal-lr", action="store_true")
    return parser.parse_args()


def train(agent, batches):
    args = parse_args()
    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
    for batch in batches:
        loss = agent.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
        optimizer.step()


if __name__ == "__main__":
    train(None, [])
"""

DATACLASS = """
import dataclasses

import torch.nn as nn
import torch.optim as optim
import tyro


@dataclasses.dataclass
class Args:
    learning_rate: float = {lr}
    max_grad_norm: float = {clip}
    anneal_lr: bool = False


def train(agent, batches):
    args = tyro.cli(Args)
    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
    for batch in batches:
        loss = agent.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
        optimizer.step()


if __name__ == "__main__":
    train(None, [])
"""


def _titles(lr: str = "2.5e-4", clip: str = "0.5") -> list[str]:
    result = run_on({"ppo.py": ARGPARSE}, {"ppo.py": DATACLASS.format(lr=lr, clip=clip)})
    return [f.title for f in result.findings]


def test_same_defaults_in_a_dataclass_are_no_optimizer_or_clipping_change() -> None:
    titles = _titles()
    assert not any("Optimizer changed" in t or "clipping" in t.lower() for t in titles), titles


def test_a_changed_default_is_still_a_change() -> None:
    assert any("Optimizer changed" in t for t in _titles(lr="1e-3"))
    assert any("clipping" in t.lower() for t in _titles(clip="1.0"))
