"""`backward()` moved under `torch.no_grad()` beside the loss it back-propagates: the detector reports the cut and
does not crash.

Real shape: allenact 5b2b70a0..97620944 allenact/algorithms/onpolicy_sync/engine.py, where the update's
`total_loss.backward()` and a loss assignment were both new cut features of one function; the "detached inputs of
a new loss" check followed the `backward()` call as if it were an assignment (`AttributeError: 'Call' object has no
attribute 'target'`) and the whole detach_grad detector was lost for the range (a recorded analyzer crash)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Learner:
    def update(self, batch):
        loss = self.loss_fn(batch)
        loss.backward()
        self.optimizer.step()
"""

CUT = """
import torch


class Learner:
    def update(self, batch):
        with torch.no_grad():
            loss = self.loss_fn(batch)
            loss.backward()
        self.optimizer.step()
"""

NEW_LOSS = """
import torch


class Learner:
    def update(self, batch):
        loss = self.loss_fn(batch)
        loss.backward()
        self.optimizer.step()
        with torch.no_grad():
            aux = self.aux_fn(batch)
            aux.backward()
"""

TRAIN = """
from learner import Learner


def main(batches):
    learner = Learner()
    for batch in batches:
        learner.update(batch)


if __name__ == "__main__":
    main([])
"""


def test_backward_moved_under_no_grad_is_reported_without_a_crash() -> None:
    result = run_on({"learner.py": BASE, "train.py": TRAIN}, {"learner.py": CUT, "train.py": TRAIN}, only={"detach_grad"})
    assert not result.failures, result.failures
    assert any("Gradient cut added" in f.title for f in result.findings), result.findings


def test_unchanged_update_has_no_cut() -> None:
    result = run_on({"learner.py": BASE, "train.py": TRAIN}, {"train.py": TRAIN, "learner.py": BASE.replace("self.optimizer.step()", "self.optimizer.step()  # same")},
                    only={"detach_grad"})
    assert not result.failures and not result.findings, (result.failures, result.findings)


def test_a_new_loss_whose_backward_is_under_no_grad_does_not_crash() -> None:
    result = run_on({"learner.py": BASE, "train.py": TRAIN}, {"learner.py": NEW_LOSS, "train.py": TRAIN}, only={"detach_grad"})
    assert not result.failures, result.failures
    assert any("backward" in f.title for f in result.findings), (result.findings, result.no_effect)
