"""A step moved from a method into the (inherited) method that calls it is moved, not removed.

Real shape (tianshou, held-out ranges): `if self.lr_scheduler is not None: self.lr_scheduler.step()`
left the `learn` of every on-policy policy (in their own files) for `BasePolicy.update`, which calls
`result = self.learn(batch)` once per update: "Learning-rate schedule no longer applied (5 places)",
significant, while the schedule steps as often as before. Negatives: a caller the class does not run
(an unrelated class with its own `update`, or a subclass override), a caller that does not gain the step.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE_POLICY = """
class BasePolicy:
    def __init__(self, optim, lr_scheduler=None):
        self.optim = optim
        self.lr_scheduler = lr_scheduler

    def learn(self, batch):
        raise NotImplementedError

    def update(self, buffer):
        batch = buffer.sample()
        result = self.learn(batch)
{step}        return result
"""
STEP = "        if self.lr_scheduler is not None:\n            self.lr_scheduler.step()\n"
PG = """
from base import BasePolicy


class PGPolicy(BasePolicy):
    def learn(self, batch):
        loss = -(self.log_prob(batch) * batch.returns).mean()
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
{step}        return {{"loss": loss.item()}}
"""
OTHER = """
class Runner:
    def __init__(self, policy, sched):
        self.policy = policy
        self.sched = sched

    def learn(self, batch):
        return self.policy.update(batch)

    def update(self, buffer):
        out = self.learn(buffer)
        self.sched.step()
        return out
"""


def _lr(base: dict[str, str], cand: dict[str, str]):
    result = run_on(base, cand, only={"lr_schedule"})
    return [f for f in result.findings if f.source.endswith("lr_schedule")], result


def test_a_scheduler_step_moved_into_the_inherited_caller_is_not_removed() -> None:
    base = {"base.py": BASE_POLICY.format(step=""), "pg.py": PG.format(step=STEP)}
    cand = {"base.py": BASE_POLICY.format(step=STEP), "pg.py": PG.format(step="")}
    found, result = _lr(base, cand)
    assert not [f for f in found if "no longer applied" in f.title], [f.title for f in found]
    moved = [n for n in result.no_effect if "moved into the calling method" in n.title]
    assert moved and "BasePolicy.update" in moved[0].reason, [n.title for n in result.no_effect]


def test_a_step_removed_while_an_unrelated_class_gains_one_stays_removed() -> None:
    base = {"base.py": BASE_POLICY.format(step=""), "pg.py": PG.format(step=STEP), "run.py": OTHER.replace(
        "        self.sched.step()\n", "")}
    cand = {"base.py": BASE_POLICY.format(step=""), "pg.py": PG.format(step=""), "run.py": OTHER}
    found, _ = _lr(base, cand)
    assert any("no longer applied" in f.title for f in found), [f.title for f in found]


def test_a_caller_the_class_overrides_is_no_home() -> None:
    # PGPolicy defines its own `update` (which does not step): the base class's is not what runs
    own_update = "\n    def update(self, buffer):\n        return self.learn(buffer.sample())\n"
    base = {"base.py": BASE_POLICY.format(step=""), "pg.py": PG.format(step=STEP) + own_update}
    cand = {"base.py": BASE_POLICY.format(step=STEP), "pg.py": PG.format(step="") + own_update}
    found, _ = _lr(base, cand)
    assert any("no longer applied" in f.title for f in found), [f.title for f in found]
