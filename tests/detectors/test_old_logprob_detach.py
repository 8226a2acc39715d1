"""A `.detach()` added on the behaviour policy's log-probs (the PPO ratio's denominator) is the textbook form.

Real shape (ART 980684f9..080d8409, src/art/local/train.py:119): the GRPO loss fills missing old log-probs
with the current ones, `old_logprobs = torch.where(torch.isnan(old_logprobs), new_logprobs, old_logprobs)`;
the candidate writes `new_logprobs.detach()` there (for the new, off-by-default
`allow_training_without_logprobs`). Old log-probs are constants of the ratio `exp(new - old)`: it was
"Gradient cut added on logprob" (critical, #1), a false critical. The same cut on the *new* log-probs
(the ratio's numerator) still stops the policy gradient and stays critical.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

LOSS = """
import torch


def compute_loss(policy, batch, optimizer):
    new_logprobs = policy(batch["tokens"])
    old_logprobs = batch["logprobs"]
    old_logprobs = torch.where(
        torch.isnan(old_logprobs),
        new_logprobs,
        old_logprobs,
    )
    prob_ratio = torch.exp(new_logprobs - old_logprobs)
    clipped = torch.clip(prob_ratio, 0.8, 1.2)
    loss = -torch.min(prob_ratio * batch["advantages"], clipped * batch["advantages"]).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _cuts(base: str, cand: str) -> list[str]:
    result = run_on({"train.py": base}, {"train.py": cand}, only={"detach_grad"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_detach_added_on_old_logprobs_is_the_textbook_form() -> None:
    cand = LOSS.replace("        new_logprobs,\n", "        new_logprobs.detach(),\n")
    assert cand != LOSS
    assert _cuts(LOSS, cand) == ["low Gradient cut added on old_logprob (targets: the textbook form)"]


def test_detach_added_on_new_logprobs_stays_critical() -> None:
    """Negative: the current policy's log-probs cut from the graph: no policy gradient."""
    base = LOSS.replace('new_logprobs = policy(batch["tokens"])', 'cur_logprobs = policy(batch["tokens"])\n'
                        '    new_logprobs = cur_logprobs')
    cand = base.replace("    new_logprobs = cur_logprobs", "    new_logprobs = cur_logprobs.detach()")
    assert cand != base
    assert _cuts(base, cand) == ["critical Gradient cut added on logprob"]


def test_detach_removed_from_old_logprobs_is_reported() -> None:
    """Negative: the denominator loses its cut: gradients flow through the behaviour log-probs."""
    base = LOSS.replace("        new_logprobs,\n", "        new_logprobs.detach(),\n")
    assert _cuts(base, LOSS) == ["significant Gradient cut removed from old_logprob"]
