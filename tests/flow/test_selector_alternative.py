"""A new alternative of an asserted selector: the arms only it takes change none of the baseline's runs.

Real shape (pomdp-baselines 8d188955..c16ac3db, policies/models/policy_mlp.py and policy_rnn.py): the baseline's
`ModelFreeOffPolicy_MLP.__init__` asserted `algo in [self.TD3_name, self.SAC_name]`; the candidate adds `SACD_name =
"sacd"` (a discrete SAC) to the assertion, turns the baseline's `else:` (SAC) into `elif self.algo == self.SAC_name:`
plus a new `else:` (SACD), adds `if self.algo == self.SACD_name:` blocks, picks an argument with `... if self.algo in
[TD3, SAC] else ...`, and moves the SAC arm's entropy term under `if self.algo in [self.SAC_name, self.SACD_name]:`.
`__init__` and `update` were "Behavioural change in the loss path", significant; every TD3 and SAC run computes
what the baseline computed.

Negatives: the baseline asserted nothing (its `else:` took any other value, which a shipped configuration selects),
an arm the existing values take changed, and the baseline's `else:` now splits an existing value off elsewhere.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

BASE = '''
import torch
import torch.nn.functional as F


class Agent:
    TD3_name = "td3"
    SAC_name = "sac"

    def __init__(self, algo, obs_dim, action_dim, lr=3e-4):
ASSERT        self.algo = algo
        self.qf = Critic(obs_dim + action_dim, 1)
        if self.algo == self.TD3_name:
            self.policy = Deterministic(obs_dim, action_dim)
        else:
            self.policy = Gaussian(obs_dim, action_dim)
            self.target_entropy = -float(action_dim)
        self.optim = torch.optim.Adam(self.policy.parameters(), lr=lr)

    def update(self, batch):
        obs, action, reward = batch["obs"], batch["act"], batch["rew"]
        if self.algo == self.TD3_name:
            new_action = self.policy(obs)
        else:
            new_action, log_prob = self.policy.sample(obs)
        q = self.qf(obs, new_action)
        policy_loss = -q
        if self.algo == self.SAC_name:
            policy_loss += self.alpha * log_prob
        policy_loss = policy_loss.mean()
        self.optim.zero_grad()
        policy_loss.backward()
        self.optim.step()
        return policy_loss.item()
'''

CAND = '''
import torch
import torch.nn.functional as F


class Agent:
    TD3_name = "td3"
    SAC_name = "sac"
    SACD_name = "sacd"

    def __init__(self, algo, obs_dim, action_dim, lr=3e-4):
ASSERT        self.algo = algo
        if self.algo in [self.TD3_name, self.SAC_name]:
            extra = action_dim
            out = 1
        else:
            extra = 0
            out = action_dim
        self.qf = Critic(obs_dim + extra, out)
        if self.algo == self.TD3_name:
            self.policy = Deterministic(obs_dim, action_dim)
        elif self.algo == self.SAC_name:
            self.policy = Gaussian(obs_dim, action_dim)
        else:
            self.policy = Categorical(obs_dim, action_dim)
        if self.algo in [self.SAC_name, self.SACD_name]:
            if self.algo == self.SAC_name:
                self.target_entropy = -float(action_dim)
            else:
                self.target_entropy = 0.98 * float(action_dim)
        self.optim = torch.optim.Adam(self.policy.parameters(), lr=lr)

    def update(self, batch):
        obs, action, reward = batch["obs"], batch["act"], batch["rew"]
        if self.algo == self.TD3_name:
            new_action = self.policy(obs)
        elif self.algo == self.SAC_name:
            new_action, log_prob = self.policy.sample(obs)
        else:
            new_probs, log_prob = self.policy.sample(obs)
        q = self.qf(obs, new_action if self.algo in [self.TD3_name, self.SAC_name] else new_probs)
        policy_loss = -q
        if self.algo in [self.SAC_name, self.SACD_name]:
            policy_loss += SCALEself.alpha * log_prob
        if self.algo == self.SACD_name:
            policy_loss = (new_probs * policy_loss).sum(dim=-1, keepdim=True)
        policy_loss = policy_loss.mean()
        self.optim.zero_grad()
        policy_loss.backward()
        self.optim.step()
        return policy_loss.item()
'''

BASE_ASSERT = "        assert algo in [self.TD3_name, self.SAC_name]\n"
CAND_ASSERT = "        assert algo in [self.TD3_name, self.SAC_name, self.SACD_name]\n"
TRAIN = """
from agent import Agent


def main(cfg, batches):
    agent = Agent(cfg["policy"]["algo"], 4, 2)
    for batch in batches:
        agent.update(batch)
"""
CONFIG = {"configs/cartpole.yml": "policy:\n  algo: sacd\n  lr: 0.0003\n"}


def _found(base: str, cand: str, config: dict[str, str] | None = None) -> dict[str, tuple[Severity, str]]:
    result = analyse(_index({"agent.py": base, "train.py": TRAIN}, {"agent.py": cand, "train.py": TRAIN, **(config or {})}))
    return {name: (f.severity, f.title) for f in result.findings for name in ("__init__", "update")
            if f"Agent.{name}" in f.title}


def _cand(assertion: str = CAND_ASSERT, scale: str = "") -> str:
    return CAND.replace("ASSERT", assertion).replace("SCALE", scale)


def test_arms_only_the_new_alternative_takes_are_off_for_every_baseline_run() -> None:
    found = _found(BASE.replace("ASSERT", BASE_ASSERT), _cand())
    assert found and all(sev is Severity.low for sev, _ in found.values()), found
    assert "update" not in found or "new alternative" in found["update"][1], found


def test_a_shipped_configuration_selecting_it_is_a_run_the_baseline_rejected() -> None:
    """The baseline's assertion failed for `algo: sacd`: that configuration is no run it could make."""
    found = _found(BASE.replace("ASSERT", BASE_ASSERT), _cand(), CONFIG)
    assert found and all(sev is Severity.low for sev, _ in found.values()), found


def test_without_the_baseline_assertion_its_else_took_the_new_value() -> None:
    """Negative: the baseline's `else:` ran any algo not TD3 (the configuration's `sacd` among them) as SAC."""
    found = _found(BASE.replace("ASSERT", ""), _cand(""), CONFIG)
    assert found.get("update", (None,))[0] is Severity.significant, found


def test_a_change_inside_an_arm_existing_values_take_stays() -> None:
    """Negative: SAC's entropy term is scaled in the arm SAC runs take."""
    found = _found(BASE.replace("ASSERT", BASE_ASSERT), _cand(scale="2.0 * "))
    assert found.get("update", (None,))[0] is Severity.significant, found


def test_an_existing_value_sent_to_another_arm_stays() -> None:
    """Negative: the baseline's `else:` (SAC) is now split: SAC runs lose the entropy term."""
    cand = _cand().replace("if self.algo in [self.SAC_name, self.SACD_name]:\n            policy_loss",
                           "if self.algo in [self.SACD_name]:\n            policy_loss")
    found = _found(BASE.replace("ASSERT", BASE_ASSERT), cand)
    assert found.get("update", (None,))[0] is Severity.significant, found
