"""A helper used only by configuration loading computes configuration: its edits are plumbing.

Real shape (PufferLib 9aa817f7..d4d17e69): `get_init_args(fn)`, which reads a function's keyword
defaults for the `--help` of `load_config`, gained `if isinstance(fn, functools.partial): return
fn.keywords`, reported as "Behavioural change in the optimizer path". Negatives: the same helper also
called by training code, and an edit that calls more than introspection, stay changes."""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.support import pair_index

UTILS = """
import functools
import inspect

def get_init_args(fn):
    if fn is None:
        return {{}}
{extra}
    sig = inspect.signature(fn)
    return {{k: p.default for k, p in sig.parameters.items()}}
"""

TRAIN = """
import torch
import utils

def make_policy(hidden=64):
    return torch.nn.Linear(4, hidden)

def load_config():
    policy_args = utils.get_init_args(make_policy)
    return policy_args

def main(x):
    cfg = load_config()
{use}
    policy = make_policy(**cfg)
    opt = torch.optim.Adam(policy.parameters())
    loss = policy(x).sum()
    loss.backward()
    opt.step()
"""

PARTIAL = "    if isinstance(fn, functools.partial):\n        return fn.keywords\n"


def _run(extra: str, use: str = ""):
    base = {"utils.py": UTILS.format(extra=""), "train.py": TRAIN.format(use=use)}
    cand = {"utils.py": UTILS.format(extra=extra), "train.py": TRAIN.format(use=use)}
    return analyse(pair_index(base, cand), config_compared=True)


def test_an_edit_of_a_helper_only_configuration_loading_calls_is_plumbing() -> None:
    result = _run(PARTIAL)
    assert [f.title for f in result.findings] == []
    assert any("Configuration plumbing" in n.title and "get_init_args" in n.title for n in result.no_effect)


def test_the_helper_also_called_by_training_code_is_a_change() -> None:
    result = _run(PARTIAL, use="    cfg.update(utils.get_init_args(make_policy))")
    assert any("get_init_args" in f.title for f in result.findings)


def test_an_edit_that_builds_something_is_a_change() -> None:
    result = _run("    if isinstance(fn, functools.partial):\n        return fn.func(**fn.keywords).defaults()\n")
    assert any("get_init_args" in f.title for f in result.findings)
