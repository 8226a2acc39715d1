"""A new string-mode option whose default selects the old computation is opt-in: low.

Real shape (rsl_rl v2.2.2..v2.2.3): `ActorCritic` gains `noise_std_type: str = "scalar"`, stores it and
branches `if self.noise_std_type == "scalar": <old line> elif ... == "log": <new line> else: raise
ValueError(f"Unknown ... {self.noise_std_type}")` in `__init__` and `update_distribution`. The only other
read of the option is the error message of the `raise`, which made it no pure switch, and both methods
were "Behavioural change in the architecture path", significant, while a run at the default computes what
it computed before. Negatives: a default that selects the new branch; an option read by computation
(not only by tests and error messages).
"""

from __future__ import annotations

from investigator.models import Severity
from tests.flow.support import flow_findings

POLICY_BASE = """
import torch
import torch.nn as nn
from torch.distributions import Normal


class ActorCritic(nn.Module):
    def __init__(self, num_obs, num_actions, init_noise_std=1.0, **kwargs):
        super().__init__()
        self.actor = nn.Linear(num_obs, num_actions)
        self.critic = nn.Linear(num_obs, 1)
        self.std = nn.Parameter(init_noise_std * torch.ones(num_actions))
        self.distribution = None

    def update_distribution(self, observations):
        mean = self.actor(observations)
        std = self.std.expand_as(mean)
        self.distribution = Normal(mean, std)

    def act(self, observations):
        self.update_distribution(observations)
        return self.distribution.sample()

    def evaluate(self, observations):
        return self.critic(observations)
"""

POLICY_CAND = """
import torch
import torch.nn as nn
from torch.distributions import Normal


class ActorCritic(nn.Module):
    def __init__(self, num_obs, num_actions, init_noise_std=1.0, noise_std_type: str = {default}, **kwargs):
        super().__init__()
        self.actor = nn.Linear(num_obs, num_actions)
        self.critic = nn.Linear(num_obs, 1)
        self.noise_std_type = noise_std_type
        if self.noise_std_type == "scalar":
            self.std = nn.Parameter(init_noise_std * torch.ones(num_actions))
        elif self.noise_std_type == "log":
            self.log_std = nn.Parameter(torch.log(init_noise_std * torch.ones(num_actions)))
        else:
            raise ValueError(f"Unknown standard deviation type: {{self.noise_std_type}}")
        self.distribution = None

    def update_distribution(self, observations):
        mean = self.actor(observations)
        if self.noise_std_type == "scalar":
            std = self.std.expand_as(mean)
        elif self.noise_std_type == "log":
            std = torch.exp(self.log_std).expand_as(mean)
        else:
            raise ValueError(f"Unknown standard deviation type: {{self.noise_std_type}}")
        self.distribution = Normal(mean, std){extra}

    def act(self, observations):
        self.update_distribution(observations)
        return self.distribution.sample()

    def evaluate(self, observations):
        return self.critic(observations)
"""

RUNNER = """
import torch
from policy import ActorCritic


def train(env, cfg):
    policy = ActorCritic(env.num_obs, env.num_actions, **cfg["policy"])
    optimizer = torch.optim.Adam(policy.parameters(), lr=1e-3)
    obs = env.reset()
    for _ in range(100):
        actions = policy.act(obs)
        obs, rewards, dones = env.step(actions)
        log_prob = policy.distribution.log_prob(actions).sum(-1)
        loss = -(log_prob * rewards).mean() + (policy.evaluate(obs) - rewards).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _run(default: str, extra: str = "") -> list:
    base = {"policy.py": POLICY_BASE, "runner.py": RUNNER}
    cand = {**base, "policy.py": POLICY_CAND.format(default=default, extra=extra)}
    return [f for f in flow_findings(base, cand) if any(loc.path == "policy.py" for loc in f.locations)]


def test_a_new_mode_whose_default_keeps_the_old_branch_is_low() -> None:
    found = _run('"scalar"')
    assert found, "an opt-in change is still reported (low), never silent"
    assert all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    upd = [f for f in found if "update_distribution" in f.title]
    assert upd and "noise_std_type" in upd[0].rationale, [(f.title, f.rationale) for f in found]


def test_a_new_mode_whose_default_takes_the_new_branch_is_significant() -> None:
    found = _run('"log"')
    upd = [f for f in found if "update_distribution" in f.title]
    assert upd and upd[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def test_a_mode_also_read_by_computation_is_no_pure_switch() -> None:
    # the option's value flows into the distribution, not only into branch tests and error messages
    found = _run('"scalar"', "\n        self.kind = len(self.noise_std_type) * mean")
    upd = [f for f in found if "update_distribution" in f.title]
    assert upd and upd[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def test_a_configuration_that_selects_the_new_mode_keeps_the_severity() -> None:
    from investigator.flow.optin import ConfigValues
    base = {"policy.py": POLICY_BASE, "runner.py": RUNNER}
    cand = {**base, "policy.py": POLICY_CAND.format(default='"scalar"', extra="")}
    on = ConfigValues(baseline={}, candidate={"policy.noise_std_type": "log"},
                      where={"policy.noise_std_type": "cfg.yaml:3"})
    found = [f for f in flow_findings(base, cand, on) if "update_distribution" in f.title]
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
    same = ConfigValues(baseline={}, candidate={"policy.noise_std_type": "scalar"},
                        where={"policy.noise_std_type": "cfg.yaml:3"})
    found = [f for f in flow_findings(base, cand, same) if "update_distribution" in f.title]
    assert found and found[0].severity is Severity.low, [(f.title, f.severity) for f in found]
