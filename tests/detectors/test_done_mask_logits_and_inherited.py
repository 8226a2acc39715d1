"""Two false "Done masking removed" criticals of held-out set 8 (usable half).

1. A key-padding mask of attention logits (`sim.masked_fill(~mask, -torch.finfo(sim.dtype).max)`) is no
   done mask: PaLM-rlhf-pytorch 2bb47d4 -> 9945933 moved it into an `Attend` module (palm.py:248).
2. Returns rewritten from a masked Monte-Carlo recursion to `values + advantages` after a masked GAE
   recursion keep the mask (PyTorch-RL aaaf0f8..15afe79, core/common.py `estimate_advantages`).
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

ATTN = """
import torch
from torch import einsum


def exists(x):
    return x is not None


class Block(torch.nn.Module):
    def get_mask(self, n, device):
        return self.mask[:n, :n]

    def forward(self, q, k, v, mask=None):
        sim = einsum("b h i d, b j d -> b h i j", q, k) * self.scale
        if exists(mask):
            mask = mask[:, None, None, :]
            sim = sim.masked_fill(~mask, -torch.finfo(sim.dtype).max)
        if self.causal:
            causal_mask = self.get_mask(q.shape[-2], q.device)
            sim = sim.masked_fill(causal_mask, -torch.finfo(sim.dtype).max)
        attn = sim.softmax(dim=-1)
        return einsum("b h i j, b j d -> b h i d", attn, v)
"""

ATTN_CAND = ATTN.replace('''        sim = einsum("b h i d, b j d -> b h i j", q, k) * self.scale
        if exists(mask):
            mask = mask[:, None, None, :]
            sim = sim.masked_fill(~mask, -torch.finfo(sim.dtype).max)
        if self.causal:
            causal_mask = self.get_mask(q.shape[-2], q.device)
            sim = sim.masked_fill(causal_mask, -torch.finfo(sim.dtype).max)
        attn = sim.softmax(dim=-1)
        return einsum("b h i j, b j d -> b h i d", attn, v)''', '''        return self.attend(q, k, v, mask=mask)''')

RETURNS = """
import torch


def estimate_advantages(rewards, masks, values, gamma, tau):
    returns = torch.zeros_like(rewards)
    deltas = torch.zeros_like(rewards)
    advantages = torch.zeros_like(rewards)
    prev_return = 0
    prev_value = 0
    prev_advantage = 0
    for i in reversed(range(rewards.size(0))):
        returns[i] = rewards[i] + gamma * prev_return * masks[i]
        deltas[i] = rewards[i] + gamma * prev_value * masks[i] - values[i]
        advantages[i] = deltas[i] + gamma * tau * prev_advantage * masks[i]
        prev_return = returns[i, 0]
        prev_value = values[i, 0]
        prev_advantage = advantages[i, 0]
    advantages = (advantages - advantages.mean()) / advantages.std()
    return advantages, returns
"""

RETURNS_GAE = RETURNS.replace("        returns[i] = rewards[i] + gamma * prev_return * masks[i]\n", "").replace(
    "    advantages = (advantages - advantages.mean())", "    returns = values + advantages\n    advantages = (advantages - advantages.mean())")


def _titles(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in run_on(base, cand, only={"done_mask", "done_signal"}).findings]


def test_attention_padding_mask_moved_is_no_done_masking() -> None:
    found = _titles({"palm.py": ATTN}, {"palm.py": ATTN_CAND})
    assert not any("Done" in t for t in found), found


def test_done_flag_from_a_done_signal_removed_is_still_found() -> None:
    base = RETURNS.replace("    prev_return = 0\n", "    prev_return = 0\n    masks = 1 - dones\n").replace(
        "(rewards, masks,", "(rewards, dones,")
    cand = base.replace("    masks = 1 - dones\n", "    masks = torch.ones_like(rewards)\n")
    found = _titles({"gae.py": base}, {"gae.py": cand})
    assert any("Done flag no longer includes dones" in t for t in found), found


def test_done_mask_removed_from_a_masked_fill_of_values_is_still_found() -> None:
    base = RETURNS.replace("        prev_value = values[i, 0]",
                           "        prev_value = values[i, 0].masked_fill(~nonterminal[i], 0.0)")
    base = base.replace("(rewards, masks,", "(rewards, nonterminal, masks,").replace(" * masks[i]", "")
    cand = base.replace(".masked_fill(~nonterminal[i], 0.0)", "")
    found = _titles({"gae.py": base}, {"gae.py": cand})
    assert any("critical: Done masking removed" in t for t in found), found


def test_returns_from_masked_advantages_keep_the_mask() -> None:
    found = _titles({"common.py": RETURNS}, {"common.py": RETURNS_GAE})
    assert not any("critical" in t for t in found), found


def test_returns_without_any_mask_left_is_still_removed() -> None:
    cand = RETURNS_GAE.replace(" * masks[i]", "")
    found = _titles({"common.py": RETURNS}, {"common.py": cand})
    assert any("critical: Done masking removed" in t for t in found), found


def test_inherited_mask_never_reports_a_removal_itself() -> None:
    """`returns = values + advantages` -> `returns = (values + advantages) * 0.5` or a call: the recursion's masks
    are all still there; the inherited reading only answers a removal, it never makes one."""
    for new in ("returns = (values + advantages) * 0.5", "returns = torch.flip(values, [0])"):
        found = _titles({"common.py": RETURNS_GAE}, {"common.py": RETURNS_GAE.replace("returns = values + advantages", new)})
        assert not any("Done masking" in t for t in found), (new, found)
