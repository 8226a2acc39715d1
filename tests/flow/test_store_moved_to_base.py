"""`self.x = x` moved from a class's `__init__` into its base class's `__init__`, the argument handed on
through `super().__init__(**kwargs)`: moved, not removed and added.

Real shape (tianshou, held-out ranges): `PGPolicy.__init__` dropped its `lr_scheduler` parameter and
`self.lr_scheduler = lr_scheduler`, `BasePolicy.__init__` gained both, and `PGPolicy` passes its
`**kwargs` on: "Behavioural change in the architecture path" at both ends (significant, #2 and #3).
Negatives: a subclass that does not hand the argument on (the base stores its default), a class that
does not derive from the one that gained the store.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE_B = """
import torch.nn as nn


class BasePolicy(nn.Module):
    def __init__(self, action_space=None{param}):
        super().__init__()
        self.action_space = action_space
{store}
    def update(self, batch):
        result = self.learn(batch)
        if self.lr_scheduler is not None:
            self.lr_scheduler.step()
        return result


class Other(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
"""
PG = """
from base import BasePolicy, Other


class {cls}({parent}):
    def __init__(self, model, optim{param}, **kwargs):
        super().__init__({handed})
        self.actor = model
        self.optim = optim
{store}
    def learn(self, batch):
        loss = -(self.actor(batch.obs).log_prob(batch.act) * batch.returns).mean()
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
        return loss.item()
"""
STORE = "        self.lr_scheduler = lr_scheduler\n"
RUN = """
from pg import PGPolicy


def train(model, optim, sched, data):
    policy = PGPolicy(model, optim, lr_scheduler=sched)
    for batch in data:
        policy.update(batch)
"""


def _found(handed: str = "**kwargs", parent: str = "BasePolicy") -> list[str]:
    base = {"base.py": BASE_B.format(param=", lr_scheduler=None", store="").replace(
                "        if self.lr_scheduler is not None:\n            self.lr_scheduler.step()\n", ""),
            "pg.py": PG.format(cls="PGPolicy", parent=parent, param=", lr_scheduler=None", handed="**kwargs",
                               store=STORE),
            "run.py": RUN}
    base["pg.py"] = base["pg.py"].replace("        return loss.item()", "        if self.lr_scheduler is not None:\n"
                                          "            self.lr_scheduler.step()\n        return loss.item()")
    cand = {"base.py": BASE_B.format(param=", lr_scheduler=None", store=STORE),
            "pg.py": PG.format(cls="PGPolicy", parent=parent, param="", handed=handed, store=""),
            "run.py": RUN}
    return [f.title for f in flow_findings(base, cand) if "__init__" in f.title]


def test_a_store_moved_into_the_base_init_is_not_reported() -> None:
    assert _found() == []


def test_a_subclass_that_does_not_hand_the_argument_on_is_reported() -> None:
    assert _found(handed="")


def test_a_class_that_does_not_derive_from_the_new_home_is_reported() -> None:
    found = _found(parent="Other")
    assert any("PGPolicy.__init__" in t for t in found), found
