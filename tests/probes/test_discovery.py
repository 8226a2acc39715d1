"""Discovery of a GAE function without an adapter: static, precise, ambiguity gives nothing.

The shapes reproduce real projects: a CleanRL-style script, a buffer-prefixed signature with a
`tau` lambda, a dispatcher that calls module-level helpers, a done-at-this-step convention
(`terminated`, no next done), values carrying the bootstrap (`valids`, no next value)."""

from __future__ import annotations

from investigator.probes.discovery import discover, discover_functions

CLEANRL = '''\
import torch
import numpy as np

def compute_gae(rewards, values, dones, next_value, next_done, gamma, gae_lambda, num_steps=128):
    lastgaelam = 0
    advantages = torch.zeros_like(rewards)
    for t in reversed(range(rewards.shape[0])):
        nonterminal = 1.0 - (next_done if t == rewards.shape[0] - 1 else dones[t + 1])
        nextvalues = next_value if t == rewards.shape[0] - 1 else values[t + 1]
        delta = rewards[t] + gamma * nextvalues * nonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * gae_lambda * nonterminal * lastgaelam
    return advantages, advantages + values

envs = make_envs()
'''
PREFIXED = '''\
import torch

def _loop_gae(mb_rewards, mb_values, mb_dones, last_values, last_dones, gamma, tau):
    out = torch.zeros_like(mb_rewards)
    return out

def compute_gae(mb_rewards, mb_values, mb_dones, last_values, last_dones, gamma, tau):
    if USE_FAST:
        return _fast(mb_rewards)
    return _loop_gae(mb_rewards, mb_values, mb_dones, last_values, last_dones, gamma, tau)
'''
OTHER_CONVENTION = '''\
import torch

def compute_gae(*, rewards, terminated, values, next_values, discount_factor=0.99, lambda_coefficient=0.95):
    return rewards, rewards

def gae_advantages(rewards, dones, values, valids, gamma, lam):
    return rewards

def normalize_advantage(advantage):
    return advantage
'''
AMBIGUOUS_PARAMS = '''\
def compute_gae(rewards, values, dones, next_value, last_value, next_done, gamma, lam):
    return rewards
'''


def _run(files: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    d = discover(list(files), files.get)
    return d.functions, {c.where: c.reason for c in d.considered}


def test_cleanrl_script_function_is_found() -> None:
    found, reasons = _run({"rlproj/ppo.py": CLEANRL, "rlproj/utils.py": "def helper():\n    pass\n"})
    assert found == {"compute_advantages": "rlproj/ppo.py:compute_gae"}
    assert "map onto" in reasons["rlproj/ppo.py:compute_gae"]


def test_prefixed_names_and_tau_and_self_contained_private_helper() -> None:
    found, reasons = _run({"lib/gae.py": PREFIXED})
    assert found == {"compute_advantages": "lib/gae.py:_loop_gae"}  # the dispatcher needs module-level names
    assert "USE_FAST" in reasons["lib/gae.py:compute_gae"] and "_fast" in reasons["lib/gae.py:compute_gae"]


def test_other_conventions_are_rejected() -> None:
    found, reasons = _run({"algo/ppo.py": OTHER_CONVENTION})
    assert found == {}
    assert "terminated" in reasons["algo/ppo.py:compute_gae"]
    assert "valids" in reasons["algo/ppo.py:gae_advantages"]
    assert "advantage" in reasons["algo/ppo.py:normalize_advantage"]


def test_two_parameters_for_one_argument_is_rejected() -> None:
    found, reasons = _run({"a.py": AMBIGUOUS_PARAMS})
    assert found == {} and "both stand for next_value" in reasons["a.py:compute_gae"]


def test_several_qualifying_functions_give_nothing() -> None:
    found, reasons = _run({"a/ppo.py": CLEANRL, "b/ppo_atari.py": CLEANRL})
    assert found == {}
    assert all(r.startswith("ambiguous") for r in reasons.values())


def test_tests_benchmarks_and_unparsable_files_are_skipped() -> None:
    files = {"rlproj/ppo.py": CLEANRL, "tests/test_gae.py": CLEANRL, "benchmarks/bench_gae.py": CLEANRL,
             "rlproj/test_ppo.py": CLEANRL, "rlproj/broken.py": "def gae(:\n", "README.md": CLEANRL}
    assert discover_functions(list(files), files.get) == {"compute_advantages": "rlproj/ppo.py:compute_gae"}


def test_unreadable_files_and_missing_defaults() -> None:
    no_default = CLEANRL.replace("num_steps=128", "num_steps")
    assert discover_functions(["x.py"], lambda p: None) == {}
    found, reasons = _run({"x.py": no_default})
    assert found == {} and "num_steps has no canonical meaning" in reasons["x.py:compute_gae"]


def test_trees_already_parsed_are_read_not_parsed_again() -> None:
    """A commit's cached tree (`Snapshot.parsed_if_cached`) is used as it is, with the same result as a
    fresh parse; a path without one (or an unparsable one, cached as None) is parsed as before."""
    import ast
    from unittest import mock

    files = {"rlproj/ppo.py": CLEANRL, "lib/gae.py": PREFIXED, "rlproj/broken.py": "def gae(:\n"}
    plain = discover(list(files), files.get)
    trees = {"rlproj/ppo.py": ast.parse(CLEANRL)}
    with mock.patch("investigator.probes.discovery.ast.parse", wraps=ast.parse) as parse:
        cached = discover(list(files), files.get, trees.get)
    assert cached == plain
    assert sorted(c.args[0] for c in parse.call_args_list) == sorted([PREFIXED, "def gae(:\n"])
    assert discover_functions(list(files), files.get, trees.get) == discover_functions(list(files), files.get)
