"""A computation moved from a method into its caller, and a loss returned in a result container,
are the same values (real shape: d3rlpy v2.2.0..v2.3.0, "minimize redundant computes").

`compute_actor_loss(batch)` computed the policy forward itself and returned `-q.mean()`; now the
training step computes `action = self.policy(batch.observations)` once, passes it through
`update_actor(batch, action)` into `compute_actor_loss(batch, action)`, which returns
`ActorLoss(-q.mean())`, and `update_actor` backpropagates `loss.actor_loss`. Each function was
"Behavioural change in the loss path". Negatives: the moved computation computes something else
(the next observations' action), or the container's other field is what is backpropagated.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Finding
from tests.flow.test_equivalence import _index

BASE = """
import dataclasses


@dataclasses.dataclass(frozen=True)
class ActorLoss:
    actor_loss: object
    extra: object = None


def as_floats(loss):
    return {k: float(v) for k, v in dataclasses.asdict(loss).items() if v is not None}


class DDPGBase:
    def __init__(self, policy, q_func, actor_optim, critic_optim, gamma=0.99):
        self.policy = policy
        self.q_func = q_func
        self.actor_optim = actor_optim
        self.critic_optim = critic_optim
        self.gamma = gamma

    def update_critic(self, batch):
        self.critic_optim.zero_grad()
        next_q = self.q_func(batch.next_observations, self.policy(batch.next_observations)).detach()
        target = batch.rewards + self.gamma * next_q
        loss = ((self.q_func(batch.observations, batch.actions) - target) ** 2).mean()
        loss.backward()
        self.critic_optim.step()
        return {"critic_loss": float(loss)}

    def update_actor(self, batch):
        self.actor_optim.zero_grad()
        loss = self.compute_actor_loss(batch)
        loss.backward()
        self.actor_optim.step()
        return {"actor_loss": float(loss)}

    def inner_update(self, batch):
        metrics = {}
        metrics.update(self.update_critic(batch))
        metrics.update(self.update_actor(batch))
        return metrics

    def compute_actor_loss(self, batch):
        pass


class DDPG(DDPGBase):
    def compute_actor_loss(self, batch):
        action = self.policy(batch.observations)
        q = self.q_func(batch.observations, action)
        return -q.mean()
"""
MAIN = """
from ddpg import DDPG


def main(policy, q_func, actor_optim, critic_optim, loader):
    algo = DDPG(policy, q_func, actor_optim, critic_optim)
    for batch in loader:
        algo.inner_update(batch)
"""


def _candidate(moved: str = "self.policy(batch.observations)", read: str = "actor_loss") -> str:
    cand = BASE.replace('''    def update_actor(self, batch):
        self.actor_optim.zero_grad()
        loss = self.compute_actor_loss(batch)
        loss.backward()
        self.actor_optim.step()
        return {"actor_loss": float(loss)}''', f'''    def update_actor(self, batch, action):
        self.actor_optim.zero_grad()
        loss = self.compute_actor_loss(batch, action)
        loss.{read}.backward()
        self.actor_optim.step()
        return as_floats(loss)''')
    cand = cand.replace('''        metrics = {}
        metrics.update(self.update_critic(batch))
        metrics.update(self.update_actor(batch))''', f'''        metrics = {{}}
        action = {moved}
        metrics.update(self.update_critic(batch))
        metrics.update(self.update_actor(batch, action))''')
    cand = cand.replace('''    def compute_actor_loss(self, batch):
        pass''', '''    def compute_actor_loss(self, batch, action) -> ActorLoss:
        pass''')
    cand = cand.replace('''    def compute_actor_loss(self, batch):
        action = self.policy(batch.observations)
        q = self.q_func(batch.observations, action)
        return -q.mean()''', '''    def compute_actor_loss(self, batch, action) -> ActorLoss:
        q = self.q_func(batch.observations, action)
        return ActorLoss(-q.mean())''')
    assert cand.count("action") > BASE.count("action")
    return cand


def _loss_findings(cand: str) -> list[Finding]:
    base = {"ddpg.py": BASE, "main.py": MAIN}
    found = analyse(_index(base, {**base, "ddpg.py": cand})).findings
    return [f for f in found if f.severity.value != "low"]


def test_forward_moved_to_the_caller_and_loss_in_a_container_is_no_change() -> None:
    found = _loss_findings(_candidate())
    assert not found, [(f.title, f.evidence[0].summary) for f in found]


def test_moved_forward_that_computes_another_value_is_reported() -> None:
    found = _loss_findings(_candidate(moved="self.policy(batch.next_observations)"))
    assert found, "the actor now maximises Q at the next observations' action"
    assert any("inner_update" in f.title or "compute_actor_loss" in f.title for f in found), [f.title for f in found]


def test_backpropagating_another_field_of_the_container_is_reported() -> None:
    found = _loss_findings(_candidate(read="extra"))
    assert any("update_actor" in f.title for f in found), [f.title for f in found]


def test_a_changed_secondary_field_that_a_caller_backpropagates_is_reported() -> None:
    # the container's second field feeds a backward() in the caller: its change is not hidden by
    # reading the container as its first field
    base = {"ddpg.py": BASE, "main.py": MAIN}
    cand = _candidate(read="extra").replace("return ActorLoss(-q.mean())", "return ActorLoss(-q.mean(), q.pow(2).mean())")
    ref = _candidate(read="extra").replace("return ActorLoss(-q.mean())", "return ActorLoss(-q.mean(), q.mean())")
    found = analyse(_index({**base, "ddpg.py": ref}, {**base, "ddpg.py": cand})).findings
    assert any(f.severity.value != "low" for f in found), [(f.title, f.severity) for f in found]
