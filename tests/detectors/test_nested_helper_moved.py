"""A helper nested in the training step, moved to module level, is the same computation.

Real shape (skrl 1.4.3..2.0.0, every on-policy agent): `compute_gae` was a function defined inside
`PPO._update` and called there; it moved to module level, called from `PPO.update`. The detectors walk a
callee's code where it is called, but a call of a nested function was resolved to nothing (only module
functions were looked up), so the baseline's walk of `post_interaction` missed the helper's
normalisation and done masking and the candidate's found them: "Advantage normalisation added",
"Done masking added", "Time indexing changed", "Returns/value target changed" (significant, 16-24 places
each). A call of a name defined in the function or an enclosing function now runs that definition
(Python's scoping). Negative: the normalisation really removed in the moved helper is still reported.
"""

from __future__ import annotations

from investigator.detectors.base import DetectorContext
from investigator.detectors.rules.adv_norm import AdvNormDetector
from investigator.detectors.rules.done_mask import DoneMaskDetector
from tests.flow.support import pair_index

GAE = '''
def compute_gae(rewards, dones, values, next_values, gamma=0.99, lam=0.95):
    advantage = 0
    advantages = torch.zeros_like(rewards)
    not_dones = dones.logical_not()
    for i in reversed(range(rewards.shape[0])):
        nv = values[i + 1] if i < rewards.shape[0] - 1 else next_values
        advantage = rewards[i] - values[i] + gamma * not_dones[i] * (nv + lam * advantage)
        advantages[i] = advantage
    returns = advantages + values
    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    return returns, advantages
'''
BASE = '''
import torch


class PPO:
    def post_interaction(self):
        self._update()

    def _update(self):
''' + "\n".join("        " + line if line else line for line in GAE.strip("\n").split("\n")) + '''

        returns, advantages = compute_gae(self.rewards, self.dones, self.values, self.last)
        for batch in self.batches:
            loss = -(advantages * self.policy(batch)).mean() + (returns - self.value(batch)).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''
CAND = '''
import torch

''' + GAE + '''

class PPO:
    def post_interaction(self):
        self.update()

    def update(self):
        returns, advantages = compute_gae(self.rewards, self.dones, self.values, self.last)
        for batch in self.batches:
            loss = -(advantages * self.policy(batch)).mean() + (returns - self.value(batch)).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''


def _caller_hits(cand: str) -> list[str]:
    idx = pair_index({"ppo.py": BASE}, {"ppo.py": cand})
    ctx = DetectorContext(idx)
    pair = next(p for p in idx.pairs if p.cand is not None and p.cand.qualname == "PPO.post_interaction")
    return [h.title for d in (AdvNormDetector(), DoneMaskDetector()) for h in d.check_pair(pair, ctx)]


def test_a_nested_helper_moved_to_module_level_is_walked_at_both_commits():
    assert _caller_hits(CAND) == []


def test_a_normalisation_removed_from_the_moved_helper_is_still_reported():
    cand = CAND.replace("    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)\n", "")
    assert "Advantage normalisation removed" in _caller_hits(cand)
