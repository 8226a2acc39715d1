"""A branch on a parameter the function gained, around the baseline's unchanged code, taken by the
parameter's default: every call the baseline made passes no such argument, so it computes what it did.
Real shape (rsl_rl): `RolloutStorage.compute_returns(..., normalize_advantage: bool = True)` wrapped the
advantage normalisation in `if normalize_advantage:`, and its new caller passes
`normalize_advantage=not self.normalize_advantage_per_mini_batch` (False by default): a significant
optimizer-path change once edited branch tests became causes (flow/symbolic.py `guard_stmts`), which
outranked a real GRU-reset bug in its range."""

from __future__ import annotations

from investigator.models import Severity
from tests.flow.support import flow_findings

STORAGE = """
import torch


class Storage:
    def __init__(self, n):
        self.returns = torch.zeros(n)
        self.values = torch.zeros(n)
        self.advantages = torch.zeros(n)

    def compute_returns(self, last_values, gamma, lam{param}):
        self.returns = self.values * gamma + last_values
        self.advantages = self.returns - self.values
{normalise}
    def policy_loss(self, log_prob):
        return (self.advantages * log_prob).mean()


def train(storage, policy, optimizer):
    storage.compute_returns(policy.value(), 0.99, 0.95)
    loss = storage.policy_loss(policy.log_prob())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


if __name__ == "__main__":
    train(Storage(8), None, None)
"""
PLAIN = "        self.advantages = (self.advantages - self.advantages.mean()) / (self.advantages.std() + 1e-8)\n"
GUARDED = "        if normalize_advantage:\n    " + PLAIN


def _storage(param: str, normalise: str) -> dict[str, str]:
    return {"storage.py": STORAGE.replace("{param}", param).replace("{normalise}", normalise)}


def test_a_new_parameter_whose_default_takes_the_baseline_code_is_low() -> None:
    found = flow_findings(_storage("", PLAIN), _storage(", normalize_advantage: bool = True", GUARDED))
    assert all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]


def test_a_new_parameter_whose_default_skips_the_baseline_code_is_still_significant() -> None:
    found = flow_findings(_storage("", PLAIN), _storage(", normalize_advantage: bool = False", GUARDED))
    assert any(f.severity is not Severity.low for f in found), [(f.title, f.severity) for f in found]


def test_a_guard_on_an_existing_parameter_is_not_this_rule() -> None:
    found = flow_findings(_storage(", normalize_advantage: bool = True", PLAIN),
                          _storage(", normalize_advantage: bool = True", GUARDED))
    assert any(f.severity is not Severity.low for f in found), [(f.title, f.severity) for f in found]


def test_a_new_parameter_a_new_caller_passes_is_judged_at_its_default() -> None:
    """The rsl_rl shape in full: the new caller passes the new keyword (decided by another option)."""
    cand = _storage(", normalize_advantage: bool = True", GUARDED)
    cand["storage.py"] = cand["storage.py"].replace(
        "storage.compute_returns(policy.value(), 0.99, 0.95)",
        "storage.compute_returns(policy.value(), 0.99, 0.95, normalize_advantage=not policy.per_minibatch)")
    found = flow_findings(_storage("", PLAIN), cand)
    assert not [f for f in found if "compute_returns" in f.title and f.severity is not Severity.low], \
        [(f.title, f.severity) for f in found]
