"""A keyword removed from a parent constructor whose value ends in library code: unverifiable, not no effect.

Real shape (ReAgent, held-out 5 `reagent-drlinucb-no-update`, used): `super().__init__(automatic_optimization=True,
policy=policy, **kwargs)` lost its keyword; the parent defaults it to False and hands it up to a class that
stores it on a `pl.LightningModule`, which Lightning reads and the project never does. Filed as "reaches no loss"
at main. A keyword of a library function called directly (`np.set_printoptions(precision=...)`) and a keyword
a project parent reads only for logging are not this rule."""

from __future__ import annotations

from tests.flow.support import flow_result

BASE = """
import pytorch_lightning as pl


class ReAgentLightningModule(pl.LightningModule):
    def __init__(self, automatic_optimization=True, verbose=False):
        super().__init__()
        self._automatic_optimization = automatic_optimization
        self._verbose = verbose

    def report(self, loss):
        if self._verbose:
            print(loss)


class LinUCBTrainer(ReAgentLightningModule):
    def __init__(self, policy, *args, automatic_optimization: bool = False, **kwargs):
        super().__init__(*args, automatic_optimization=automatic_optimization, **kwargs)
        self.policy = policy
"""

TRAINER = """
import numpy as np
import pytorch_lightning as pl
import torch

from base import LinUCBTrainer


class DeepRepresentLinUCBTrainer(LinUCBTrainer):
    def __init__(self, policy, **kwargs):
        super().__init__({kw}policy=policy, **kwargs)
        np.set_printoptions(precision={precision})
        self.loss_fn = torch.nn.functional.mse_loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.policy.parameters(), lr=1e-3)

    def training_step(self, batch, batch_idx):
        pred = self.policy(batch.x)
        loss = self.loss_fn(pred, batch.y)
        self.report(loss)
        return loss


def train(policy, data):
    trainer = DeepRepresentLinUCBTrainer(policy)
    pl.Trainer(max_epochs=1).fit(trainer, data)
"""


def _run(base_kw: str, cand_kw: str, base_precision: int = 3, cand_precision: int = 3) -> tuple[list[str], list[str]]:
    r = flow_result({"base.py": BASE, "trainer.py": TRAINER.format(kw=base_kw, precision=base_precision)},
                    {"base.py": BASE, "trainer.py": TRAINER.format(kw=cand_kw, precision=cand_precision)})
    return [f"{f.severity.value} {f.title} | {f.rationale}" for f in r.findings], [n.title for n in r.no_effect]


def test_removed_keyword_handed_to_a_library_parent_is_reported_unverifiable() -> None:
    found, no_effect = _run("automatic_optimization=True, ", "")
    assert any(t.startswith("low") and "DeepRepresentLinUCBTrainer.__init__" in t and "unverifiable" in t
               for t in found), (found, no_effect)


def test_keyword_of_a_library_function_called_directly_is_not_this_rule() -> None:
    found, no_effect = _run("", "", 3, 5)
    assert not any("unverifiable" in t for t in found), (found, no_effect)


def test_keyword_a_project_parent_reads_for_logging_is_not_this_rule() -> None:
    found, no_effect = _run("verbose=True, ", "")
    assert not any("unverifiable" in t for t in found), (found, no_effect)
