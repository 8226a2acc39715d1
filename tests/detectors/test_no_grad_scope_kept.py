"""A `no_grad` validation loop moved into a new helper that runs under the same gradient context.

Real shape (NeMo-Aligner 3b51a3cb..af2b3bd9, nemo_aligner/algorithms/supervised.py:106): the body of
`@torch.no_grad() def run_validation(self)` moved into a new `@torch.no_grad() def run_validation_one_dataset(self,
key)` called once per validation set; `fit`'s walk counted other `loss` cuts under `no_grad` and reported "Gradient cut
added on loss" (critical) although validation never had gradients. Negatives: the training loss moved into a new
`no_grad` helper, or the training step newly decorated, is still a critical cut.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


class Trainer:
    @torch.no_grad()
    def run_validation(self):
        losses = []
        for batch in self.val_dataloader:
            loss_mean, metrics = self.model.get_loss_and_metrics(batch, forward_only=True)
            losses.append(loss_mean)
        val_metrics = {"n": len(losses)}
        return sum(losses) / len(losses), val_metrics

    def train_single_step(self, batch):
        self.optimizer.zero_grad()
        loss_mean, metrics = self.model.get_loss_and_metrics(batch, forward_only=False)
        self.optimizer.step()
        return loss_mean

    def fit(self):
        for batch in self.train_dataloader:
            self.train_single_step(batch)
            val_loss, val_metrics = self.run_validation()
            self.logger.log_metrics(val_metrics)
            self.checkpoint_callback.custom_save(monitor_candidates={"val_loss": val_loss})
"""

CAND = """
import torch


class Trainer:
    @torch.no_grad()
    def run_validation(self):
        val_loss, val_metrics = None, None
        for key in self.val_dataloaders:
            loss, metrics = self.run_validation_one_dataset(key)
            if key == "validation":
                val_loss, val_metrics = loss, metrics
        return val_loss, val_metrics

    @torch.no_grad()
    def run_validation_one_dataset(self, key):
        losses = []
        for batch in self.val_dataloaders[key]:
            loss_mean, metrics = self.model.get_loss_and_metrics(batch, forward_only=True)
            losses.append(loss_mean)
        val_loss = sum(losses) / len(losses)
        val_metrics = {"n": len(losses)}
        self.logger.log_metrics(val_metrics, prefix=key)
        return val_loss, val_metrics

    def train_single_step(self, batch):
        self.optimizer.zero_grad()
        loss_mean, metrics = self.model.get_loss_and_metrics(batch, forward_only=False)
        self.optimizer.step()
        return loss_mean

    def fit(self):
        for batch in self.train_dataloader:
            self.train_single_step(batch)
            val_loss, val_metrics = self.run_validation()
            self.checkpoint_callback.custom_save(monitor_candidates={"val_loss": val_loss})
"""


def _titles(cand: str) -> list[str]:
    result = run_on({"trainer.py": BASE}, {"trainer.py": cand}, only={"detach_grad"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_validation_moved_into_a_no_grad_helper_is_no_cut() -> None:
    titles = _titles(CAND)
    assert not any("Gradient cut" in t for t in titles), titles


def test_training_loss_moved_into_a_no_grad_helper_is_still_critical() -> None:
    cand = CAND.replace("""    def train_single_step(self, batch):
        self.optimizer.zero_grad()
        loss_mean, metrics = self.model.get_loss_and_metrics(batch, forward_only=False)
""", """    @torch.no_grad()
    def compute_train_loss(self, batch):
        loss_mean, metrics = self.model.get_loss_and_metrics(batch, forward_only=False)
        return loss_mean

    def train_single_step(self, batch):
        self.optimizer.zero_grad()
        loss_mean = self.compute_train_loss(batch)
""")
    titles = _titles(cand)
    assert any(t.startswith("critical") and "Gradient cut added on loss" in t for t in titles), titles




def _as_with_block(code: str, opener: str) -> str:
    """`run_validation`'s decorator spelled as a `with` block around its whole body."""
    lines = code.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "@torch.no_grad()" and lines[i + 1].strip() == "def run_validation(self):":
            out += [lines[i + 1], f"        with {opener}:"]
            i += 2
            while i < len(lines) and (lines[i].startswith("        ") or not lines[i].strip()):
                if not lines[i].strip() and i + 1 < len(lines) and lines[i + 1].startswith("    def"):
                    break
                out.append("    " + lines[i] if lines[i].strip() else lines[i])
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def test_with_block_scope_at_both_commits_is_no_cut() -> None:
    base = _as_with_block(BASE, "torch.inference_mode()")
    cand = _as_with_block(CAND, "torch.no_grad()").replace(
        "    @torch.no_grad()\n    def run_validation_one_dataset", "    def run_validation_one_dataset")
    assert "with torch.inference_mode():" in base and "with torch.no_grad():" in cand
    result = run_on({"trainer.py": base}, {"trainer.py": cand}, only={"detach_grad"})
    titles = [f"{f.severity.value} {f.title}" for f in result.findings]
    assert not any("Gradient cut" in t for t in titles), titles
