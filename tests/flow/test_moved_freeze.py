"""A parameter freeze moved from a function into the freezing context its callers now run it in.

Real shape (dreamer-pytorch 36be1da0..e23d09d2 dreamer/models/rnns.py:195): `RSSMRollout.rollout_policy` dropped
`for p in self.transition_model.parameters(): p.requires_grad = False` (and the `= True` restore) while its caller
now runs it as `with FreezeParameters(self.model_modules): ...`, a project context manager freezing on `__enter__`:
"Behavioural change in the architecture path: `RSSMRollout.rollout_policy` (2 statements)" (significant, top 5).
Negatives: a caller that does not freeze, one that enters `torch.no_grad()` instead, and a second training caller
outside the context keep the change."""

from __future__ import annotations

from tests.flow.support import flow_result

MODULE = """
class FreezeParameters:
    def __init__(self, modules):
        self.modules = modules
        self.param_states = [p.requires_grad for m in modules for p in m.parameters()]

    def __enter__(self):
        for m in self.modules:
            for param in m.parameters():
                param.requires_grad = False

    def __exit__(self, exc_type, exc_val, exc_tb):
        i = 0
        for m in self.modules:
            for param in m.parameters():
                param.requires_grad = self.param_states[i]
                i += 1
"""

RNNS = """
import torch
from torch import nn


class Rollout(nn.Module):
    def __init__(self, transition_model):
        super().__init__()
        self.transition_model = transition_model

    def rollout_policy(self, steps, policy, state):
        states = []
{freeze}
        for t in range(steps):
            action = policy(state.detach())
            state = self.transition_model(action, state)
            states.append(state)
{unfreeze}
        return torch.stack(states, dim=0)
"""

FREEZE = """        for p in self.transition_model.parameters():
            p.requires_grad = False"""
UNFREEZE = """        for p in self.transition_model.parameters():
            p.requires_grad = True"""

ALGO = """
import torch
from algo.module import FreezeParameters
from algo.rnns import Rollout


class Agent:
    def __init__(self, transition, policy, value):
        self.transition = transition
        self.policy = policy
        self.value = value
        self.rollout = Rollout(transition)
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=1e-4)

    def train(self, batch):
        for _ in range(100):
            start = self.encode(batch)
{call}
            actor_loss = -self.value(imagined).mean()
            self.optimizer.zero_grad()
            actor_loss.backward()
            self.optimizer.step()
{other}
"""

PLAIN = "            imagined = self.rollout.rollout_policy(15, self.policy, start)"
WRAPPED = """            with {ctx}:
                imagined = self.rollout.rollout_policy(15, self.policy, start)"""
OTHER = """
    def warm_up(self, batch):
        imagined = self.rollout.rollout_policy(5, self.policy, self.encode(batch))
        loss = -self.value(imagined).mean()
        loss.backward()
        self.optimizer.step()
"""

RUN = """
from algo.agent import Agent

agent = Agent(make_transition(), make_policy(), make_value())
for batch in loader:
    agent.train(batch)
"""


def _titles(call: str, other: str = "") -> tuple[list[str], list[str]]:
    base = {"algo/module.py": MODULE, "algo/rnns.py": RNNS.format(freeze=FREEZE, unfreeze=UNFREEZE),
            "algo/agent.py": ALGO.format(call=PLAIN, other=other), "train.py": RUN}
    cand = {"algo/module.py": MODULE, "algo/rnns.py": RNNS.format(freeze="", unfreeze=""),
            "algo/agent.py": ALGO.format(call=call, other=other), "train.py": RUN}
    result = flow_result(base, cand)
    return [f"{f.severity.value} {f.title}" for f in result.findings], [n.title for n in result.no_effect]


def _rollout_significant(found: list[str]) -> bool:
    return any(t.startswith("significant") and "rollout_policy" in t for t in found)


def test_a_freeze_moved_into_the_callers_freezing_context_is_no_change() -> None:
    found, quiet = _titles(WRAPPED.format(ctx="FreezeParameters([self.transition])"))
    assert not any("rollout_policy" in t for t in found), found
    assert any("Parameter freeze moved" in t for t in quiet), quiet


def test_a_freeze_dropped_with_no_freezing_caller_is_reported() -> None:
    found, _ = _titles(PLAIN)
    assert _rollout_significant(found), found


def test_no_grad_is_not_a_freeze() -> None:
    found, _ = _titles(WRAPPED.format(ctx="torch.no_grad()"))
    assert _rollout_significant(found), found


def test_a_training_caller_outside_the_context_keeps_the_change() -> None:
    found, _ = _titles(WRAPPED.format(ctx="FreezeParameters([self.transition])"), other=OTHER)
    assert _rollout_significant(found), found
