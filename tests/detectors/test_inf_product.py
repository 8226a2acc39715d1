"""Infinity multiplied by a mask is NaN where the mask is 0.

Real shape (Tianshou's discrete BCQ, fixed in f134bc20): `act = (q_value - INF * mask).argmax(dim=-1)` with
`INF = torch.finfo(torch.float32).max`; the bug wrote `np.inf * mask`, so every allowed action (mask 0) got
`q - nan` and the argmax picked garbage. The edit matched no detector and sank below the range's other
changes. Negatives: the fix itself (`np.inf` -> a finite `INF`) and `-np.inf` used as a fill value, or
times a constant, are not reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

POLICY = """
import numpy as np
import torch

INF = torch.finfo(torch.float32).max


class DiscreteBCQPolicy:
    def forward(self, batch):
        q_value = self.model(batch.obs)
        imitation_logits = self.imitator(batch.obs)
        ratio = imitation_logits - imitation_logits.max(dim=-1, keepdim=True).values
        mask = (ratio < self._log_tau).float()
        act = (q_value - {big} * mask).argmax(dim=-1)
        low = torch.full_like(q_value, {fill})
        return act, low
"""

MAIN = "from policy import DiscreteBCQPolicy\n\nDiscreteBCQPolicy().forward(None)\n"


def _titles(base: str, cand: str, fill_b: str = "0.0", fill_c: str = "0.0") -> list[str]:
    b = POLICY.replace("{big}", base).replace("{fill}", fill_b)
    c = POLICY.replace("{big}", cand).replace("{fill}", fill_c)
    result = run_on({"policy.py": b, "main.py": MAIN}, {"policy.py": c, "main.py": MAIN}, only={"inf_product"})
    return [f.title for f in result.findings]


def test_a_finite_stand_in_replaced_by_infinity_is_reported() -> None:
    [title] = _titles("INF", "np.inf")
    assert "Infinity multiplied by `mask`" in title
    assert _titles("1e8", "float('inf')")


def test_the_fix_and_infinity_as_a_fill_value_are_not() -> None:
    assert _titles("np.inf", "INF") == []
    assert _titles("INF", "INF", fill_b="0.0", fill_c="-np.inf") == []
    assert _titles("INF", "INF * 2", fill_c="2 * np.inf") == []
