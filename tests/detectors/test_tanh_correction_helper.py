"""The tanh log-prob correction extracted into a helper that names it before subtracting it (real shape:
tianshou 1.2's `correct_log_prob_gaussian_tanh`: `log_prob_correction = torch.log(1 - y.pow(2) + eps).sum(...)`,
`return log_prob - log_prob_correction`) is the same correction, not "removed" (critical)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Policy:
    def forward(self, dist):
        act = dist.rsample()
        log_prob = dist.log_prob(act).unsqueeze(-1)
        squashed_action = torch.tanh(act)
        log_prob = log_prob - torch.log((1 - squashed_action.pow(2)) + self.eps).sum(-1, keepdim=True)
        return squashed_action, log_prob
"""

CAND = """
import torch


def correct_log_prob_gaussian_tanh(log_prob, tanh_squashed_action, eps=1e-6):
    log_prob_correction = torch.log(1 - tanh_squashed_action.pow(2) + eps).sum(-1, keepdim=True)
    return log_prob - log_prob_correction


class Policy:
    def forward(self, dist):
        act = dist.rsample()
        log_prob = dist.log_prob(act).unsqueeze(-1)
        squashed_action = torch.tanh(act)
        log_prob = correct_log_prob_gaussian_tanh(log_prob, squashed_action)
        return squashed_action, log_prob
"""


def _titles(base: str, cand: str) -> list[str]:
    return [f.title for f in run_on({"sac.py": base}, {"sac.py": cand}, only={"squashed_policy"}).findings]


def test_a_named_correction_in_a_helper_is_the_correction() -> None:
    assert _titles(BASE, CAND) == []


def test_a_helper_that_no_longer_subtracts_it_is_still_a_removal() -> None:
    cand = CAND.replace("return log_prob - log_prob_correction", "return log_prob")
    assert "Tanh-squashing log-prob correction removed" in _titles(BASE, cand)
