"""A cast of a value that already has the type is the value (real shape: stable-baselines3 2.6 wrote
`int(len(space.nvec))` as `len(space.nvec)` in `get_obs_shape` / `get_action_dim`, read as two significant
"behavioural change in the sampling path" findings)."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import equivalent_form
from tests.flow.support import flow_findings


def _same(a: str, b: str) -> bool:
    return ast.dump(equivalent_form(ast.parse(a, mode="eval"))) == ast.dump(equivalent_form(ast.parse(b, mode="eval")))


def test_a_cast_of_a_value_of_that_type_is_the_value() -> None:
    assert _same("(int(len(space.nvec)),)", "(len(space.nvec),)")
    assert _same("int(int(x))", "int(x)")
    assert _same("float(float(x) * 2)", "float(x) * 2") is False  # the product of a float and 2 is cast: kept
    assert _same("float(float(x))", "float(x)")
    assert _same("str(str(x))", "str(x)")
    assert _same("int(round(x))", "round(x)")
    assert _same("bool(isinstance(x, int))", "isinstance(x, int)")
    assert _same("np.ones((b, e, int(self.action_space.n)))", "np.ones((b, e, self.action_space.n))")
    assert _same("int(num_envs)", "num_envs")
    assert _same("int(obs_dim)", "obs_dim")


def test_other_casts_stay() -> None:
    assert not _same("int(round(x, 2))", "round(x, 2)")  # round with digits returns a float
    assert not _same("int(x)", "x")
    assert not _same("int(len(x) / 2)", "len(x) / 2")
    assert not _same("float(len(x))", "len(x)")  # int -> float changes the type
    assert not _same("int(float(x))", "float(x)")
    assert not _same("int(len(x), 2)", "len(x)")  # not a plain cast
    assert not _same("int(step_size)", "step_size")  # not named as a count
    assert not _same("float(num_envs)", "num_envs")
    assert not _same("int(self.n * 0.5)", "self.n * 0.5")


BASE = """
    import torch


    def action_dim(space):
        return int(len(space.nvec))


    def update(policy, optimizer, batch, space):
        logits = policy(batch.obs).view(-1, action_dim(space))
        loss = -(logits.log_softmax(-1) * batch.onehot).sum(-1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def test_dropping_a_redundant_cast_is_no_finding() -> None:
    cand = BASE.replace("int(len(space.nvec))", "len(space.nvec)")
    assert flow_findings({"train.py": BASE}, {"train.py": cand}) == []


def test_a_real_change_next_to_it_is_still_found() -> None:
    cand = BASE.replace("int(len(space.nvec))", "len(space.nvec) - 1")
    assert len(flow_findings({"train.py": BASE}, {"train.py": cand})) == 1
