"""Statistics gathered for the logs are no returns and no cut of the loss (real shape, LightZero UniZero's
`_forward_learn`): an adaptive-entropy `alpha_loss = (self.log_alpha * (policy_entropy.detach() - target)).mean()`
was added with its own backward, `logits_value` was read under `torch.no_grad()` for norm statistics, and the
returned `return_log_dict = {"analysis/...": loss.item(), ...}` gained entries. Reported as two critical findings:
"Returns built from different tensors: entropy+loss+ratio -> ...+rewards+values" (the log dictionary read as
returns) and "Gradient cut added on loss, returns, values"."""

from __future__ import annotations

from investigator.detectors.roles import role
from tests.detectors.helpers import run_on

BASE = """
import torch


class Policy:
    def _forward_learn(self, data):
        obs, target_value, target_policy = data
        losses = self.model.compute_loss(obs, target_value, target_policy)
        weighted_total_loss = losses.loss_total.mean()
        self.optimizer.zero_grad()
        weighted_total_loss.backward()
        self.optimizer.step()
        return_log_dict = {
            "analysis/loss_value": losses.loss_value.item(),
            "analysis/ratio": self.ratio,
            "cur_lr": self.optimizer.param_groups[0]["lr"],
        }
        return return_log_dict
"""
CAND = """
import torch


class Policy:
    def _forward_learn(self, data):
        obs, target_value, target_policy = data
        losses = self.model.compute_loss(obs, target_value, target_policy)
        policy_entropy = losses.policy_entropy
        with torch.no_grad():
            logits_value = losses.intermediate.get("logits_value")
            norm_log_dict = {"logits/value/mean": logits_value.mean().item()}
        alpha_loss = (self.log_alpha * (policy_entropy.detach() - self.target_entropy)).mean()
        self.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.alpha_optimizer.step()
        weighted_total_loss = losses.loss_total.mean()
        self.optimizer.zero_grad()
        weighted_total_loss.backward()
        self.optimizer.step()
        return_log_dict = {
            "analysis/loss_value": losses.loss_value.item(),
            "analysis/ratio": self.ratio,
            "analysis/reward": losses.loss_rewards.item(),
            "cur_lr": self.optimizer.param_groups[0]["lr"],
            "target_entropy": self.target_entropy,
        }
        return_log_dict.update(norm_log_dict)
        return return_log_dict
"""
MAIN = """
from policy import Policy

p = Policy()
for step in range(100):
    p._forward_learn(step)
"""


def _found(cand: str) -> list:
    return run_on({"policy.py": BASE, "main.py": MAIN}, {"policy.py": cand, "main.py": MAIN},
                  only={"returns_target", "detach_grad"}).findings


def test_log_records_and_a_new_detached_alpha_loss_are_no_critical() -> None:
    found = _found(CAND)
    assert not [f for f in found if f.severity.value == "critical"], [(f.title, f.severity) for f in found]


def test_a_cut_on_the_main_loss_input_stays_critical() -> None:
    cut = CAND.replace("weighted_total_loss = losses.loss_total.mean()",
                       "weighted_total_loss = losses.loss_total.detach().mean()")
    found = _found(cut)
    assert any(f.severity.value == "critical" and "Gradient cut added" in f.title for f in found), \
        [(f.title, f.severity) for f in found]


def test_record_names_have_no_role_and_tensors_keep_theirs() -> None:
    assert role("return_log_dict") is None and role("train_stats") is None
    assert role("returns") == "returns" and role("log_prob") == "logprob" and role("target_q") == "returns"
    assert role("log_probs") == "logprob" and role("value_targets") == "returns"
