"""Changes in a `__call__` reached only through a called instance (dynamic dispatch).

Real shape (d3rlpy): a trajectory slicer class computes returns-to-go in `__call__`; the training
loop calls the instance (`batch = slicer(episode, end)`), a call the flow cannot resolve to the
method. A one-hunk change of the returns-to-go was reported low ("could not be followed to
training") and ranked below every refactor on the loss path. It is on the target path: significant.
The same change in a class nothing in the project uses stays low.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Finding, Severity
from tests.flow.test_equivalence import _index

SLICER = """
    import numpy as np


    class TrajectorySlicer:
        def __call__(self, rewards, start):
            ret = np.sum(rewards)
            all_returns_to_go = ret - np.cumsum(rewards[start:], axis=0) + rewards[start:]
            return {"returns_to_go": all_returns_to_go, "rewards": rewards[start:]}
"""
BUGGY = SLICER.replace(" + rewards[start:]\n", "\n")
TRAIN = """
    import torch

    from slicers import TrajectorySlicer


    def train(model, optimizer, episodes):
        slicer = TrajectorySlicer()
        for rewards in episodes:
            batch = slicer(rewards, 3)
            pred = model(batch["rewards"])
            loss = ((pred - torch.as_tensor(batch["returns_to_go"])) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""
UNUSED_TRAIN = """
    import torch


    def train(model, optimizer, batches):
        for x, y in batches:
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _findings(train: str) -> list[Finding]:
    index = _index({"slicers.py": SLICER, "train.py": train}, {"slicers.py": BUGGY, "train.py": train})
    return analyse(index).findings


def test_called_instance_change_on_the_target_is_significant():
    (f,) = _findings(TRAIN)
    assert f.title.startswith("Behavioural change in the target path: `TrajectorySlicer.__call__`")
    assert f.severity is Severity.significant
    assert "instance is called" in f.rationale


def test_unused_class_call_change_is_not_significant():
    assert all(f.severity is not Severity.significant for f in _findings(UNUSED_TRAIN))
