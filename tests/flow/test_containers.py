"""A yielded tuple replaced by a named container: the same values, read by name.

Real shape (rsl_rl v4.0.1..v5.0.0): `RolloutStorage.generator` yielded `(obs[i], actions[i],
privileged_actions[i], dones[i])` and now yields `RolloutStorage.Batch(observations=...,
privileged_actions=..., dones=...)` (a plain class whose `__init__` stores its parameters); the
distillation update went from `for obs, _, privileged_actions, dones in storage.generator()` to
`for batch in storage.generator()` reading `batch.observations`, ... Both were "Behavioural change in
the loss path", significant. Negatives: a dropped value a consumer read, a field carrying another value,
a consumer reading another field than the position it read.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

STORAGE_BASE = '''
class RolloutStorage:
    def __init__(self, n, obs, actions, teacher, dones):
        self.n = n
        self.observations = obs
        self.actions = actions
        self.privileged_actions = teacher
        self.dones = dones

    def generator(self):
        for i in range(self.n):
            yield self.observations[i], self.actions[i], self.privileged_actions[i], self.dones[i]
'''
STORAGE_CAND = '''
class RolloutStorage:
    class Batch:
        """A batch of data."""

        def __init__(self, observations=None, actions=None, privileged_actions=None, dones=None):
            """Named access to the fields."""
            self.observations = observations
            self.actions = actions
            self.privileged_actions = privileged_actions
            self.dones = dones

    def __init__(self, n, obs, actions, teacher, dones):
        self.n = n
        self.observations = obs
        self.actions = actions
        self.privileged_actions = teacher
        self.dones = dones

    def generator(self):
        for i in range(self.n):
            yield RolloutStorage.Batch(
                observations=self.observations[i],
                privileged_actions={teacher},
                dones=self.dones[i],
            )
'''
UPDATE_BASE = '''
class Distillation:
    def __init__(self, student, storage, optimizer):
        self.student = student
        self.storage = storage
        self.optimizer = optimizer

    def update(self):
        for obs, {second}, privileged_actions, dones in self.storage.generator():
            actions = self.student(obs)
            loss = (actions - privileged_actions).pow(2).mean(){extra}
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.student.reset(dones.view(-1))
'''
UPDATE_CAND = '''
class Distillation:
    def __init__(self, student, storage, optimizer):
        self.student = student
        self.storage = storage
        self.optimizer = optimizer

    def update(self):
        for batch in self.storage.generator():
            actions = self.student(batch.observations)
            loss = (actions - batch.{target}).pow(2).mean(){extra}
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.student.reset(batch.dones.view(-1))
'''
RUNNER = '''
from distill import Distillation
from storage import RolloutStorage


def main(student, optimizer, data):
    storage = RolloutStorage(8, *data)
    algo = Distillation(student, storage, optimizer)
    algo.update()
'''


def _run(second: str = "_", teacher: str = "self.privileged_actions[i]", target: str = "privileged_actions"):
    read = second != "_"  # the baseline consumer reads the second value (the student's own actions)
    base = {"storage.py": STORAGE_BASE, "runner.py": RUNNER,
            "distill.py": UPDATE_BASE.format(second=second, extra=f" + {second}.pow(2).mean()" if read else "")}
    cand = {"storage.py": STORAGE_CAND.format(teacher=teacher), "runner.py": RUNNER,
            "distill.py": UPDATE_CAND.format(target=target, extra=" + batch.actions.pow(2).mean()" if read else "")}
    result = analyse(_index(base, cand))
    return result, {f.title: f for f in result.findings}


def test_a_tuple_yielded_as_a_named_container_read_by_name_is_the_same_values():
    result, found = _run()
    assert not [t for t in found if "generator" in t or "Distillation.update" in t], list(found)
    same = [n for n in result.no_effect if n.title.startswith("Container changed in")]
    assert same and "yields a `Batch` instead of a 4-tuple" in same[0].reason
    assert "position 0 -> `observations`" in same[0].reason


def test_a_dropped_value_a_consumer_read_is_still_reported():
    # the consumer read the actions (position 1), which the container no longer carries
    _result, found = _run(second="taken")
    gen = [f for t, f in found.items() if "RolloutStorage.generator" in t]
    assert gen and gen[0].severity is Severity.significant, list(found)
    assert "position(s) 1 that a consumer read are no longer carried" in gen[0].rationale


def test_a_field_carrying_another_value_or_read_in_place_of_another_is_a_change():
    # the teacher's field now carries the student's actions: matched by value to position 1, so the teacher's
    # actions (position 2, read by the consumer) are no longer carried, and the consumer reads other values
    _result, found = _run(teacher="self.actions[i]")
    gen = [f for t, f in found.items() if "RolloutStorage.generator" in t]
    assert gen and "position(s) 2 that a consumer read are no longer carried" in gen[0].rationale, list(found)
    assert [t for t in found if "Distillation.update" in t], list(found)
    _result, found = _run(teacher="self.privileged_actions[i] * 2")
    gen = [f for t, f in found.items() if "RolloutStorage.generator" in t]
    assert gen and "`privileged_actions` carry a value the baseline did not yield" in gen[0].rationale, list(found)
    # the consumer now reads the dones where it read the teacher's actions
    _result, found = _run(target="dones")
    assert [t for t in found if "Distillation.update" in t], list(found)


BUFFER = '''
import numpy as np


class Buffer:
    def __init__(self, size):
        self.obs = np.zeros(size)
        self.rewards = np.zeros(size)
        self.dones = np.zeros(size)
        self.masks = np.ones(size)

    def sample(self, idx):
        return {values}
'''
RUNNER_MA = '''
class Runner:
    def __init__(self, buffer, critic, optimizer):
        self.buffer = buffer
        self.critic = critic
        self.optimizer = optimizer

    def train(self, idx):
        data = self.buffer.sample(idx)
        ({names}) = data
        loss = (self.critic(sp_obs) - sp_reward * (1 - sp_done)).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def main(buffer, critic, optimizer):
    runner = Runner(buffer, critic, optimizer)
    for idx in range(10):
        runner.train(idx)
'''
OLD_VALUES = "self.obs[idx], self.rewards[idx], self.dones[idx]"
NEW_VALUES = "self.obs[idx], self.masks[idx], self.rewards[idx], self.dones[idx]"
OLD_NAMES = "sp_obs, sp_reward, sp_done"
NEW_NAMES = "sp_obs, sp_valid_transition, sp_reward, sp_done"


def _runner(cand_names: str):
    base = {"buffer.py": BUFFER.format(values=OLD_VALUES), "runner.py": RUNNER_MA.format(names=OLD_NAMES)}
    cand = {"buffer.py": BUFFER.format(values=NEW_VALUES), "runner.py": RUNNER_MA.format(names=cand_names)}
    result = analyse(_index(base, cand))
    return result, [f for f in result.findings if "Runner.train" in f.title]


def test_a_sampled_tuple_that_gained_elements_read_by_the_same_names_is_no_change():
    # HARL 690fb1d9..06d697fb: the replay buffer's sample gained `available_actions` / `valid_transition`
    # in the middle; the MA runner's update unpacks the new names and uses the same tensors
    result, found = _runner(NEW_NAMES)
    assert not found, [f.title for f in found]
    assert any("read by name" in n.reason for n in result.no_effect if "Runner.train" in n.title)


def test_an_unpacking_that_now_reads_another_name_or_swaps_positions_is_a_change():
    # the consumer computes its target from the validity mask where it used the reward
    swapped = RUNNER_MA.replace("sp_reward * (1 - sp_done)", "sp_valid_transition * (1 - sp_done)")
    base = {"buffer.py": BUFFER.format(values=OLD_VALUES), "runner.py": RUNNER_MA.format(names=OLD_NAMES)}
    cand = {"buffer.py": BUFFER.format(values=NEW_VALUES), "runner.py": swapped.format(names=NEW_NAMES)}
    assert [f for f in analyse(_index(base, cand)).findings if "Runner.train" in f.title]
    # same length, swapped order: positions keep their meaning, a change
    same_len = {"buffer.py": BUFFER.format(values=OLD_VALUES), "runner.py": RUNNER_MA.format(names="sp_reward, sp_obs, sp_done")}
    assert [f for f in analyse(_index(base, same_len)).findings if "Runner.train" in f.title]
