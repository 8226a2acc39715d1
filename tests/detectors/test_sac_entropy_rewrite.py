"""An SAC target re-expressed through a name bound to the negated log-probability is the same target
(real shape, JORLDY's SAC rewrite for discrete actions): `- self.alpha * next_log_prob` became
`+ self.alpha * entropy` with `entropy = -next_log_prob` in the continuous branch, under the same
`torch.no_grad()`; and `action = torch.tanh(z)` moved into that branch. Reported as two critical findings
("Returns built from different tensors: dones+logprob+rewards -> dones+entropy+rewards", "Gradient cut added
on entropy") and "Nonlinearity changed: tanh -> tanh"."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch
import torch.nn.functional as F
from torch.distributions import Categorical, Normal


class SAC:
    @torch.no_grad()
    def act(self, state, training=True):
        mu, std = self.actor(state)
        z = torch.normal(mu, std) if training else mu
        action = torch.tanh(z)
        return action.cpu().numpy()

    def sample_action(self, mu, std):
        m = Normal(mu, std)
        z = m.rsample()
        action = torch.tanh(z)
        log_prob = m.log_prob(z).sum(1, keepdim=True)
        return action, log_prob

    def learn(self, state, action, reward, next_state, done):
        q1 = self.critic1(state, action)
        with torch.no_grad():
            mu, std = self.actor(next_state)
            next_action, next_log_prob = self.sample_action(mu, std)
            next_q = self.target_critic(next_state, next_action)
            target_q = reward + (1 - done) * self.gamma * (next_q - self.alpha * next_log_prob)
        critic_loss = F.mse_loss(q1, target_q)
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()
"""
ACT_BASE = """        mu, std = self.actor(state)
        z = torch.normal(mu, std) if training else mu
        action = torch.tanh(z)
"""
ACT_BRANCHED = """        if self.action_type == "continuous":
            mu, std = self.actor(state)
            z = torch.normal(mu, std) if training else mu
            action = torch.tanh(z)
        else:
            pi = self.actor(state)
            action = torch.multinomial(pi, 1) if training else torch.argmax(pi, dim=-1, keepdim=True)
"""
LEARN_BASE = """        with torch.no_grad():
            mu, std = self.actor(next_state)
            next_action, next_log_prob = self.sample_action(mu, std)
            next_q = self.target_critic(next_state, next_action)
            target_q = reward + (1 - done) * self.gamma * (next_q - self.alpha * next_log_prob)
"""
LEARN_REWRITTEN = """        if self.action_type == "continuous":
            with torch.no_grad():
                mu, std = self.actor(next_state)
                next_action, next_log_prob = self.sample_action(mu, std)
                next_q = self.target_critic(next_state, next_action)
                entropy = -next_log_prob
        else:
            with torch.no_grad():
                next_pi = self.actor(next_state)
                next_q = (next_pi * self.target_critic(next_state)).sum(-1, keepdim=True)
                m = Categorical(next_pi)
                entropy = m.entropy().unsqueeze(-1)
        with torch.no_grad():
            target_q = reward + (1 - done) * self.gamma * (next_q + self.alpha * entropy)
"""


MAIN = """
from sac import SAC

agent = SAC()
for step in range(1000):
    agent.act(step)
    agent.learn(step, step, step, step, step)
"""


def _found(cand: str, only: set[str], base: str = BASE) -> list:
    return run_on({"sac.py": base, "main.py": MAIN}, {"sac.py": cand, "main.py": MAIN}, only=only).findings


def test_a_target_re_expressed_through_the_negated_log_prob_is_no_critical() -> None:
    found = _found(BASE.replace(LEARN_BASE, LEARN_REWRITTEN), {"returns_target", "detach_grad"})
    assert not [f for f in found if f.severity.value == "critical"], [(f.title, f.severity) for f in found]


def test_the_entropy_sign_flipped_stays_critical() -> None:
    flipped = LEARN_REWRITTEN.replace("entropy = -next_log_prob", "entropy = next_log_prob")
    found = _found(BASE.replace(LEARN_BASE, flipped), {"returns_target"})
    assert any(f.severity.value == "critical" and "different tensors" in f.title for f in found), \
        [(f.title, f.severity) for f in found]


def test_a_cut_added_on_a_live_entropy_stays_critical() -> None:
    live = """        mu, std = self.actor(state)
        dist = Normal(mu, std)
        with torch.no_grad():
            entropy = dist.entropy().sum(-1)
        actor_loss = -(self.critic1(state, dist.rsample()) + self.alpha * entropy).mean()
        actor_loss.backward()
"""
    base = BASE.replace("        critic_loss = F.mse_loss", live.replace("with torch.no_grad():\n            entropy",
                                                                          "if True:\n            entropy")
                        + "        critic_loss = F.mse_loss")
    cand = BASE.replace("        critic_loss = F.mse_loss", live + "        critic_loss = F.mse_loss")
    found = _found(cand, {"detach_grad"}, base)
    assert any(f.severity.value == "critical" and "entropy" in f.title for f in found), \
        [(f.title, f.severity) for f in found]


def test_the_same_nonlinearity_moved_into_a_branch_is_not_changed() -> None:
    found = _found(BASE.replace(ACT_BASE, ACT_BRANCHED), {"layers"})
    assert not [f for f in found if "tanh -> tanh" in f.title], [(f.title, f.severity) for f in found]


def test_a_nonlinearity_replaced_in_the_branch_is_still_changed() -> None:
    branched = ACT_BRANCHED.replace("action = torch.tanh(z)", "action = torch.sigmoid(z)")
    found = _found(BASE.replace(ACT_BASE, branched), {"layers"})
    assert any("Nonlinearity changed: tanh -> sigmoid" in f.title for f in found), [(f.title, f.severity) for f in found]



PPO_UPDATE = """
import torch


class PPO:
    def update(self, obs, next_obs, rewards, dones):
        with torch.no_grad():
            {next_values}
        returns = rewards + self.gamma * (1 - dones) * next_values
        values = self.critic(obs)
        loss = ((values - returns) ** 2).mean()
        loss.backward()
"""


def test_a_cut_value_now_derived_from_another_cut_value_is_not_removed() -> None:
    """Negative: `next_values` computed in the `no_grad` from a value the same block already cut keeps its
    cut (a first version of the rule dropped it, and read the baseline's cut as removed)."""
    base = PPO_UPDATE.replace("{next_values}", "next_values = self.critic(next_obs)")
    cand = PPO_UPDATE.replace("{next_values}", "values_out = self.critic(next_obs)\n            next_values = values_out.reshape(-1)")
    main = "from ppo import PPO\n\nagent = PPO()\nfor step in range(1000):\n    agent.update(step, step, step, step)\n"
    found = run_on({"ppo.py": base, "main.py": main}, {"ppo.py": cand, "main.py": main}, only={"detach_grad"}).findings
    assert not [f for f in found if "removed" in f.title], [(f.title, f.severity) for f in found]
