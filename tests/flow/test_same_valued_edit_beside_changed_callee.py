"""A statement rewritten into an equivalent form is not the change of a function whose effect differs
because a callee changed.

Real shape (d3rlpy v2.3.0..v2.4.0): `BEARImpl._compute_mmd_loss` rewrote `alpha = self._modules.log_alpha().exp()`
as `get_parameter(self._modules.log_alpha).exp()` (the same tensor) and returns `(alpha * (mmd - threshold)).mean()`
with `mmd = self._compute_mmd(obs_t)`, a callee whose VAE sampling changed in the same release. The returned
loss differs, and the only changed statement feeding it, the accessor rewrite, was reported as the loss-path
change (significant, #3 of the range); the callee's own pair reports what changed.
Negatives: a rewrite that changes the value is still the function's change; the callee's change is still
reported."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
import torch


def exp_of(t):
    return t.exp()


class BEAR:
    def __init__(self, policy, imitator, threshold=0.05, sigma=20.0):
        self.policy = policy
        self.imitator = imitator
        self.log_alpha = torch.nn.Parameter(torch.zeros(1))
        self.alpha_optim = torch.optim.Adam([self.log_alpha], lr=1e-3)
        self.threshold = threshold
        self.sigma = sigma

    def _compute_mmd(self, obs):
        behavior = self.imitator.sample(obs)
        actions = self.policy.sample(obs)
        return torch.exp(-((behavior - actions) ** 2).sum(-1) / (2.0 * self.sigma)).mean()

    def _compute_mmd_loss(self, obs):
        mmd = self._compute_mmd(obs)
        alpha = self.log_alpha.exp()
        return (alpha * (mmd - self.threshold)).mean()

    def update_alpha(self, obs):
        loss = -self._compute_mmd_loss(obs)
        self.alpha_optim.zero_grad()
        loss.backward()
        self.alpha_optim.step()


def train(policy, imitator, batches):
    algo = BEAR(policy, imitator)
    for batch in batches:
        algo.update_alpha(batch.obs)
"""

CALLEE_CHANGED = BASE.replace("(2.0 * self.sigma)", "(self.sigma ** 2)")


def _loud(cand: str) -> list[str]:
    found = flow_findings({"bear.py": BASE}, {"bear.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_an_equivalent_rewrite_is_not_blamed_for_a_callee_change() -> None:
    cand = CALLEE_CHANGED.replace("alpha = self.log_alpha.exp()", "alpha = exp_of(self.log_alpha)")
    loud = _loud(cand)
    assert not any("_compute_mmd_loss" in t for t in loud), loud
    assert any("_compute_mmd`" in t for t in loud), loud


def test_a_rewrite_that_changes_the_value_is_still_the_change() -> None:
    cand = CALLEE_CHANGED.replace("alpha = self.log_alpha.exp()", "alpha = exp_of(self.log_alpha).clamp(0.0, 1e6)")
    loud = _loud(cand)
    assert any("_compute_mmd_loss" in t for t in loud), loud
