"""A target update removed together with its network leaves nothing frozen.

Real shape (pytorch-soft-actor-critic 0a7b9e5..f480391): SAC dropped its V network; `soft_update(self.value_target,
self.value, tau)` and `hard_update(self.value_target, self.value)` went with it, the critic's target
(already soft-updated for the deterministic policy) now updated on every step: "Target-network update removed:
the target network stays frozen" (critical, 2 places), second of the range. Negative: TD3's actor target
update removed while `self.actor_target` still computes the next action stays the critical finding."""

from __future__ import annotations

from tests.detectors.helpers import run_on

UTILS = """
def soft_update(target, source, tau):
    for target_param, param in zip(target.parameters(), source.parameters()):
        target_param.data.copy_(target_param.data * (1.0 - tau) + param.data * tau)
"""
BASE = """
from utils import soft_update


class Agent:
    def update(self, batch, tau):
        next_q = self.critic_target(batch.next_obs, self.{actor}(batch.next_obs))
        next_v = self.value_target(batch.next_obs)
        loss = ((self.critic(batch.obs, batch.act) - batch.rew - next_q - next_v) ** 2).mean()
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
        soft_update(self.critic_target, self.critic, tau)
        soft_update(self.value_target, self.value, tau)
        soft_update(self.actor_target, self.actor, tau)
"""


def _titles(cand: str, actor: str = "actor_target") -> list[str]:
    base = BASE.replace("{actor}", actor)
    result = run_on({"utils.py": UTILS, "agent.py": base}, {"utils.py": UTILS, "agent.py": cand.replace("{actor}", actor)},
                    only={"target_network"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_a_target_update_removed_with_its_network_is_not_a_frozen_target() -> None:
    cand = BASE.replace("        next_v = self.value_target(batch.next_obs)\n", "").replace(" - next_v", "")
    cand = cand.replace("        soft_update(self.value_target, self.value, tau)\n", "")
    titles = _titles(cand)
    assert not any("stays frozen" in t for t in titles), titles
    assert any(t.startswith("significant") and "value_target" in t for t in titles), titles


def test_a_target_update_removed_while_the_target_is_still_read_stays_critical() -> None:
    cand = BASE.replace("        soft_update(self.actor_target, self.actor, tau)\n", "")
    titles = _titles(cand)
    assert any(t.startswith("critical") and "stays frozen" in t for t in titles), titles
