"""A callee's statements under its caller's `torch.no_grad()` are the caller's cut, counted once per call.

Real shape (d3rlpy 9c25f0c7..8bcca90a): SAC's `update_temp` computes the temperature target under
`with torch.no_grad(): _, log_prob = self._policy.sample_with_log_prob(obs)` at both commits. The
policy's `forward` was refactored: the baseline returned `squash_action(dist, action)` (one `log_prob = ...`
in the helper), the candidate assigns `action, log_prob = dist.mean_with_log_prob()` in the `if
deterministic:` branch and `action, log_prob = dist.sample_with_log_prob()` in its `else`. Each of those
statements runs under the caller's `no_grad` and was counted as a cut of its own: one more cut in the
candidate, "Gradient cut added on logprob" (critical, #1), although the gradient boundary is the
caller's `with` block at both commits.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

POLICY_BASE = """
import math
from typing import Tuple, cast

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal


def squash_action(dist, raw_action):
    squashed_action = torch.tanh(raw_action)
    jacob = 2 * (math.log(2) - raw_action - F.softplus(-2 * raw_action))
    log_prob = (dist.log_prob(raw_action) - jacob).sum(dim=-1, keepdims=True)
    return squashed_action, log_prob


class SquashedNormalPolicy(nn.Module):
    def __init__(self, encoder, action_size: int):
        super().__init__()
        self._encoder = encoder
        self._mu = nn.Linear(encoder.get_feature_size(), action_size)
        self._logstd = nn.Linear(encoder.get_feature_size(), action_size)

    def dist(self, x: torch.Tensor) -> Normal:
        h = self._encoder(x)
        mu = self._mu(h)
        clipped_logstd = self._logstd(h).clamp(-20.0, 2.0)
        return Normal(mu, clipped_logstd.exp())

    def forward(self, x, deterministic: bool = False, with_log_prob: bool = False):
        if deterministic:
            action = self._mu(self._encoder(x))
        else:
            dist = self.dist(x)
            action = dist.rsample()

        if with_log_prob:
            return squash_action(dist, action)

        return torch.tanh(action)

    def sample_with_log_prob(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out = self.forward(x, with_log_prob=True)
        return cast(Tuple[torch.Tensor, torch.Tensor], out)
"""

POLICY_CAND = """
from typing import Tuple, cast

import torch
from torch import nn

from .distributions import SquashedGaussianDistribution

__all__ = ["SquashedNormalPolicy"]


class SquashedNormalPolicy(nn.Module):
    def __init__(self, encoder, action_size: int):
        super().__init__()
        self._encoder = encoder
        self._mu = nn.Linear(encoder.get_feature_size(), action_size)
        self._logstd = nn.Linear(encoder.get_feature_size(), action_size)

    def dist(self, x: torch.Tensor) -> SquashedGaussianDistribution:
        h = self._encoder(x)
        mu = self._mu(h)
        clipped_logstd = self._logstd(h).clamp(-20.0, 2.0)
        return SquashedGaussianDistribution(mu, clipped_logstd.exp())

    def forward(self, x, deterministic: bool = False, with_log_prob: bool = False):
        dist = self.dist(x)
        if deterministic:
            action, log_prob = dist.mean_with_log_prob()
        else:
            action, log_prob = dist.sample_with_log_prob()
        return (action, log_prob) if with_log_prob else action

    def sample_with_log_prob(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        out = self.forward(x, with_log_prob=True)
        return cast(Tuple[torch.Tensor, torch.Tensor], out)
"""

DISTRIBUTIONS = """
import math

import torch
import torch.nn.functional as F


class SquashedGaussianDistribution:
    def __init__(self, loc, std):
        self._mean = loc
        self._std = std
        self._dist = torch.distributions.Normal(loc, std)

    def sample_with_log_prob(self):
        raw_y = self._dist.rsample()
        log_prob = self._log_prob_from_raw_y(raw_y)
        return torch.tanh(raw_y), log_prob

    def mean_with_log_prob(self):
        return torch.tanh(self._mean), self._log_prob_from_raw_y(self._mean)

    def _log_prob_from_raw_y(self, raw_y):
        jacob = 2 * (math.log(2) - raw_y - F.softplus(-2 * raw_y))
        return (self._dist.log_prob(raw_y) - jacob).sum(dim=-1, keepdims=True)
"""

SAC = """
import math
from typing import Optional

import torch

from ..models import SquashedNormalPolicy, create_squashed_normal_policy


class SACImpl:
    _policy: Optional[SquashedNormalPolicy]

    def __init__(self, observation_shape, action_size: int, encoder_factory, temp_optim_factory):
        self._observation_shape = observation_shape
        self._action_size = action_size
        self._encoder_factory = encoder_factory
        self._temp_optim_factory = temp_optim_factory
        self._policy = None
        self._log_temp = None
        self._temp_optim = None

    def build(self) -> None:
        self._policy = create_squashed_normal_policy(self._observation_shape, self._action_size, self._encoder_factory)
        self._log_temp = torch.nn.Parameter(torch.full((1, 1), math.log(1.0)))
        self._temp_optim = self._temp_optim_factory.create([self._log_temp], lr=3e-4)

    def update_temp(self, batch):
        assert self._temp_optim is not None
        assert self._policy is not None
        self._temp_optim.zero_grad()

        with torch.no_grad():
            _, log_prob = self._policy.sample_with_log_prob(batch.observations)
            targ_temp = log_prob - self._action_size

        loss = -(self._log_temp.exp() * targ_temp).mean()

        loss.backward()
        self._temp_optim.step()
        return loss.cpu().detach().numpy()
"""

# the candidate's `update_temp` converts its logged loss to a float (the real commit: `-> Tuple[float, float]`)
SAC_CAND = SAC.replace("from ..models", "from ...models").replace(
    "return loss.cpu().detach().numpy()", "return float(loss.cpu().detach().numpy())")

BUILDERS = """
from .policies import SquashedNormalPolicy


def create_squashed_normal_policy(observation_shape, action_size, encoder_factory):
    encoder = encoder_factory.create(observation_shape)
    return SquashedNormalPolicy(encoder, action_size)
"""

BASE = {
    "pkg/__init__.py": "",
    "pkg/models/__init__.py": "from .builders import create_squashed_normal_policy\n"
                              "from .policies import SquashedNormalPolicy, squash_action\n",
    "pkg/models/builders.py": BUILDERS,
    "pkg/models/policies.py": POLICY_BASE,
    "pkg/algos/__init__.py": "",
    "pkg/algos/sac_impl.py": SAC,
    "main.py": "from pkg.algos.sac_impl import SACImpl\n\nSACImpl(None, 1, None, None).update_temp(None)\n",
}

CAND = {
    "pkg/__init__.py": "",
    "pkg/models/__init__.py": "from .builders import *\nfrom .distributions import *\nfrom .policies import *\n",
    "pkg/models/builders.py": "__all__ = ['create_squashed_normal_policy']\n" + BUILDERS,
    "pkg/models/distributions.py": DISTRIBUTIONS,
    "pkg/models/policies.py": POLICY_CAND,
    "pkg/algos/__init__.py": "",
    "pkg/algos/qlearning/__init__.py": "",
    "pkg/algos/qlearning/sac_impl.py": SAC_CAND,
    "main.py": "from pkg.algos.qlearning.sac_impl import SACImpl\n\nSACImpl(None, 1, None, None).update_temp(None)\n",
}


def _cuts(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    result = run_on(base, cand, only={"detach_grad"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_callee_branches_under_the_callers_no_grad_are_no_cut_added() -> None:
    assert _cuts(BASE, CAND) == []


def test_no_grad_added_at_the_caller_is_reported() -> None:
    """Negative: the baseline computed the log-prob outside `no_grad`; the candidate's caller wraps the
    call in `no_grad` (a loss input now cut): the callee's statements are that new cut."""
    base = dict(BASE, **{"pkg/algos/sac_impl.py": SAC.replace(
        "        with torch.no_grad():\n            _, log_prob = self._policy.sample_with_log_prob(batch.observations)\n"
        "            targ_temp = log_prob - self._action_size\n",
        "        _, log_prob = self._policy.sample_with_log_prob(batch.observations)\n"
        "        targ_temp = log_prob - self._action_size\n")})
    assert base["pkg/algos/sac_impl.py"] != SAC
    assert any("Gradient cut added on logprob" in t for t in _cuts(base, CAND))


def test_no_grad_added_inside_a_callee_reached_at_both_commits_is_reported() -> None:
    """Negative: the caller computes its loss input without `no_grad` at both commits and the callee
    itself gains a `with torch.no_grad():` around its log-prob."""
    outside = ("        with torch.no_grad():\n            _, log_prob = self._policy.sample_with_log_prob(batch.observations)\n"
               "            targ_temp = log_prob - self._action_size\n")
    inside = ("        _, log_prob = self._policy.sample_with_log_prob(batch.observations)\n"
              "        targ_temp = log_prob - self._action_size\n")
    base = dict(BASE, **{"pkg/algos/sac_impl.py": SAC.replace(outside, inside)})
    cut = POLICY_CAND.replace(
        "        else:\n            action, log_prob = dist.sample_with_log_prob()\n",
        "        else:\n            with torch.no_grad():\n                action, log_prob = dist.sample_with_log_prob()\n")
    assert cut != POLICY_CAND
    cand = dict(CAND, **{"pkg/algos/qlearning/sac_impl.py": SAC_CAND.replace(outside, inside),
                         "pkg/models/policies.py": cut})
    result = run_on(base, cand, only={"detach_grad"})
    [cut_added] = [f for f in result.findings if f.title == "Gradient cut added on logprob"]
    # the evidence and the restoring patch are the callee's two versions (the patch once replaced
    # `forward` with the body of the caller's baseline `update_temp`)
    assert (cut_added.evidence[0].hunk or "").startswith("--- pkg/models/policies.py\n+++ pkg/models/policies.py\n")
    patch = cut_added.patch or ""
    assert patch.startswith("--- a/pkg/models/policies.py\n+++ b/pkg/models/policies.py\n")
    assert "+            return squash_action(dist, action)" in patch
    assert "_temp_optim" not in patch and "def forward(self, x, deterministic" in patch

