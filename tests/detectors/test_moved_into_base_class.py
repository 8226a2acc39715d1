"""A class body moved into a new base class: the old name's layers are inherited, not removed.

Real shape (d3rlpy's policy refactor): `SquashedNormalPolicy` was renamed `NormalPolicy` with a new
`squash_distribution` flag, and `SquashedNormalPolicy` became a thin subclass whose `__init__` only
calls `super().__init__(..., squash_distribution=True)`. Its `nn.Linear` heads were reported as
"Layer changed: `nn.Linear(...)` -> `-`" (significant, the first finding of the range)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch
from torch import nn
from torch.distributions import Normal


class SquashedPolicy(nn.Module):
    def __init__(self, encoder, action_size, min_logstd):
        super().__init__()
        self._encoder = encoder
        self._min_logstd = min_logstd
        self._mu = nn.Linear(encoder.feature_size, action_size)
        self._logstd = nn.Linear(encoder.feature_size, action_size)

    def dist(self, x):
        h = self._encoder(x)
        return Normal(self._mu(h), self._logstd(h).clamp(min=self._min_logstd).exp())

    def forward(self, x):
        return torch.tanh(self.dist(x).rsample())
"""

CAND = """
import torch
from torch import nn
from torch.distributions import Normal


class GaussPolicy(nn.Module):
    def __init__(self, encoder, action_size, min_logstd, squash):
        super().__init__()
        self._encoder = encoder
        self._min_logstd = min_logstd
        self._squash = squash
        self._mu = nn.Linear(encoder.feature_size, OUT)
        self._logstd = nn.Linear(encoder.feature_size, action_size)

    def dist(self, x):
        h = self._encoder(x)
        return Normal(self._mu(h), self._logstd(h).clamp(min=self._min_logstd).exp())

    def forward(self, x):
        action = self.dist(x).rsample()
        return torch.tanh(action) if self._squash else action


class SquashedPolicy(GaussPolicy):
    def __init__(self, encoder, action_size, min_logstd):
        super().__init__(encoder=encoder, action_size=action_size, min_logstd=min_logstd, squash=True)


class PlainPolicy(GaussPolicy):
    def __init__(self, encoder, action_size, min_logstd):
        super().__init__(encoder=encoder, action_size=action_size, min_logstd=min_logstd, squash=False)
"""


def _layers(out: str):
    result = run_on({"policies.py": BASE}, {"policies.py": CAND.replace("OUT", out)}, only={"layers"})
    return result, [f for f in result.findings if f.source.endswith("layers")]


def test_layers_inherited_through_super_init_are_not_removed() -> None:
    result, findings = _layers("action_size")
    assert findings == []
    moved = [n for n in result.no_effect if "moved into a called method" in n.title]
    assert moved and "GaussPolicy.__init__" in moved[0].reason and "super()" in moved[0].reason


def test_a_different_layer_in_the_base_class_is_still_a_change() -> None:
    _result, findings = _layers("2 * action_size")
    assert len(findings) == 1
    assert "nn.Linear(encoder.feature_size, action_size)" in findings[0].title
    assert findings[0].severity.value == "significant"


def test_super_call_to_a_base_outside_the_project_moves_nothing() -> None:
    """`super().__init__()` of `nn.Module` (no project class behind it): a removed layer stays removed."""
    cand = BASE.replace("        self._logstd = nn.Linear(encoder.feature_size, action_size)\n", "")
    result = run_on({"policies.py": BASE}, {"policies.py": cand}, only={"layers"})
    titles = [f.title for f in result.findings]
    assert titles == ["Layer changed: `nn.Linear(encoder.feature_size, action_size)` -> `-`"]


TWO_BASE = """
from torch import nn


class ActorCritic(nn.Module):
    def __init__(self, n_obs, n_actions, hidden=64):
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(n_obs, hidden), nn.ELU(), nn.Linear(hidden, n_actions))
        self.critic = nn.Sequential(nn.Linear(n_obs, hidden), nn.ELU(), nn.Linear(hidden, 1))
"""

TWO_CAND = """
from torch import nn

from mlp import MLP


class ActorCritic(nn.Module):
    def __init__(self, n_obs, n_actions, hidden=64):
        super().__init__()
        self.actor = MLP(n_obs, n_actions, hidden)
        self.critic = MLP(n_obs, 1, hidden)
"""

MLP_CAND = """
from torch import nn


class MLP(nn.Sequential):
    def __init__(self, n_in, n_out, hidden):
        super().__init__(nn.Linear(n_in, hidden), nn.ELU(), nn.Linear(hidden, OUT))
"""


def test_equal_layers_moved_into_two_calls_of_one_constructor_are_all_moved() -> None:
    """rsl_rl's actor and critic MLPs, both now `MLP(...)`: each call runs its own copy of the layers."""
    result = run_on({"ac.py": TWO_BASE}, {"ac.py": TWO_CAND, "mlp.py": MLP_CAND.replace("OUT", "n_out")},
                    only={"layers"})
    assert [f.title for f in result.findings] == []


def test_a_layer_the_constructor_builds_otherwise_stays_a_change() -> None:
    result = run_on({"ac.py": TWO_BASE}, {"ac.py": TWO_CAND, "mlp.py": MLP_CAND.replace("OUT", "2 * n_out")},
                    only={"layers"})
    (finding,) = result.findings  # which layer the title names follows the loose matching; that one changed does not
    assert finding.title.startswith("Layer changed:") and finding.severity.value == "significant"
