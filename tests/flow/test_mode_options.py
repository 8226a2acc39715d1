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


ACT_BASE = """
import torch.nn as nn
from dists import Categorical, DiagGaussian


class ACTLayer(nn.Module):
    def __init__(self, action_space, inputs_dim):
        super().__init__()
        self.action_type = action_space.__class__.__name__
        if action_space.__class__.__name__ == "Discrete":
            self.action_out = Categorical(inputs_dim, action_space.n)
        elif action_space.__class__.__name__ == "Box":
            self.action_out = DiagGaussian(inputs_dim, action_space.shape[0])
{fallback}
    def forward(self, x):
        action_distribution = self.action_out(x)
        actions = action_distribution.sample()
        action_log_probs = action_distribution.log_probs(actions)
        return actions, action_log_probs
"""
ACT_CAND = """
import torch
import torch.nn as nn
from dists import Categorical, DiagGaussian


class ACTLayer(nn.Module):
    def __init__(self, action_space, inputs_dim):
        super().__init__()
        self.action_type = action_space.__class__.__name__
        self.multidiscrete_action = False
        if action_space.__class__.__name__ == "Discrete":
            self.action_out = Categorical(inputs_dim, action_space.n)
        elif action_space.__class__.__name__ == "Box":
            self.action_out = DiagGaussian(inputs_dim, action_space.shape[0])
        elif action_space.__class__.__name__ == "MultiDiscrete":
            self.multidiscrete_action = True
            self.action_outs = nn.ModuleList([Categorical(inputs_dim, n) for n in action_space.nvec])
{fallback}
    def forward(self, x):
        if self.multidiscrete_action:
            actions = []
            action_log_probs = []
            for action_out in self.action_outs:
                action_distribution = action_out(x)
                action = action_distribution.sample()
                actions.append(action)
                action_log_probs.append(action_distribution.log_probs(action))
            actions = torch.cat(actions, dim=-1)
            action_log_probs = torch.cat(action_log_probs, dim=-1).sum(dim=-1, keepdim=True)
        else:
            action_distribution = self.action_out(x)
            actions = action_distribution.sample()
            action_log_probs = action_distribution.log_probs(actions)
        return actions, action_log_probs
"""
ACT_RUNNER = """
import torch
from act import ACTLayer


def train(env, encoder, cfg):
    act = ACTLayer(env.action_space, 64)
    optimizer = torch.optim.Adam(act.parameters(), lr=1e-3)
    obs = env.reset()
    for _ in range(100):
        actions, log_probs = act(encoder(obs))
        obs, rewards, dones = env.step(actions)
        loss = -(log_probs * rewards).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""
FALLBACK = "        else:\n            self.action_out = Categorical(inputs_dim, int(action_space.nvec.sum()))\n"


def _act(base_fallback: str = "") -> list:
    base = {"act.py": ACT_BASE.format(fallback=base_fallback), "runner.py": ACT_RUNNER}
    cand = {**base, "act.py": ACT_CAND.format(fallback=base_fallback)}
    return [f for f in flow_findings(base, cand) if any(loc.path == "act.py" for loc in f.locations)]


def test_a_head_for_an_action_space_the_baseline_did_not_handle_is_low() -> None:
    found = [f for f in _act() if "forward" in f.title]
    assert found and all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    assert "multidiscrete_action" in found[0].rationale


def test_a_space_the_baseline_handled_by_a_fallback_takes_the_new_branch() -> None:
    # the baseline's `else:` built a head for every other space: MultiDiscrete runs change
    found = [f for f in _act(FALLBACK) if "forward" in f.title]
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
