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


EVAL_BASE = """
import torch


class Engine:
    def compute_losses(self, batch, skip_backprop=False):
        loss = self.loss_fn(batch)
        if not skip_backprop:
            loss.backward()
        return loss

    def train(self, batch):
        self.compute_losses(batch)
        self.optimizer.step()

    def run_checks(self, batch):
        return self.compute_losses(batch, skip_backprop=True)
"""


def _engine(checks: str) -> dict[str, str]:
    return {"engine.py": EVAL_BASE.replace("        return self.compute_losses(batch, skip_backprop=True)", checks),
            "main.py": "from engine import Engine\n\n\ndef main(batches):\n    engine = Engine()\n"
                       "    for batch in batches:\n        engine.train(batch)\n        engine.run_checks(batch)\n"}


def test_losses_computed_under_no_grad_with_backprop_skipped_by_argument_are_no_cut() -> None:
    """allenact 5b2b70a0..97620944 engine.py:2076: `run_eval` computes its losses for tracking under
    `torch.no_grad()` with `skip_backprop=True`; the callee's `if not skip_backprop: loss.backward()` never runs."""
    cand = "        with torch.no_grad():\n            return self.compute_losses(batch, skip_backprop=True)"
    result = run_on(_engine("        return self.compute_losses(batch, skip_backprop=True)"), _engine(cand),
                    only={"detach_grad"})
    assert not result.failures, result.failures
    assert not [f for f in result.findings if "backward" in f.title], result.findings


def test_the_same_call_with_backprop_on_is_still_a_cut() -> None:
    cand = "        with torch.no_grad():\n            return self.compute_losses(batch, skip_backprop=False)"
    result = run_on(_engine("        return self.compute_losses(batch, skip_backprop=False)"), _engine(cand),
                    only={"detach_grad"})
    assert any("backward" in f.title for f in result.findings), (result.findings, result.no_effect)


def test_the_flag_of_an_intermediate_function_decides_a_deeper_backward() -> None:
    """The allenact shape exactly: the `if not skip_backprop:` is in the intermediate function and `backward()` in the
    helper it calls (`backprop_step`)."""
    deeper = EVAL_BASE.replace("            loss.backward()\n", "            self.backprop_step(loss)\n") + (
        "\n    def backprop_step(self, total_loss):\n        total_loss.backward()\n")

    def engine(checks: str) -> dict[str, str]:
        return {**_engine(checks), "engine.py": deeper.replace(
            "        return self.compute_losses(batch, skip_backprop=True)", checks)}

    for flag, cut in (("True", False), ("False", True)):
        cand = f"        with torch.no_grad():\n            return self.compute_losses(batch, skip_backprop={flag})"
        result = run_on(engine(f"        return self.compute_losses(batch, skip_backprop={flag})"), engine(cand),
                        only={"detach_grad"})
        assert any("backward" in f.title for f in result.findings) == cut, (flag, result.findings)
