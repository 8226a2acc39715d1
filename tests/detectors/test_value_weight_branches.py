"""The same value-loss weight written in fewer branches is no weight change.

Real shape (rl_games `a2c_continuous.py` / `a2c_discrete.py`, two ranges): the critic loss was chosen by
`if use_experimental_cv: c_loss = critic_loss(...) else: if has_central_value: c_loss = zeros(1) else:
c_loss = critic_loss(...)` and became `if has_value_loss: c_loss = critic_loss(...) else: c_loss =
zeros(1)`, with `loss = a_loss + 0.5 * c_loss * critic_coef` unchanged. The baseline wrote the critic loss
twice, the candidate once: counted as a multiset, one `1 * value_loss` was "removed" and reported as
"Value-loss weight changed", significant, the top finding of both ranges. Which case runs the critic
loss changed (the flag that decides it is new), which the behavioural-change analysis reports on the
loss path; the weight did not. Negative: a weight that really changes in one branch is still reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

LOSSES = """
import torch


def critic_loss(old_values, values, clip, returns):
    value_loss = (values - returns) ** 2
    return value_loss
"""

BASE = """
import torch
from losses import critic_loss


def calc_gradients(self, old_values, values, returns, a_loss):
    if self.use_experimental_cv:
        c_loss = critic_loss(old_values, values, self.e_clip, returns)
    else:
        if self.has_central_value:
            c_loss = torch.zeros(1)
        else:
            c_loss = critic_loss(old_values, values, self.e_clip, returns)
    loss = a_loss + 0.5 * c_loss * self.critic_coef
    loss.backward()
    self.optimizer.step()
"""

CAND = """
import torch
from losses import critic_loss


def calc_gradients(self, old_values, values, returns, a_loss):
    if self.has_value_loss:
        c_loss = critic_loss(old_values, values, self.e_clip, returns)
    else:
        c_loss = torch.zeros(1)
    loss = a_loss + 0.5 * c_loss * self.critic_coef
    loss.backward()
    self.optimizer.step()
"""


def _titles(cand: str) -> list[str]:
    result = run_on({"agent.py": BASE, "losses.py": LOSSES}, {"agent.py": cand, "losses.py": LOSSES},
                    only={"value_clip"})
    return [f.title for f in result.findings]


def test_the_same_weight_in_fewer_branches_is_no_weight_change():
    assert _titles(CAND) == []


def test_a_weight_changed_in_one_branch_is_reported():
    cand = CAND.replace("c_loss = critic_loss(old_values, values, self.e_clip, returns)",
                        "c_loss = 2.0 * critic_loss(old_values, values, self.e_clip, returns)")
    assert _titles(cand) == ["Value-loss weight changed"]


def test_a_changed_coefficient_is_reported():
    """The same regrouping with the coefficient of the total loss changed: the weight did change."""
    base, cand = BASE.replace("c_loss", "value_loss"), CAND.replace("c_loss", "value_loss")
    result = run_on({"agent.py": base, "losses.py": LOSSES},
                    {"agent.py": cand.replace("0.5 * value_loss", "0.25 * value_loss"), "losses.py": LOSSES},
                    only={"value_clip"})
    assert [f.title for f in result.findings] == ["Value-loss weight changed"]
    same = run_on({"agent.py": base, "losses.py": LOSSES}, {"agent.py": cand, "losses.py": LOSSES}, only={"value_clip"})
    assert same.findings == []
