"""Buffers allocated in another arrangement, beside storage that went: a storage layout change.

Real shape (rsl_rl d38a378b..c49573e4): `RolloutStorage.__init__` allocated `self.observations =
torch.zeros(steps, num_envs, *obs_shape)` (plus privileged observations and an RND-state buffer with its
shape) and now allocates `self.observations = TensorDict({key: torch.zeros(steps, *value.shape) for key,
value in obs.items()}, ...)`, the RND state and its shape gone. It was "Behavioural change in the loss
path", as if a computed value had changed; what changed is where values are kept (they are written by
`add`, compared there). Negatives: a buffer now filled with another value (`ones`), and a buffer's shape
changed with no storage gone, stay behavioural changes.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

BASE = '''
import torch


class RolloutStorage:
    def __init__(self, num_envs, steps, obs_shape, privileged_obs_shape, actions_shape, rnd_state_shape=None):
        self.steps = steps
        self.rnd_state_shape = rnd_state_shape
        self.observations = torch.zeros(steps, num_envs, *obs_shape)
        if privileged_obs_shape is not None:
            self.privileged_observations = torch.zeros(steps, num_envs, *privileged_obs_shape)
        else:
            self.privileged_observations = None
        self.actions = torch.zeros(steps, num_envs, *actions_shape)
        if rnd_state_shape is not None:
            self.rnd_state = torch.zeros(steps, num_envs, *rnd_state_shape)
        self.step = 0

    def add(self, obs, privileged, actions, rnd_state):
        self.observations[self.step].copy_(obs)
        if self.privileged_observations is not None:
            self.privileged_observations[self.step].copy_(privileged)
        self.actions[self.step].copy_(actions)
        if self.rnd_state_shape is not None:
            self.rnd_state[self.step].copy_(rnd_state)
        self.step += 1

    def generator(self):
        for i in range(self.steps):
            yield self.observations[i], self.actions[i]
'''
CAND = '''
import torch
from tensordict import TensorDict


class RolloutStorage:
    def __init__(self, num_envs, steps, obs, actions_shape):
        self.steps = steps
        self.observations = TensorDict({key: torch.zeros(steps, *value.shape) for key, value in obs.items()},
                                       batch_size=[steps, num_envs])
        self.actions = torch.zeros(steps, num_envs, *actions_shape)
        self.step = 0

    def add(self, obs, privileged, actions, rnd_state):
        self.observations[self.step].copy_(obs)
        self.actions[self.step].copy_(actions)
        self.step += 1

    def generator(self):
        for i in range(self.steps):
            yield self.observations[i], self.actions[i]
'''
ALGO = '''
from storage import RolloutStorage


class Distillation:
    def __init__(self, policy, optimizer):
        self.policy = policy
        self.optimizer = optimizer
        self.storage = RolloutStorage(4, 8, (3,), None, (2,))

    def update(self):
        for obs, actions in self.storage.generator():
            loss = ((self.policy(obs) - actions) ** 2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''
ALGO_C = ALGO.replace("RolloutStorage(4, 8, (3,), None, (2,))", "RolloutStorage(4, 8, None, (2,))")


def _init_findings(cand: str, algo_c: str = ALGO_C) -> list[tuple[str, Severity]]:
    result = analyse(_index({"storage.py": BASE, "algo.py": ALGO}, {"storage.py": cand, "algo.py": algo_c}))
    return [(f.title, f.severity) for f in result.findings if "RolloutStorage.__init__" in f.title]


def test_buffers_re_allocated_beside_dropped_storage_are_a_layout_change_keeping_severity():
    found = _init_findings(CAND)
    assert found and all(t.startswith("Storage layout changed") for t, _ in found), found
    assert "`observations`" in found[0][0] and "`rnd_state_shape`" in found[0][0], found
    assert found[0][1] is Severity.significant, found  # re-allocated buffers: the severity is not narrowed


def test_a_buffer_filled_with_another_value_is_not_a_layout_change():
    found = _init_findings(CAND.replace("torch.zeros(steps, *value.shape)", "torch.ones(steps, *value.shape)"))
    assert found and not any(t.startswith("Storage layout changed") for t, _ in found), found


def test_a_buffer_reshaped_with_no_storage_gone_is_not_a_layout_change():
    cand = BASE.replace("torch.zeros(steps, num_envs, *obs_shape)", "torch.zeros(steps, num_envs, obs_shape[0] + 1)")
    found = _init_findings(cand, ALGO)
    assert found and not any(t.startswith("Storage layout changed") for t, _ in found), found
