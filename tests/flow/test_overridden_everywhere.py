"""A base-class method that every subclass overrides, of a class nothing constructs, runs in no object.

Real shape (decision-transformer c9e6ac0b..e2d82e68, gym/decision_transformer/training/trainer.py:61): the base
`Trainer.train_step` changed (`state_target[:, 1:]` targets), but the experiment builds only `SequenceTrainer` or
`ActTrainer`, both with their own `train_step`: it was "Behavioural change in the loss path: `Trainer.train_step`"
(significant). Negatives: a subclass that inherits the method, a subclass whose method calls `super().train_step()`,
and a base class the code constructs itself keep the finding.
"""

from __future__ import annotations

from tests.flow.support import flow_result

TRAINER = """
import torch


class Trainer:
    def __init__(self, model, optimizer, get_batch, loss_fn):
        self.model = model
        self.optimizer = optimizer
        self.get_batch = get_batch
        self.loss_fn = loss_fn

    def train_iteration(self, num_steps):
        losses = []
        for _ in range(num_steps):
            losses.append(self.train_step())
        return losses

    def train_step(self):
        states, actions, rewards = self.get_batch()
        preds = self.model(states)
        loss = self.loss_fn(preds, actions[:, {cut}])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()
"""

SEQ = """
from trainer import Trainer


class SequenceTrainer(Trainer):
    def train_step(self):
{body}
"""

OWN_BODY = """        states, actions, rewards = self.get_batch()
        preds = self.model(states, rewards)
        loss = self.loss_fn(preds, actions)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()"""

EXPERIMENT = """
from seq_trainer import SequenceTrainer
{extra}

def experiment(model, optimizer, get_batch, loss_fn):
    trainer = {ctor}(model, optimizer, get_batch, loss_fn)
    trainer.train_iteration(100)
"""


def _result(body: str = OWN_BODY, ctor: str = "SequenceTrainer", extra: str = ""):
    files = {"seq_trainer.py": SEQ.format(body=body),
             "experiment.py": EXPERIMENT.format(ctor=ctor, extra=extra)}
    base = {"trainer.py": TRAINER.format(cut="1:"), **files}
    cand = {"trainer.py": TRAINER.format(cut=":-1"), **files}
    return flow_result(base, cand)


def _base_reported(result) -> bool:
    return any("Trainer.train_step" in f.title and "SequenceTrainer" not in f.title for f in result.findings)


def test_base_method_every_subclass_overrides_is_no_change():
    result = _result()
    assert not _base_reported(result), [f.title for f in result.findings]
    assert any(n.title.startswith("Overridden in every subclass") for n in result.no_effect)


def test_base_method_called_through_super_is_reported():
    result = _result(body="        return super().train_step()")
    assert _base_reported(result), [n.title for n in result.no_effect]


def test_base_class_constructed_is_reported():
    result = _result(ctor="Trainer", extra="from trainer import Trainer")
    assert _base_reported(result), [n.title for n in result.no_effect]


def test_another_class_of_the_same_name_constructed_elsewhere_is_not_this_one():
    """decision-transformer's atari/run_dt_atari.py builds `mingpt.trainer_atari.Trainer`, another class."""
    base = {"trainer.py": TRAINER.format(cut="1:"), "seq_trainer.py": SEQ.format(body=OWN_BODY),
            "experiment.py": EXPERIMENT.format(ctor="SequenceTrainer", extra=""),
            "atari/mingpt/trainer_atari.py": "class Trainer:\n    def train(self):\n        return 1\n",
            "atari/run.py": "from mingpt.trainer_atari import Trainer\n\ntrainer = Trainer()\ntrainer.train()\n"}
    cand = dict(base, **{"trainer.py": TRAINER.format(cut=":-1")})
    result = flow_result(base, cand)
    assert not _base_reported(result), [f.title for f in result.findings]
    assert any(n.title.startswith("Overridden in every subclass") for n in result.no_effect)
