"""Equivalent spellings of a target network's sync and of its Polyak rate are no change.

Real shape (TD3 c717e75..34770cc, "Python3 + Hyper-parameters update"): DDPG's constructor replaced
`self.actor_target = Actor(...)` + `self.actor_target.load_state_dict(self.actor.state_dict())` by
`self.actor_target = copy.deepcopy(self.actor)`, and `tau` moved from a `train(..., tau=0.005)` argument to
`self.tau`, stored by the constructor. The soft update stays, written
`for param, target_param in zip(self.actor.parameters(), self.actor_target.parameters()):
target_param.data.copy_(...)` (the target's parameter second). Two false criticals, #1 and #2 of the range:
"Target-network update removed: `self.actor_target` no longer follows `self.actor`" (the per-parameter copy
was read into the first loop variable's network, the online one) and "Target-network update weights
changed: online weight `tau` -> `self.tau`". Negatives: the soft update really removed stays critical; a
fresh target built without any copy is a removed sync; a rate read from another setting is a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class DDPG:
    def __init__(self, actor, critic):
        self.actor, self.critic = actor, critic
        self.actor_target = make_actor()
        self.actor_target.load_state_dict(self.actor.state_dict())
        self.critic_target = make_critic()
        self.critic_target.load_state_dict(self.critic.state_dict())
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters())

    def train(self, buffer, iterations, tau=0.005):
        for it in range(iterations):
            s, a, ns, r, nd = buffer.sample(64)
            target_q = r + nd * 0.99 * self.critic_target(ns, self.actor_target(ns)).detach()
            loss = ((self.critic(s, a) - target_q) ** 2).mean()
            self.critic_optimizer.zero_grad()
            loss.backward()
            self.critic_optimizer.step()
            for param, target_param in zip(self.critic.parameters(), self.critic_target.parameters()):
                target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)
            for param, target_param in zip(self.actor.parameters(), self.actor_target.parameters()):
                target_param.data.copy_(tau * param.data + (1 - tau) * target_param.data)


if __name__ == "__main__":
    agent = DDPG(make_actor(), make_critic())
    agent.train(make_buffer(), 1000)
"""

CAND = """
import copy

import torch


class DDPG:
    def __init__(self, actor, critic, tau=0.005):
        self.actor, self.critic = actor, critic
        self.actor_target = copy.deepcopy(self.actor)
        self.critic_target = copy.deepcopy(self.critic)
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters())
        self.tau = tau

    def train(self, buffer, iterations):
        for it in range(iterations):
            s, a, ns, r, nd = buffer.sample(64)
            target_q = r + nd * 0.99 * self.critic_target(ns, self.actor_target(ns)).detach()
            loss = ((self.critic(s, a) - target_q) ** 2).mean()
            self.critic_optimizer.zero_grad()
            loss.backward()
            self.critic_optimizer.step()
            for param, target_param in zip(self.critic.parameters(), self.critic_target.parameters()):
                target_param.data.copy_(self.tau * param.data + (1 - self.tau) * target_param.data)
            for param, target_param in zip(self.actor.parameters(), self.actor_target.parameters()):
                target_param.data.copy_(self.tau * param.data + (1 - self.tau) * target_param.data)


if __name__ == "__main__":
    agent = DDPG(make_actor(), make_critic())
    agent.train(make_buffer(), 1000)
"""

ACTOR_UPDATE = ("            for param, target_param in zip(self.actor.parameters(), self.actor_target.parameters()):\n"
                "                target_param.data.copy_(self.tau * param.data + (1 - self.tau) * target_param.data)\n")


def _titles(cand: str) -> list[str]:
    result = run_on({"main.py": BASE}, {"main.py": cand}, only={"target_network", "strict_load"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_a_deep_copy_and_an_attribute_rate_are_the_same_sync_and_update() -> None:
    titles = _titles(CAND)
    assert not any("arget" in t or "sync" in t for t in titles), titles


def test_the_soft_update_really_removed_stays_critical() -> None:
    cand = CAND.replace(ACTOR_UPDATE, "")
    assert cand != CAND
    titles = _titles(cand)
    assert any(t.startswith("critical") and "Target-network update removed" in t and "actor_target" in t
               for t in titles), titles


def test_a_target_built_without_a_copy_is_a_removed_sync() -> None:
    cand = CAND.replace("self.actor_target = copy.deepcopy(self.actor)", "self.actor_target = make_actor()")
    titles = _titles(cand)
    assert any("sync removed" in t and "actor_target" in t for t in titles), titles


def test_a_rate_read_from_another_setting_is_a_change() -> None:
    cand = CAND.replace("self.tau * param.data + (1 - self.tau)", "self.polyak * param.data + (1 - self.polyak)")
    titles = _titles(cand)
    assert any("weights changed" in t and "polyak" in t for t in titles), titles
