"""`terminated.logical_not()` is a done mask as much as `logical_not(terminated)` (real shape, skrl
1.4.3..2.0.0): the torch GAE's `np.logical_not(dones)` became `terminated.logical_not()`, and the
method form was not read as a mask: "Done masking removed from the return/advantage computation",
critical, for a recursion that still masks every step with its termination."""

from __future__ import annotations

import ast

from investigator.detectors.rules.done_mask import is_mask
from tests.detectors.helpers import run_on

GAE = """
import torch


def compute_gae(rewards, dones, values, next_values, gamma=0.99, lam=0.95):
    advantage = 0
    advantages = torch.zeros_like(rewards)
    not_dones = torch.logical_not(dones)
    for i in reversed(range(rewards.shape[0])):
        next_v = values[i + 1] if i < rewards.shape[0] - 1 else next_values
        advantage = rewards[i] - values[i] + gamma * not_dones[i] * (next_v + lam * advantage)
        advantages[i] = advantage
    return advantages + values, advantages
"""


def _mask_findings(cand: str) -> list:
    result = run_on({"gae.py": GAE}, {"gae.py": cand}, only={"done_mask"})
    return [f for f in result.findings if "mask" in f.title.lower()]


def test_method_form_of_the_same_mask_is_not_masking_removed() -> None:
    cand = GAE.replace("not_dones = torch.logical_not(dones)", "not_dones = dones.logical_not()")
    assert not any(f.severity.value == "critical" for f in _mask_findings(cand)), [f.title for f in _mask_findings(cand)]


def test_mask_really_removed_is_still_critical() -> None:
    cand = GAE.replace("gamma * not_dones[i] * (next_v", "gamma * (next_v")
    found = _mask_findings(cand)
    assert any(f.severity.value == "critical" and "removed" in f.title for f in found), [f.title for f in found]


def test_is_mask_reads_the_method_form_of_a_done_signal_only() -> None:
    def expr(text: str) -> ast.expr:
        return ast.parse(text, mode="eval").body

    assert is_mask(expr("terminated.logical_not()"))
    assert is_mask(expr("batch.dones.logical_not()"))
    assert not is_mask(expr("action_mask.logical_not()"))
    assert not is_mask(expr("valid.logical_not()"))
