"""A yielded tuple that lost positions no consumer read is the same values.

Real shape (rsl_rl d38a..c495): `RolloutStorage.generator` yielded `obs[i], privileged_obs, actions[i],
privileged_actions[i], dones[i]` (the privileged observations chosen by an `if` above) and now yields
`obs[i], actions[i], privileged_actions[i], dones[i]` (the privileged observations live in the
observation TensorDict); distillation's loop went from `for obs, _, _, privileged_actions, dones` to
`for obs, _, privileged_actions, dones`. The generator was "Behavioural change in the loss path".
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

STORAGE_BASE = '''
class RolloutStorage:
    def __init__(self, n, obs, privileged, actions, teacher, dones):
        self.n = n
        self.observations = obs
        self.privileged_observations = privileged
        self.actions = actions
        self.privileged_actions = teacher
        self.dones = dones

    def generator(self):
        for i in range(self.n):
            if self.privileged_observations is not None:
                privileged_observations = self.privileged_observations[i]
            else:
                privileged_observations = self.observations[i]
            yield self.observations[i], privileged_observations, self.actions[i], self.privileged_actions[i], self.dones[i]
'''
STORAGE_CAND = STORAGE_BASE.replace('''            if self.privileged_observations is not None:
                privileged_observations = self.privileged_observations[i]
            else:
                privileged_observations = self.observations[i]
            yield self.observations[i], privileged_observations, self.actions[i], self.privileged_actions[i], self.dones[i]''',
                                    '''            yield {yielded}''')
UPDATE = '''
class Distillation:
    def __init__(self, student, storage, optimizer):
        self.student = student
        self.storage = storage
        self.optimizer = optimizer

    def update(self):
        for {targets} in self.storage.generator():
            actions = self.student(obs)
            loss = (actions - privileged_actions).pow(2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.student.reset(dones.view(-1))
'''
RUNNER = '''
from distill import Distillation
from storage import RolloutStorage


def main(student, optimizer, data):
    storage = RolloutStorage(8, *data)
    algo = Distillation(student, storage, optimizer)
    algo.update()
'''
SAME = "self.observations[i], self.actions[i], self.privileged_actions[i], self.dones[i]"


def _titles(base_targets: str, yielded: str, cand_targets: str) -> list[str]:
    base = {"storage.py": STORAGE_BASE, "runner.py": RUNNER, "distill.py": UPDATE.format(targets=base_targets)}
    cand = {"storage.py": STORAGE_CAND.format(yielded=yielded), "runner.py": RUNNER,
            "distill.py": UPDATE.format(targets=cand_targets)}
    result = analyse(_index(base, cand))
    return [f.title for f in result.findings]


def test_a_dropped_position_no_consumer_read_is_no_change():
    found = _titles("obs, _, _, privileged_actions, dones", SAME, "obs, _, privileged_actions, dones")
    assert not [t for t in found if "generator" in t], found


def test_a_dropped_position_a_consumer_read_is_a_change():
    base_update = "obs, _, _, privileged_actions, dones"
    found = _titles(base_update.replace("obs, _, _,", "_, obs, _,"), SAME, "obs, _, privileged_actions, dones")
    assert [t for t in found if "generator" in t], found


def test_another_value_in_a_kept_position_is_a_change():
    found = _titles("obs, _, _, privileged_actions, dones", SAME.replace("self.actions[i]", "self.actions[i] * 2"),
                    "obs, _, privileged_actions, dones")
    assert [t for t in found if "generator" in t], found
