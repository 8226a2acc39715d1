"""A method only a framework calls (a `Trainer` hook no project code calls) is no configuration helper.

Real shape (trl GRPO, held-out 7 `trl-grpo-cispo-branch-swap`): `GRPOTrainer._compute_loss` is called only by
`compute_loss`, a `transformers.Trainer` hook that only `prediction_step` (another hook) calls; `prediction_step`
is mentioned only inside a hook itself (orpo_trainer's error message names it). "Every use lies in configuration
code" then held vacuously (each user was skipped as already seen, none was left to check), so the
swapped branch `if self.loss_type == "cispo":` -> `if self.loss_type in ["grpo", ...]:` (the CISPO loss for every
other loss type) was filed as "Configuration plumbing" and the run had no finding at all. Negative: a helper
that `load_config` really calls stays plumbing (tests/flow/test_config_helper.py)."""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.support import pair_index

TRAINER = """
import torch
from transformers import Trainer


class GRPOTrainer(Trainer):
    def __init__(self, model, args):
        super().__init__(model=model, args=args)
        self.loss_type = args.loss_type
        self.epsilon_low = args.epsilon
        self.epsilon_high = args.epsilon

    def prediction_step(self, model, inputs):
        if inputs is None:
            raise ValueError("prediction_step needs inputs")
        with torch.no_grad():
            return self.compute_loss(model, inputs)

    def compute_loss(self, model, inputs, return_outputs=False):
        return self._compute_loss(model, inputs)

    def _compute_loss(self, model, inputs):
        logps = model(inputs["input_ids"]).log_softmax(-1)
        old_logps = inputs["old_per_token_logps"]
        advantages = inputs["advantages"]
        coef_1 = torch.exp(logps - old_logps)
        if {cond}:
            clamped_ratios = torch.clamp(coef_1, max=self.epsilon_high).detach()
            per_token_loss = -clamped_ratios * advantages.unsqueeze(1) * logps
        else:
            coef_2 = torch.clamp(coef_1, 1 - self.epsilon_low, 1 + self.epsilon_high)
            per_token_loss = -torch.min(coef_1 * advantages.unsqueeze(1), coef_2 * advantages.unsqueeze(1))
        loss = per_token_loss.mean()
        return loss
"""

GOOD = 'self.loss_type == "cispo"'
SWAPPED = 'self.loss_type in ["grpo", "bnpo", "dr_grpo", "dapo"]'


SCRIPT = """
from trainer.grpo_trainer import GRPOTrainer


def main(model, args):
    trainer = GRPOTrainer(model, args)
    trainer.train()
"""


def _run(base_cond: str, cand_cond: str):
    base = {"trainer/grpo_trainer.py": TRAINER.format(cond=base_cond), "train.py": SCRIPT}
    cand = {"trainer/grpo_trainer.py": TRAINER.format(cond=cand_cond), "train.py": SCRIPT}
    return analyse(pair_index(base, cand), config_compared=True)


def test_a_swapped_loss_branch_of_a_framework_hook_is_a_change() -> None:
    result = _run(GOOD, SWAPPED)
    assert not any("Configuration plumbing" in n.title for n in result.no_effect)
    assert any("_compute_loss" in f.title for f in result.findings)


def test_an_unchanged_hook_has_no_finding() -> None:
    result = _run(GOOD, GOOD)
    assert result.findings == []
