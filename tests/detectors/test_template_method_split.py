"""A monolithic `learn()` split into a base class's template method and subclass implementations.

Real shape (sac-discrete.pytorch d48f9e10..cf2295cd): `SacDiscreteAgent.learn` of code/agent.py (with its own
`calc_critic_loss` and `calc_target_q`) became `BaseAgent.learn` (sacd/agent/base.py:166), which calls the
abstract `self.calc_critic_loss(...)` declared in `BaseAgent` and implemented by `SacdAgent` and
`SharedSacdAgent`. Compared as one pair with the base's abstract stub walked, the target's `(1.0 - dones)` and
the policy loss's entropy bonus, both intact in `SacdAgent`, read as "Done masking removed" (critical) and
"Entropy term removed from the loss". The walk of the base's `self.m()` goes to the subclass's `m` when the other
commit's counterpart runs a concrete `m`. Negatives: the masking really dropped from the subclass's target (or
from the only subclass) is still critical."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class SacDiscreteAgent:
    def calc_target_q(self, states, actions, rewards, next_states, dones):
        with torch.no_grad():
            next_q = self.critic_target(next_states).min(dim=1, keepdim=True)[0]
        target_q = rewards + (1.0 - dones) * self.gamma_n * next_q
        return target_q

    def calc_critic_loss(self, batch, weights):
        curr_q = self.critic(batch[0])
        target_q = self.calc_target_q(*batch)
        return torch.mean((curr_q - target_q).pow(2) * weights)

    def calc_policy_loss(self, batch, weights):
        probs, log_probs = self.policy.sample(batch[0])
        entropies = -torch.sum(probs * log_probs, dim=1, keepdim=True)
        q = torch.sum(self.critic(batch[0]) * probs, dim=1, keepdim=True)
        return (weights * (-q - self.alpha * entropies)).mean(), entropies

    def learn(self):
        self.learning_steps += 1
        batch = self.memory.sample(self.batch_size)
        weights = 1.
        q_loss = self.calc_critic_loss(batch, weights)
        policy_loss, entropies = self.calc_policy_loss(batch, weights)
        self.q_optim.zero_grad()
        q_loss.backward()
        self.q_optim.step()
        self.policy_optim.zero_grad()
        policy_loss.backward()
        self.policy_optim.step()
"""

BASE_CLASS = """
from abc import ABC, abstractmethod


class BaseAgent(ABC):
    @abstractmethod
    def calc_target_q(self, states, actions, rewards, next_states, dones):
        pass

    @abstractmethod
    def calc_critic_loss(self, batch, weights):
        pass

    @abstractmethod
    def calc_policy_loss(self, batch, weights):
        pass

    def learn(self):
        assert hasattr(self, "q_optim") and hasattr(self, "policy_optim")
        self.learning_steps += 1
        batch = self.memory.sample(self.batch_size)
        weights = 1.
        q_loss = self.calc_critic_loss(batch, weights)
        policy_loss, entropies = self.calc_policy_loss(batch, weights)
        update_params(self.q_optim, q_loss)
        update_params(self.policy_optim, policy_loss)
        if self.learning_steps % self.log_interval == 0:
            self.writer.add_scalar("loss/policy", policy_loss.detach().item(), self.learning_steps)


def update_params(optim, loss):
    optim.zero_grad()
    loss.backward()
    optim.step()
"""

SUBCLASS = """
import torch

from agent.base import BaseAgent


class {name}(BaseAgent):
    def calc_target_q(self, states, actions, rewards, next_states, dones):
        with torch.no_grad():
            next_q = self.target_critic(next_states).min(dim=1, keepdim=True)[0]
        return rewards + {mask}self.gamma_n * next_q

    def calc_critic_loss(self, batch, weights):
        curr_q = self.online_critic(batch[0])
        target_q = self.calc_target_q(*batch)
        return torch.mean((curr_q - target_q).pow(2) * weights)

    def calc_policy_loss(self, batch, weights):
        probs, log_probs = self.policy.sample(batch[0])
        entropies = -torch.sum(probs * log_probs, dim=1, keepdim=True)
        q = torch.sum(self.online_critic(batch[0]) * probs, dim=1, keepdim=True)
        return (weights * (-q - self.alpha * entropies)).mean(), entropies
"""

MASK = "(1.0 - dones) * "


def _titles(masks: tuple[str, ...] = (MASK, MASK)) -> list[str]:
    cand = {"agent/__init__.py": "", "agent/base.py": BASE_CLASS}
    for name, mask in zip(("SacdAgent", "SharedSacdAgent"), masks, strict=False):
        cand[f"agent/{name.lower()}.py"] = SUBCLASS.format(name=name, mask=mask)
    result = run_on({"code/agent.py": BASE}, cand, only={"done_mask", "entropy_term"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_code_split_into_subclass_implementations_is_not_removed() -> None:
    titles = _titles()
    assert not any("Done masking removed" in t or "Entropy term removed" in t for t in titles), titles


def test_one_subclass_implementation_is_followed() -> None:
    titles = _titles((MASK,))
    assert not any("Done masking removed" in t for t in titles), titles


def test_masking_dropped_in_the_only_subclass_is_still_critical() -> None:
    titles = _titles(("",))
    assert any(t.startswith("critical") and "Done masking removed" in t for t in titles), titles


def test_masking_dropped_in_every_subclass_is_still_critical() -> None:
    titles = _titles(("", ""))
    assert any(t.startswith("critical") and "Done masking removed" in t for t in titles), titles
