"""The same gradient clip written into both arms of a new branch is no clipping change.

Real shape (rl_games, between two commits of `a2c_continuous.py`): `if truncate_grads: unscale_;
clip_grad_norm_(self.model.parameters(), self.grad_norm)` became `if multi_gpu: ...; clip_grad_norm_(<the
same>) ... else: ...; clip_grad_norm_(<the same>)`, reported as "Gradient clipping call changed",
significant, the top finding of the range. Negatives: another norm or other parameters in one arm."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch.nn as nn


def train_step(self, loss):
    self.optimizer.zero_grad()
    loss.backward()
    if self.truncate_grads:
        nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
    self.optimizer.step()
"""

CAND = """
import torch.nn as nn


def train_step(self, loss):
    self.optimizer.zero_grad()
    loss.backward()
    if self.truncate_grads:
        if self.multi_gpu:
            self.optimizer.synchronize()
            nn.utils.clip_grad_norm_(self.model.parameters(), MULTI_NORM)
        else:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
    self.optimizer.step()
"""


def _titles(cand: str) -> list[str]:
    result = run_on({"learner.py": BASE}, {"learner.py": cand}, only={"grad_clip"})
    return [f.title for f in result.findings]


def test_the_same_clip_in_both_arms_is_no_change():
    assert _titles(CAND.replace("MULTI_NORM", "self.grad_norm")) == []


def test_another_norm_in_one_arm_is_a_change():
    titles = _titles(CAND.replace("MULTI_NORM", "0.5"))
    assert titles and "max norm changed" in titles[0], titles
