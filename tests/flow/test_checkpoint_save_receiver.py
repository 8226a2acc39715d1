"""A method that writes its object out (`save_state`, `save_pretrained`, `dump`) changes nothing of that object: a
value handed to it does not reach what the object does next. Real shape: trlx's `AccelerateRLTrainer.save`,
`self.accelerator.save_state(directory or self.config.train.checkpoint_dir)` split into `dst_dir = ...` and
`self.accelerator.save_state(dst_dir)`, was "Behavioural change in the loss path" first of its range (the call was
read as changing `self.accelerator`, whose `backward(loss)` is the loss sink), above the real PPO mask bug."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAINER = """
    import torch


    class Trainer:
        def __init__(self, accelerator, model, optimizer, checkpoint_dir="ckpt"):
            self.accelerator = accelerator
            self.model = model
            self.optimizer = optimizer
            self.checkpoint_dir = checkpoint_dir

        def loss(self, batch):
            logits = self.model(batch["tokens"])
            return torch.nn.functional.cross_entropy(logits, batch["labels"])

        def save(self, directory=None):
            self.accelerator.save_state(directory or self.checkpoint_dir)

        def load(self, directory=None):
            self.accelerator.load_state(directory or self.checkpoint_dir)

        def learn(self, batches):
            for batch in batches:
                loss = self.loss(batch)
                self.optimizer.zero_grad()
                self.accelerator.backward(loss)
                self.optimizer.step()
            self.save()


    if __name__ == "__main__":
        from setup import make
        trainer = Trainer(*make())
        trainer.load()
        trainer.learn([])
"""


def _titles(candidate: str) -> list[tuple[str, str]]:
    return [(f.severity.value, f.title) for f in flow_findings({"trainer.py": TRAINER}, {"trainer.py": candidate})
            if f.source == "behavioural_change"]


def test_a_value_handed_to_a_save_call_does_not_reach_the_loss_through_its_receiver() -> None:
    cand = TRAINER.replace("            self.accelerator.save_state(directory or self.checkpoint_dir)",
                           "            dst_dir = directory or self.checkpoint_dir\n"
                           "            self.accelerator.save_state(dst_dir)\n"
                           "            self.accelerator.save_pretrained(dst_dir)")
    titles = _titles(cand)
    assert not any(sev in ("critical", "significant") and "Trainer.save" in t for sev, t in titles), titles


def test_a_value_handed_to_a_restoring_call_still_reaches_the_loss() -> None:
    # loading a checkpoint changes what the object holds: a changed restore is still on the flow
    cand = TRAINER.replace("            self.accelerator.load_state(directory or self.checkpoint_dir)",
                           "            dst_dir = directory or self.checkpoint_dir + '_best'\n"
                           "            self.accelerator.load_state(dst_dir)")
    titles = _titles(cand)
    assert any(sev == "significant" and "`Trainer.load`" in t and "loss path" in t for sev, t in titles), titles
