"""A call whose arguments only follow its callee's changed signature is compared in the callee.

Real shape (rsl_rl d38a378b..c49573e4): `RolloutStorage(training_type, num_envs, steps,
student_obs_shape, teacher_obs_shape, actions_shape, None, device)` became `RolloutStorage(
training_type, num_envs, steps, obs, actions_shape, device)` because the storage now takes an example
observation; `Distillation.init_storage` was "Behavioural change in the loss path" though the storage's
own change is reported in `RolloutStorage.__init__`. Negatives: the same argument change to a callee
whose signature did not change, and a call change beside another change of the statement.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Finding
from tests.flow.test_equivalence import _index

STORAGE = """
import torch


class RolloutStorage:
    def __init__(self, num_envs, steps, obs_shape, actions_shape):
        self.observations = torch.zeros(steps, num_envs, *obs_shape)
        self.actions = torch.zeros(steps, num_envs, *actions_shape)

    def generator(self):
        for i in range(self.observations.shape[0]):
            yield self.observations[i], self.actions[i]
"""
STORAGE_NEW = """
import torch


class RolloutStorage:
    def __init__(self, num_envs, steps, obs, actions_shape):
        self.observations = torch.zeros(steps, num_envs, *obs.shape[1:])
        self.actions = torch.zeros(steps, num_envs, *actions_shape)

    def generator(self):
        for i in range(self.observations.shape[0]):
            yield self.observations[i], self.actions[i]
"""
ALGO = """
from storage import RolloutStorage


class Distillation:
    def __init__(self, policy, optimizer):
        self.policy = policy
        self.optimizer = optimizer
        self.storage = None

    def init_storage(self, num_envs, steps, {params}, actions_shape):
        self.storage = RolloutStorage(num_envs, steps, {args}, actions_shape)

    def update(self):
        for obs, actions in self.storage.generator():
            loss = ((self.policy(obs) - actions) ** 2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


def main(policy, optimizer, env):
    algo = Distillation(policy, optimizer)
    algo.init_storage(8, 24, env.observation_shape, env.action_shape)
    algo.update()
"""


def _algo(params: str, args: str) -> str:
    return ALGO.replace("{params}", params).replace("{args}", args)


def _findings(base: dict[str, str], cand: dict[str, str]) -> list[Finding]:
    return analyse(_index(base, cand)).findings


def test_arguments_following_the_callees_changed_signature_are_compared_in_the_callee() -> None:
    base = {"storage.py": STORAGE, "algo.py": _algo("obs_shape", "obs_shape")}
    cand = {"storage.py": STORAGE_NEW, "algo.py": _algo("obs", "obs")}
    found = _findings(base, cand)
    assert not [f.title for f in found if "init_storage" in f.title], [f.title for f in found]
    assert any("RolloutStorage.__init__" in f.title for f in found), "the callee's own change is reported"


def test_the_same_argument_change_to_an_unchanged_callee_is_reported() -> None:
    base = {"storage.py": STORAGE, "algo.py": _algo("obs_shape", "obs_shape")}
    cand = {"storage.py": STORAGE, "algo.py": _algo("obs_shape", "obs_shape[1:]")}
    found = _findings(base, cand)
    assert any("init_storage" in f.title for f in found), [f.title for f in found]


def test_a_call_change_beside_another_change_of_the_statement_is_reported() -> None:
    base = {"storage.py": STORAGE, "algo.py": _algo("obs_shape", "obs_shape")}
    cand = {"storage.py": STORAGE_NEW,
            "algo.py": _algo("obs", "obs").replace("self.storage = RolloutStorage(", "self.storage = 2 * RolloutStorage(")}
    found = _findings(base, cand)
    assert any("init_storage" in f.title for f in found), [f.title for f in found]
