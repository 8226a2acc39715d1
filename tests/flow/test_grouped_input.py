"""An input now read out of groups of a container parameter, through a module that is the identity at
the defaults of new options.

Real shape (rsl_rl d38a378b..c49573e4): `act_inference(self, observations)` returned
`self.actor(observations)`; it now takes a TensorDict `obs` and returns
`self.actor(self.actor_obs_normalizer(self.get_actor_obs(obs)))`, `get_actor_obs` concatenating
`obs[g] for g in self.obs_groups["policy"]`, the normaliser `torch.nn.Identity()` unless the new option
`actor_obs_normalization` (default False) is set: "Behavioural change in the loss path" (significant).
Negatives: the normaliser built unconditionally (a real normalisation added), and a network applied to
the groups where the baseline applied none, stay significant."""

from __future__ import annotations

from tests.flow.support import flow_findings

POLICY_BASE = '''
import torch
from torch import nn


class Policy(nn.Module):
    def __init__(self, num_obs, num_actions):
        super().__init__()
        self.actor = nn.Linear(num_obs, num_actions)

    def act_inference(self, observations):
        actions_mean = self.actor(observations)
        return actions_mean
'''

POLICY_CAND = '''
import torch
from torch import nn


class RunningNorm(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.mean = torch.zeros(n)

    def forward(self, x):
        return x - self.mean


class Policy(nn.Module):
    def __init__(self, num_obs, num_actions, obs_groups, obs_normalization=False):
        super().__init__()
        self.obs_groups = obs_groups
        self.actor = nn.Linear(num_obs, num_actions)
{normalizer}

    def get_actor_obs(self, obs):
        obs_list = [obs[group] for group in self.obs_groups["policy"]]
        return torch.cat(obs_list, dim=-1)

    def act_inference(self, obs):
        obs = self.get_actor_obs(obs)
        obs = {applied}(obs)
        return self.actor(obs)
'''
OPTIONAL = '''        if obs_normalization:
            self.obs_normalizer = RunningNorm(num_obs)
        else:
            self.obs_normalizer = torch.nn.Identity()'''
ALWAYS = '''        self.obs_normalizer = RunningNorm(num_obs)'''

TRAIN = '''
from policy import Policy


def distill(student: Policy, batches, optimizer):
    for obs, teacher_actions in batches:
        actions = student.act_inference(obs)
        loss = (actions - teacher_actions).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''


def _findings(normalizer: str, applied: str = "self.obs_normalizer") -> list:
    cand = POLICY_CAND.format(normalizer=normalizer, applied=applied)
    return [f for f in flow_findings({"policy.py": POLICY_BASE, "train.py": TRAIN},
                                     {"policy.py": cand, "train.py": TRAIN}) if "act_inference" in f.title]


def test_an_input_read_out_of_groups_through_an_identity_at_defaults_is_low() -> None:
    found = _findings(OPTIONAL)
    assert [f.severity.value for f in found] == ["low"], [(f.severity.value, f.title) for f in found]
    assert found[0].title.startswith("Input read out of observation groups")
    assert "`self.obs_normalizer`, the identity" in found[0].rationale


def test_a_normaliser_built_unconditionally_stays_significant() -> None:
    found = _findings(ALWAYS)
    assert [f.severity.value for f in found] == ["significant"], [(f.severity.value, f.title) for f in found]


def test_another_network_applied_to_the_groups_stays_significant() -> None:
    found = _findings(OPTIONAL, applied="self.actor")
    assert [f.severity.value for f in found] == ["significant"], [(f.severity.value, f.title) for f in found]


RECURRENT_BASE = POLICY_BASE + '''

class RecurrentPolicy(Policy):
    def __init__(self, num_obs, num_actions, hidden):
        super().__init__(hidden, num_actions)
        self.memory = nn.GRU(num_obs, hidden)

    def act_inference(self, observations):
        input_a = self.memory(observations)
        return super().act_inference(input_a.squeeze(0))
'''

RECURRENT_CAND = POLICY_CAND.format(normalizer=OPTIONAL, applied="self.obs_normalizer") + '''

class RecurrentPolicy(Policy):
    def __init__(self, num_obs, num_actions, hidden, obs_groups, obs_normalization=False):
        super().__init__(hidden, num_actions, obs_groups)
        self.memory = nn.GRU(num_obs, hidden)
        if obs_normalization:
            self.obs_normalizer = RunningNorm(num_obs)
        else:
            self.obs_normalizer = torch.nn.Identity()

    def act_inference(self, obs):
        obs = self.get_actor_obs(obs)
        obs = self.obs_normalizer(obs)
        out = self.memory(obs).squeeze(0)
        return self.actor({applied})
'''


def test_the_base_class_method_a_subclass_called_through_super_is_read_as_its_body() -> None:
    """The recurrent policy returned `super().act_inference(memory_out)`; it applies `self.actor` itself."""
    def found(applied: str) -> list[str]:
        # a low finding may be one of a file's grouped low findings: matched by the functions of its evidence
        return [f.severity.value for f in flow_findings(
            {"policy.py": RECURRENT_BASE, "train.py": TRAIN.replace("Policy", "RecurrentPolicy")},
            {"policy.py": RECURRENT_CAND.replace("{applied}", applied),
             "train.py": TRAIN.replace("Policy", "RecurrentPolicy")})
            if "RecurrentPolicy.act_inference" in f.title
            or any((e.details or {}).get("function") == "policy.py:RecurrentPolicy.act_inference" for e in f.evidence)]
    assert found("out") == ["low"]
    assert found("obs") == ["significant"]  # the memory's output no longer reaches the actor
