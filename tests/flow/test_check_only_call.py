"""A call of a method that only checks its input is an assertion: dropping it changes no value.

Real shape (ReAgent, held-out 5 reagent-sampler-logprob-shape's range): `DisjointLinUCBTrainer.training_step`
became `cb_training_step` and dropped `self._check_input(batch)`, a method of four `assert`s on the batch;
it was a significant "Behavioural change in the architecture path" above the range's real bug (the trainer is a
`pl.LightningModule`: its method calls reach the architecture place). Negative: a
dropped call of a method that also updates state stays a finding."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAINER = """
    import pytorch_lightning as pl
    import torch


    class Trainer(pl.LightningModule):
        def __init__(self, model, optimizer, num_arms):
            super().__init__()
            self.model = model
            self.optimizer = optimizer
            self.num_arms = num_arms

        def _check_input(self, batch):
            # TODO: check the dataset info later
            assert len(batch) == self.num_arms
            for sub_batch in batch:
                assert sub_batch.features.ndim == 2
                if sub_batch.reward is None:
                    raise ValueError("no reward")

        def _scale(self, batch):
            for sub_batch in batch:
                sub_batch.features.mul_(0.5)

        def training_step(self, batch):
    {call}
            loss = sum(((self.model(b.features) - b.reward) ** 2).mean() for b in batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


    def train(trainer, loader):
        for batch in loader:
            trainer.training_step(batch)


    if __name__ == "__main__":
        train(Trainer(torch.nn.Linear(3, 1), None, 2), [])
"""


def _titles(call_base: str, call_cand: str) -> list[str]:
    base = TRAINER.replace("{call}", call_base)
    cand = TRAINER.replace("{call}", call_cand)
    return [f.title for f in flow_findings({"trainer.py": base}, {"trainer.py": cand})]


def test_a_dropped_input_check_is_no_change() -> None:
    assert _titles("        self._check_input(batch)", "") == []


def test_a_dropped_call_that_updates_state_is_a_change() -> None:
    assert _titles("        self._scale(batch)", "")
