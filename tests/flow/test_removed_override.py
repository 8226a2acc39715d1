"""A method override removed from a class that stays: its objects now run the inherited method.

Real shape (SLM-Lab, held-out 4): `GumbelSoftmax(distributions.RelaxedOneHotCategorical)` lost its
straight-through `rsample` override, so SAC's `action_pd.rsample()` returned the library's relaxed samples.
The deleted method has no counterpart at the candidate, no statement pair was compared, and the range got no
finding at all. Not a change: an override that only forwarded to `super()`, one pulled up unchanged into a
project base class, a removed method nothing calls, and a whole class removed."""

from __future__ import annotations

from tests.flow.support import flow_result

DIST = """
import torch
import torch.nn.functional as F
from torch import distributions


class GumbelSoftmax(distributions.RelaxedOneHotCategorical):
    def sample(self, sample_shape=torch.Size()):
        u = torch.rand(self.logits.size())
        return torch.argmax(self.logits - torch.log(-torch.log(u)), dim=-1)
{override}
    def log_prob(self, value):
        return -torch.sum(-value * F.log_softmax(self.logits, -1), -1)
"""

STRAIGHT_THROUGH = """
    def rsample(self, sample_shape=torch.Size()):
        rout = super().rsample(sample_shape)
        out = F.one_hot(torch.argmax(rout, dim=-1), self.logits.shape[-1]).float()
        return (out - rout).detach() + rout
"""

FORWARDING = """
    def rsample(self, sample_shape=torch.Size()):
        return super().rsample(sample_shape)
"""

SAC = """
import torch
from torch import distributions

import distribution

setattr(distributions, 'GumbelSoftmax', distribution.GumbelSoftmax)


class SAC:
    def __init__(self, net, q_net, pdtype):
        self.net = net
        self.q_net = q_net
        self.ActionPD = getattr(distributions, pdtype)
        self.optim = torch.optim.Adam(net.parameters())

    def calc_log_prob_action(self, action_pd, reparam=False):
        samples = action_pd.rsample() if reparam else action_pd.sample()
        return action_pd.log_prob(samples), samples

    def train_step(self, states):
        action_pd = self.ActionPD(logits=self.net(states), temperature=torch.tensor(1.0))
        log_probs, actions = self.calc_log_prob_action(action_pd, reparam=True)
        policy_loss = (log_probs - self.q_net(states, actions)).mean()
        self.optim.zero_grad()
        policy_loss.backward()
        self.optim.step()


if __name__ == "__main__":
    SAC(torch.nn.Linear(4, 2), None, 'GumbelSoftmax').train_step(torch.zeros(1, 4))
"""


def _run(base: dict[str, str], cand: dict[str, str]) -> tuple[list[str], list[str]]:
    r = flow_result(base, cand)
    return [f"{f.severity.value} {f.title}" for f in r.findings], [n.title for n in r.no_effect]


def _repo(override: str, sac: str = SAC) -> dict[str, str]:
    return {"distribution.py": DIST.format(override=override), "sac.py": sac}


def test_removed_override_is_a_change_where_its_callers_act() -> None:
    found, no_effect = _run(_repo(STRAIGHT_THROUGH), _repo(""))
    assert any(t.startswith("significant") and "GumbelSoftmax.rsample" in t for t in found), (found, no_effect)


def test_removed_forwarding_override_is_no_change() -> None:
    found, no_effect = _run(_repo(FORWARDING), _repo(""))
    assert found == [], (found, no_effect)


def test_removed_override_nothing_calls_is_not_significant() -> None:
    uncalled = SAC.replace("action_pd.rsample() if reparam else action_pd.sample()", "action_pd.sample()")
    found, no_effect = _run(_repo(STRAIGHT_THROUGH, uncalled), _repo("", uncalled))
    assert not any(t.startswith(("significant", "critical")) for t in found), (found, no_effect)


BASE_CLS = """
import torch


class Sampler:
    def __init__(self, logits):
        self.logits = logits
{pulled}

class Greedy(Sampler):
    def pick(self):
        return self.logits.argmax(-1)
{own}
"""

SCALED = """
    def scaled(self, temperature):
        return self.logits / temperature
"""

USER = """
import torch

from sampler import Greedy


def train(net, optim, states):
    sampler = Greedy(net(states))
    loss = -sampler.scaled(2.0).mean() + sampler.pick().float().mean()
    optim.zero_grad()
    loss.backward()
    optim.step()


if __name__ == "__main__":
    net = torch.nn.Linear(4, 2)
    train(net, torch.optim.SGD(net.parameters(), lr=0.1), torch.zeros(1, 4))
"""


def test_override_pulled_up_unchanged_into_the_base_is_no_change() -> None:
    base = {"sampler.py": BASE_CLS.format(pulled="", own=SCALED), "train.py": USER}
    cand = {"sampler.py": BASE_CLS.format(pulled=SCALED, own=""), "train.py": USER}
    found, no_effect = _run(base, cand)
    assert not any("Greedy.scaled" in t for t in found), (found, no_effect)


def test_override_removed_in_favour_of_another_base_method_is_a_change() -> None:
    other = SCALED.replace("self.logits / temperature", "self.logits * temperature")
    base = {"sampler.py": BASE_CLS.format(pulled=other, own=SCALED), "train.py": USER}
    cand = {"sampler.py": BASE_CLS.format(pulled=other, own=""), "train.py": USER}
    found, no_effect = _run(base, cand)
    assert any(t.startswith("significant") and "Greedy.scaled" in t for t in found), (found, no_effect)


def test_override_removed_with_its_calls_is_not_an_override_finding() -> None:
    no_call = SAC.replace("action_pd.rsample() if reparam else action_pd.sample()", "action_pd.sample()")
    found, no_effect = _run(_repo(STRAIGHT_THROUGH), _repo("", no_call))
    assert not any("override" in t for t in found), (found, no_effect)


RENAMED = """
    def rsample_straight(self, sample_shape=torch.Size()):
        out = F.one_hot(torch.argmax(self.logits, dim=-1), self.logits.shape[-1]).float()
        return out
"""


def test_method_a_library_base_is_not_known_to_define_is_no_override() -> None:
    """The removed method never called `super().rsample`: nothing shows the library class defines it."""
    own = RENAMED.replace("rsample_straight", "rsample")
    found, no_effect = _run(_repo(own), _repo(""))
    assert not any("override" in t for t in found), (found, no_effect)
