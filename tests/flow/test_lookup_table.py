"""A selection by key is one lookup, written as an `if/elif` chain or as a literal table.

Real shape (rsl_rl fp20 d38a378b..c49573e4): `Distillation.__init__` turned `if loss_type == "mse":
self.loss_fn = F.mse_loss elif loss_type == "huber": ... else: raise ValueError(...)` into
`loss_fn_dict = {...}; if loss_type in loss_fn_dict: self.loss_fn = loss_fn_dict[loss_type] else: raise`,
and the finding led with that rewrite while the edit that matters in the same constructor, the
optimizer built over `self.policy.parameters()` instead of `self.policy.student.parameters()`, came
third. Negatives: another function in the table, a chain without the raise (an unknown key keeps the
old value there, the table raises).
"""

from __future__ import annotations

from tests.flow.support import flow_findings

CHAIN = """
        if loss_type == "mse":
            self.loss_fn = nn.functional.mse_loss
        elif loss_type == "huber":
            self.loss_fn = nn.functional.huber_loss
        else:
            raise ValueError(f"Unknown loss type: {loss_type}")
"""
TABLE = """
        loss_fn_dict = {{"huber": nn.functional.huber_loss, "mse": {mse}}}
        if loss_type in loss_fn_dict:
            self.loss_fn = loss_fn_dict[loss_type]
        else:
            raise ValueError(f"Unknown loss type: {{loss_type}}. Supported: {{list(loss_fn_dict)}}")
"""
DISTILL = """
import torch
import torch.nn as nn


class Distillation:
    def __init__(self, policy, learning_rate=1e-3, loss_type="mse"):
        self.policy = policy
        self.optimizer = torch.optim.Adam({params}, lr=learning_rate)
{select}
    def update(self, obs, teacher_actions):
        actions = self.policy.act(obs)
        loss = self.loss_fn(actions, teacher_actions)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
"""
RUN = """
from distill import Distillation


def train(policy, data):
    algo = Distillation(policy)
    for obs, teacher_actions in data:
        algo.update(obs, teacher_actions)
"""
STUDENT = "self.policy.student.parameters()"


def _init(base_select: str, cand_select: str, params: str = STUDENT) -> list:
    base = {"distill.py": DISTILL.format(params=STUDENT, select=base_select), "run.py": RUN}
    cand = {**base, "distill.py": DISTILL.format(params=params, select=cand_select)}
    return [f for f in flow_findings(base, cand) if "__init__" in f.title]


def test_a_chain_rewritten_as_a_table_is_no_change() -> None:
    assert _init(CHAIN, TABLE.format(mse="nn.functional.mse_loss")) == []


def test_the_edit_beside_the_rewrite_is_what_is_described() -> None:
    found = _init(CHAIN, TABLE.format(mse="nn.functional.mse_loss"), "self.policy.parameters()")
    assert found and "(1 statements)" not in found[0].title, [f.title for f in found]
    summary = found[0].evidence[0].summary
    assert "self.policy.parameters()" in summary and "loss_fn" not in summary, summary


def test_another_function_in_the_table_is_a_change() -> None:
    found = _init(CHAIN, TABLE.format(mse="nn.functional.smooth_l1_loss"))
    assert found and found[0].severity.value == "significant", [f.title for f in found]
    assert "loss_fn_dict" in found[0].evidence[0].summary


def test_a_chain_without_the_raise_is_not_the_table() -> None:
    open_chain = CHAIN.replace('        else:\n            raise ValueError(f"Unknown loss type: {loss_type}")\n', "")
    assert _init(open_chain, TABLE.format(mse="nn.functional.mse_loss"))
