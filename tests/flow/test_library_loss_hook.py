"""What a library's loss hook returns (`Trainer.compute_loss`) is the loss, though no project code backpropagates it.

Real shape (trl GRPO, held-out 7 `trl-grpo-logits-temperature`): `GRPOTrainer(Trainer)` overrides
`transformers.Trainer.compute_loss`, which the library's `training_step` calls and differentiates. Removing
`logits = logits / self.temperature` from `_get_per_token_logps` changes the log-probs `compute_loss` turns into
the loss it returns; the only project caller of `compute_loss` is `prediction_step` (evaluation, no caller), so
the change was filed as reaching only logging and the run had no finding. Negatives: the same class derived from a
project base that derives from nothing (no library calls the hook), and a library-derived method not named
like a loss (`compute_score`)."""

from __future__ import annotations

from tests.flow.support import flow_findings

TRAINER = """
    import torch
    from transformers import Trainer
    from lab.base import Base


    class GRPOTrainer({base}):
        def __init__(self, model, args):
            self.temperature = args.temperature
            self.epsilon = args.epsilon
            self._metrics = {{"kl": []}}

        def _get_per_token_logps(self, model, input_ids, logits_to_keep):
            logits = model(input_ids).logits
            logits = logits[:, -logits_to_keep:]
            logits = logits / self.temperature
            return torch.log_softmax(logits, dim=-1).gather(-1, input_ids[:, -logits_to_keep:, None]).squeeze(-1)

        def compute_loss(self, model, inputs, return_outputs=False):
            per_token_logps = self._get_per_token_logps(model, inputs["input_ids"], inputs["logits_to_keep"])
            old_per_token_logps = inputs["old_per_token_logps"]
            advantages = inputs["advantages"]
            coef_1 = torch.exp(per_token_logps - old_per_token_logps)
            coef_2 = torch.clamp(coef_1, 1 - self.epsilon, 1 + self.epsilon)
            per_token_loss = -torch.min(coef_1 * advantages.unsqueeze(1), coef_2 * advantages.unsqueeze(1))
            loss = per_token_loss.mean()
            self._metrics["kl"].append(per_token_logps.mean().item())
            return loss

        def prediction_step(self, model, inputs, prediction_loss_only):
            with torch.no_grad():
                loss = self.compute_loss(model, inputs)
            return loss.detach(), None, None
"""

SCRIPT = """
    from lab.grpo_trainer import GRPOTrainer


    def main(model, args):
        trainer = GRPOTrainer(model, args)
        trainer.train()
"""

BASE = """
    class Base:
        pass
"""


def _titles(base_class: str, hook: str = "compute_loss") -> list[str]:
    trainer = TRAINER.format(base=base_class).replace("compute_loss", hook)
    files = {"lab/grpo_trainer.py": trainer, "lab/train.py": SCRIPT, "lab/base.py": BASE}
    changed = dict(files, **{"lab/grpo_trainer.py": files["lab/grpo_trainer.py"].replace(
        "            logits = logits / self.temperature\n", "")})
    return [f.title for f in flow_findings(files, changed) if f.severity.value != "low"]


def test_a_change_reaching_a_library_loss_hook_is_on_the_loss_path() -> None:
    titles = _titles("Trainer")
    assert any("_get_per_token_logps" in t and "loss" in t for t in titles), titles


def test_a_project_base_with_no_library_ancestor_calls_no_hook() -> None:
    assert _titles("Base") == []


def test_a_library_method_not_named_like_a_loss_is_no_loss_hook() -> None:
    assert _titles("Trainer", hook="compute_score") == []
