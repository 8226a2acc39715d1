"""Edits of a configuration loader that carry the same configuration.

Real shape (PufferLib 9aa817f7..d4d17e69, `demo.py:load_config`): `policy_args = env_module.Policy.keywords`
became `policy_args = pufferlib.utils.get_init_args(env_module.Policy)` (a helper only configuration code
calls), and the returned `(pkg_name, config, env_module, make_env, make_policy)` became `(wandb_name,
pkg_name, ...)` with the one caller unpacking `wandb_name, pkg, args, ... = load_config(parser)`. Both
were "Behavioural change in the optimizer path: `load_config`" (significant, #3 of the range). Negatives:
the same local fed from a helper training code also calls, a returned element replaced rather than one
added, and a caller that keeps the whole tuple.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.support import pair_index

UTILS = """
import functools
import inspect

def get_init_args(fn):
    if isinstance(fn, functools.partial):
        return fn.keywords
    sig = inspect.signature(fn)
    return {k: p.default for k, p in sig.parameters.items()}
"""

TRAIN = """
import functools
import torch
import utils

def make_policy(hidden=64):
    return torch.nn.Linear(4, hidden)

POLICY = functools.partial(make_policy, hidden=64)

def load_config(name):
    POLICY_ARGS
    config = {'policy': policy_args, 'lr': 0.001}
    RETURN

def main(x):
    CALL
    TRAINING_USE
    policy = make_policy(**cfg['policy'])
    opt = torch.optim.Adam(policy.parameters(), lr=cfg['lr'])
    loss = policy(x).sum()
    loss.backward()
    opt.step()
"""

BASE = {"POLICY_ARGS": "policy_args = POLICY.keywords", "RETURN": "return name, config",
        "CALL": "env, cfg = load_config('pong')", "TRAINING_USE": ""}


def _train(parts: dict[str, str]) -> str:
    text = TRAIN
    for k, v in parts.items():
        text = text.replace(k, v)
    return text


def _findings(**cand_parts: str) -> list[str]:
    base = {"utils.py": UTILS, "train.py": _train(BASE)}
    cand = {"utils.py": UTILS, "train.py": _train({**BASE, **cand_parts})}
    result = analyse(pair_index(base, cand), config_compared=True)
    return [f"{f.severity.value} {f.title}" for f in result.findings if "load_config" in f.title]


def test_a_local_fed_from_a_configuration_helper_instead_of_introspection_is_plumbing() -> None:
    assert _findings(POLICY_ARGS="policy_args = utils.get_init_args(POLICY)") == []


def test_the_same_local_fed_from_a_helper_training_code_calls_is_a_change() -> None:
    found = _findings(POLICY_ARGS="policy_args = utils.get_init_args(POLICY)",
                      TRAINING_USE="cfg['policy'].update(utils.get_init_args(make_policy))")
    assert found


def test_a_returned_tuple_that_gained_an_element_every_caller_unpacks_is_no_cause() -> None:
    assert _findings(RETURN="return name + '-run', name, config",
                     CALL="run_name, env, cfg = load_config('pong')") == []


def test_a_returned_element_replaced_is_a_change() -> None:
    assert _findings(RETURN="return name, {**config, 'lr': 0.01}")


def test_a_caller_keeping_the_whole_tuple_keeps_the_return_a_change() -> None:
    found = _findings(RETURN="return name + '-run', name, config",
                      CALL="out = load_config('pong'); env, cfg = out[0], out[2]")
    assert found
