"""A `print` method of any object (accelerate's `self.accelerator.print`, Lightning's `fabric.print`, rich's
`console.print`) writes text for people to read: a changed message changes nothing training reads. Real shape:
AgentGym bf4340f5..5ca3c3b8 renamed its trainers (`SFTTrainer` -> `BCTrainer`) and relabelled
`self.accelerator.print("[SFT Trainer] Start training.")` "[BC Trainer]": the call read as a change of
`self.accelerator`, whose `backward(loss)` is the loss sink, and was filed "Behavioural change in the loss path"
(significant, first of its range)."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAINER = """
    import torch


    class Trainer:
        def __init__(self, accelerator, model, optimizer, prompt="Answer: "):
            self.accelerator = accelerator
            self.model = model
            self.optimizer = optimizer
            self.prompt = prompt

        def loss(self, batch):
            logits = self.model(batch["tokens"])
            return torch.nn.functional.cross_entropy(logits, batch["labels"])

        def train(self, batches):
            for batch in batches:
                loss = self.loss(batch)
                self.optimizer.zero_grad()
                self.accelerator.backward(loss)
                self.optimizer.step()

        def train_and_inference(self, batches):
            self.accelerator.print("[SFT Trainer] Start training.")
            self.accelerator.prepare_prompt(self.prompt + "Think step by step.")
            self.train(batches)


    if __name__ == "__main__":
        from setup import make
        trainer = Trainer(*make())
        trainer.train_and_inference([])
"""


def _titles(candidate: str) -> list[tuple[str, str]]:
    return [(f.severity.value, f.title) for f in flow_findings({"trainer.py": TRAINER}, {"trainer.py": candidate})
            if f.source == "behavioural_change"]


def test_a_message_printed_through_an_objects_print_method_is_no_change() -> None:
    cand = TRAINER.replace('"[SFT Trainer] Start training."', '"[BC Trainer] Start training."')
    assert _titles(cand) == []


def test_a_string_handed_to_a_non_print_method_of_the_same_object_stays_reported() -> None:
    # the same receiver, a method that is not a print: the changed text may be what training reads
    cand = TRAINER.replace('"Think step by step."', '"Answer in one word."')
    titles = _titles(cand)
    assert any(sev == "significant" and "train_and_inference" in t and "loss path" in t for sev, t in titles), titles
