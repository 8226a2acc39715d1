"""Where a loop-carried name starts is part of what the loop computes.

Real shape (EfficientZero b7cb6293..468bb030, core/reanalyze_worker.py:353 `_prepare_reward_value`):
`horizon_id, value_index = 0, 0` before the loop over trajectories became `value_index = 0` there and
`horizon_id = 0` inside it, so the value-prefix reset every `lstm_horizon_len` steps restarts with each
trajectory. Inside the loops `horizon_id` is a symbol at both commits, so the comparison called it
"Restructured code, same effects" (a false verified-identical). Negatives: the same initialisation split
into two statements, still before the loop, is no change."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse

BASE = """
import torch


def targets(trajs, horizon, unroll):
    out = []
    horizon_id, value_index = 0, 0
    for rewards, start in trajs:
        prefixes = []
        value_prefix = 0.0
        for t in range(start, start + unroll):
            if horizon_id % horizon == 0:
                value_prefix = 0.0
            horizon_id += 1
            value_prefix += rewards[t]
            prefixes.append(value_prefix)
            value_index += 1
        out.append(prefixes)
    return out


def train(model, trajs, optimizer):
    prefixes = targets(trajs, 5, 5)
    loss = ((model(trajs) - prefixes) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""

RUN = "from learner import train\ntrain(None, None, None)\n"


def _result(cand: str):
    b = MemoryTree({"learner.py": textwrap.dedent(BASE).lstrip(), "run_all.py": RUN})
    c = MemoryTree({"learner.py": textwrap.dedent(cand).lstrip(), "run_all.py": RUN})
    return analyse(build_pairs(b, c, diff_trees(b, c)))


def test_counter_reset_moved_into_the_outer_loop_is_a_change() -> None:
    cand = BASE.replace("    horizon_id, value_index = 0, 0\n", "    value_index = 0\n").replace(
        "        value_prefix = 0.0\n        for t", "        horizon_id = 0\n        value_prefix = 0.0\n        for t")
    result = _result(cand)
    assert any("targets" in f.title for f in result.findings), [f.title for f in result.findings]
    assert not any(n.title.startswith("Restructured code") for n in result.no_effect)


def test_counter_start_changed_is_a_change() -> None:
    result = _result(BASE.replace("horizon_id, value_index = 0, 0", "horizon_id, value_index = 1, 0"))
    assert any("targets" in f.title for f in result.findings), [f.title for f in result.findings]


def test_initialisation_split_before_the_loop_is_no_change() -> None:
    result = _result(BASE.replace("    horizon_id, value_index = 0, 0\n", "    horizon_id = 0\n    value_index = 0\n"))
    assert not any("targets" in f.title for f in result.findings), [f.title for f in result.findings]


LOSS = """
import torch
from torch.autograd import Variable


def backward(model, rollout, optimizer):
    policy_loss = {start}
    for i in range(len(rollout)):
        policy_loss = policy_loss - model(rollout[i]).sum()
    optimizer.zero_grad()
    policy_loss.backward()
    optimizer.step()
"""


def _loss(start: str):
    b = MemoryTree({"learner.py": LOSS.format(start="Variable(torch.zeros(1, 1))"),
                    "run_all.py": "from learner import backward\nbackward(None, None, None)\n"})
    c = MemoryTree({"learner.py": LOSS.format(start=start),
                    "run_all.py": "from learner import backward\nbackward(None, None, None)\n"})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_accumulator_zero_spelled_otherwise_is_no_change() -> None:
    # pytorch-rl b9b87d89..8f953c0a `A3CLearner._backward`: `Variable(torch.zeros(1, 1))` -> `0.` before the loop
    assert _loss("0.") == []


def test_accumulator_started_elsewhere_is_a_change() -> None:
    titles = _loss("torch.ones(1, 1)")
    assert any("backward" in t for t in titles), titles
