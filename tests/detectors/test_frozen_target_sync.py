"""A target network whose only update is removed keeps its initial weights: the target-network rule's "update
removed", not a checkpoint's strictness. Real shape: JORLDY's DDPG `update_target_soft`, two Polyak loops
`for t_p, p in zip(self.target_critic.parameters(), self.critic.parameters()): t_p.data.copy_(...)`, the
target actor's removed: the critic's target action then comes from the initial policy forever. It was
"Network sync removed" with the strict-loading rationale, significant at 0.65, 8th below anonymous changes.
The initial copy in `__init__` and the copy at checkpoint restore do not keep it following. Negatives: the same loop removed where another method still updates that target network; an old-policy copy
(not a target network) keeps the plain significant "Network sync removed"."""

from __future__ import annotations

from tests.detectors.helpers import run_on

DDPG = """
import copy

import torch
import torch.nn.functional as F


class DDPG:
    def __init__(self, actor, critic, tau=1e-3, gamma=0.99):
        self.actor, self.critic = actor, critic
        self.target_actor = copy.deepcopy(actor)
        self.target_critic = copy.deepcopy(critic)
        self.target_actor.load_state_dict(self.actor.state_dict())
        self.actor_optimizer = torch.optim.Adam(self.actor.parameters())
        self.critic_optimizer = torch.optim.Adam(self.critic.parameters())
        self.tau, self.gamma = tau, gamma

    def learn(self, state, action, reward, next_state, done):
        with torch.no_grad():
            next_action = self.target_actor(next_state)
            target_q = reward + (1 - done) * self.gamma * self.target_critic(next_state, next_action)
        critic_loss = F.mse_loss(self.critic(state, action), target_q)
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
        actor_loss = -self.critic(state, self.actor(state)).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()

    def update_target_soft(self):
        for t_p, p in zip(self.target_critic.parameters(), self.critic.parameters()):
            t_p.data.copy_(self.tau * p.data + (1 - self.tau) * t_p.data)
        for t_p, p in zip(self.target_actor.parameters(), self.actor.parameters()):
            t_p.data.copy_(self.tau * p.data + (1 - self.tau) * t_p.data)

    def load(self, path):
        self.actor.load_state_dict(torch.load(path))
        self.target_actor.load_state_dict(self.actor.state_dict())

    def process(self, batch):
        self.learn(*batch)
        self.update_target_soft()
{extra}

if __name__ == "__main__":
    from nets import make
    actor, critic, batches = make()
    agent = DDPG(actor, critic)
    for batch in batches:
        agent.process(batch)
"""

ACTOR_LOOP = ("        for t_p, p in zip(self.target_actor.parameters(), self.actor.parameters()):\n"
              "            t_p.data.copy_(self.tau * p.data + (1 - self.tau) * t_p.data)\n")
HARD = """
    def reset_targets(self):
        self.target_actor.load_state_dict(self.actor.state_dict())
"""


def _findings(extra: str = "") -> list:
    base = DDPG.format(extra=extra)
    cand = base.replace(ACTOR_LOOP, "")
    assert cand != base
    return run_on({"ddpg.py": base}, {"ddpg.py": cand}, only={"strict_load"}).findings


def test_the_only_update_of_a_target_network_removed_is_critical() -> None:
    findings = _findings()
    assert findings, "the removed target update must be reported"
    f = findings[0]
    assert f.title.startswith("Target-network update removed") and "`self.target_actor`" in f.title, f.title
    assert "initial weights" in f.title, f.title
    assert f.severity.value == "critical", f.severity
    assert "strict=False" not in f.rationale, f.rationale


def test_a_target_network_still_updated_elsewhere_keeps_the_plain_sync_finding() -> None:
    findings = _findings(HARD)
    assert findings, [f.title for f in findings]
    f = findings[0]
    assert f.title.startswith("Network sync removed") and f.severity.value == "significant", (f.title, f.severity)


def test_a_target_network_reloaded_periodically_is_not_frozen() -> None:
    # a copy in a method that runs during training (its name only contains "load") still updates it
    findings = _findings(HARD.replace("reset_targets", "reload_targets"))
    assert findings and findings[0].title.startswith("Network sync removed"), [f.title for f in findings]


SOFT_UPDATE = """
def soft_update(target, source, tau):
    for t_p, p in zip(target.parameters(), source.parameters()):
        t_p.data.copy_(tau * p.data + (1 - tau) * t_p.data)


from ddpg import DDPG


class TargetFollower:
    def follow(self, agent: DDPG):
        soft_update(agent.target_actor, agent.actor, agent.tau)
"""


def test_a_target_network_updated_from_another_module_is_not_frozen() -> None:
    # the target actor is also handed to a soft-update helper in another file: it still follows the actor
    base = DDPG.format(extra="")
    cand = base.replace(ACTOR_LOOP, "")
    findings = run_on({"ddpg.py": base, "follow.py": SOFT_UPDATE}, {"ddpg.py": cand, "follow.py": SOFT_UPDATE},
                      only={"strict_load"}).findings
    assert findings and findings[0].title.startswith("Network sync removed"), [f.title for f in findings]
    assert findings[0].severity.value == "significant"


def test_a_sibling_module_with_its_own_target_network_does_not_count() -> None:
    sibling = SOFT_UPDATE.replace("from ddpg import DDPG\n", "").replace("agent: DDPG", "agent")
    base = DDPG.format(extra="")
    cand = base.replace(ACTOR_LOOP, "")
    findings = run_on({"ddpg.py": base, "td3.py": sibling}, {"ddpg.py": cand, "td3.py": sibling},
                      only={"strict_load"}).findings
    assert findings and findings[0].severity.value == "critical", [(f.title, f.severity) for f in findings]
