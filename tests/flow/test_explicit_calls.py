"""A method's `self.M(...)` call removed, now made explicitly by the class's users: low, with where.

Real shape (rsl_rl d38a378b..c49573e4): `EmpiricalNormalization.forward` lost
`if self.training: self.update(x)`; the policies now call `self.actor_obs_normalizer.update(obs)` from
`update_normalization`, which the algorithm calls after each environment step. It was "Behavioural
change in the loss path: `EmpiricalNormalization.forward`" (significant). Negative: the same removal
with no new explicit call (the statistics are never learnt any more) stays significant."""

from __future__ import annotations

from tests.flow.support import flow_findings

NORM_BASE = '''
import torch
from torch import nn


class RunningNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.mean = torch.zeros(n)
        self.count = 0

    def forward(self, x):
        if self.training:
            self.update(x)
        return x - self.mean

    def update(self, x):
        self.count += x.shape[0]
        self.mean += (x.mean(0) - self.mean) * x.shape[0] / self.count
'''
NORM_CAND = NORM_BASE.replace('''        if self.training:
            self.update(x)
''', "")

POLICY = '''
from torch import nn
from norm import RunningNorm


class Policy(nn.Module):
    def __init__(self, n, net):
        super().__init__()
        self.net = net
        self.obs_normalizer = RunningNorm(n)

    def act(self, obs):
        return self.net(self.obs_normalizer(obs))
{extra}
'''
UPDATE_NORMALIZATION = '''
    def update_normalization(self, obs):
        self.obs_normalizer.update(obs)
'''

ALGO = '''
from policy import Policy


class Algo:
    def __init__(self, policy: Policy, optimizer):
        self.policy = policy
        self.optimizer = optimizer

    def step(self, env, obs):
        actions = self.policy.act(obs)
        obs, rewards, dones = env.step(actions){extra}
        loss = -(self.policy.act(obs) * rewards).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return obs
'''


def _findings(moved: bool) -> list:
    base = {"norm.py": NORM_BASE, "policy.py": POLICY.format(extra=""), "algo.py": ALGO.format(extra="")}
    cand = {"norm.py": NORM_CAND,
            "policy.py": POLICY.format(extra=UPDATE_NORMALIZATION if moved else ""),
            "algo.py": ALGO.format(extra="\n        self.policy.update_normalization(obs)" if moved else "")}
    return [f for f in flow_findings(base, cand) if "RunningNorm.forward" in f.title]


def test_an_update_moved_into_explicit_calls_is_low_and_says_where() -> None:
    found = _findings(moved=True)
    assert [f.severity.value for f in found] == ["low"], [(f.severity.value, f.title) for f in found]
    assert found[0].title.startswith("Calls moved out of `RunningNorm.forward` into explicit calls")
    assert "policy.py:" in found[0].rationale


def test_an_update_dropped_with_no_new_caller_stays_significant() -> None:
    found = _findings(moved=False)
    assert [f.severity.value for f in found] == ["significant"], [(f.severity.value, f.title) for f in found]


def test_a_named_rewrite_keeps_its_title_and_reason_inside_its_files_group() -> None:
    """Grouped with two other low findings of its file, the rewrite is still named in the rationale
    (rsl_rl's normaliser: "Calls moved out of ..." inside "Behavioural changes in 3 functions of ...")."""
    from investigator.flow.analyzer import group_low
    from tests.flow.test_precision import _low

    named = _low("norm.py", "RunningNorm.forward")
    named = named.model_copy(update={"title": "Calls moved out of `RunningNorm.forward` into explicit calls",
                                     "rationale": named.rationale + " Low: the callers call `update` (norm.py:3)."})
    out = group_low([named, _low("norm.py", "RunningNorm.update"), _low("norm.py", "RunningNorm.inverse")])
    assert len(out) == 1
    assert "Calls moved out of `RunningNorm.forward` into explicit calls: the callers call `update`" in out[0].rationale
