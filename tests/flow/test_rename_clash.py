"""A rename is consistent only when the new name is bound to nothing else in the same scope: two
module-level aliases renamed to one name (`normal_entropy` and `bernoulli_entropy` both -> `entropy`)
make the second binding shadow the first for a lambda that reads the global at call time, so the
Gaussian's patched entropy calls the Bernoulli's. Each statement alone reads as a rename; before, the
pair was "consistent rename, no change" and the bug gave no finding."""

from __future__ import annotations

from tests.flow.support import flow_findings

DISTS = """
import torch

FixedNormal = torch.distributions.Normal
normal_entropy = FixedNormal.entropy
FixedNormal.entropy = lambda self: normal_entropy(self).sum(-1)

FixedBernoulli = torch.distributions.Bernoulli
bernoulli_entropy = FixedBernoulli.entropy
FixedBernoulli.entropy = lambda self: bernoulli_entropy(self).sum(-1)


class DiagGaussian(torch.nn.Module):
    def __init__(self, num_inputs, num_outputs):
        super().__init__()
        self.fc_mean = torch.nn.Linear(num_inputs, num_outputs)
        self.logstd = torch.nn.Parameter(torch.zeros(num_outputs))

    def forward(self, x):
        return FixedNormal(self.fc_mean(x), self.logstd.exp())
"""

ALGO = """
import torch


def update(dist_head, features, actions, advantages, optimizer, entropy_coef):
    dist = dist_head(features)
    log_probs = dist.log_prob(actions).sum(-1)
    dist_entropy = dist.entropy().mean()
    action_loss = -(advantages * log_probs).mean()
    optimizer.zero_grad()
    (action_loss - dist_entropy * entropy_coef).backward()
    optimizer.step()
"""


def _titles(cand: str) -> list[str]:
    assert cand != DISTS
    return [f.title for f in flow_findings({"distributions.py": DISTS, "algo.py": ALGO},
                                           {"distributions.py": cand, "algo.py": ALGO})]


def test_two_names_renamed_to_one_shadowing_name_are_a_change() -> None:
    cand = DISTS.replace("normal_entropy", "entropy").replace("bernoulli_entropy", "entropy")
    titles = _titles(cand)
    assert titles and any("distributions" in t or "<module>" in t for t in titles), titles


def test_one_name_renamed_consistently_is_still_no_change() -> None:
    assert not _titles(DISTS.replace("normal_entropy", "gaussian_entropy"))


def test_two_names_renamed_to_two_new_names_are_still_no_change() -> None:
    assert not _titles(DISTS.replace("normal_entropy", "entropy_n").replace("bernoulli_entropy", "entropy_b"))
