"""`dtype=np.float64` on a numpy constructor whose default dtype is float64 restates the default.

Real shape (dqn_zoo v1.1.0..v1.2.0, precision held-out 10, N3): `PrioritizedDistribution.remove_priorities`
(dqn_zoo/replay.py:526) writes `np.zeros((len(indices),), dtype=np.float64)` into the float64 sum tree: "Precision
changed: `np.float64` at the candidate" (significant, #1 of the range). `np.zeros`, `np.ones`, `np.empty`, `np.full`
(the four constructors whose dtype defaults to float64; the `_like` forms follow
their argument). Negatives: `torch.zeros(..., dtype=torch.float64)` (torch defaults to float32), `np.array(x,
dtype=np.float64)` (follows its input) and a cast `x.astype(np.float64)`.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import numpy as np
import torch


class Replay:
    def __init__(self, capacity):
        self.tree = np.zeros(capacity)
        self.priorities = np.ones(capacity)

    def remove(self, indices):
        self.tree[indices] = 0.0
        return self.sample(len(indices))

    def sample(self, n):
        p = self.tree / self.tree.sum()
        return np.random.choice(len(self.tree), size=n, p=p)


def train(replay, agent, steps):
    for _ in range(steps):
        batch = replay.sample(32)
        replay.remove(batch[:4])
        loss = agent.loss(batch)
        loss.backward()
"""


def _titles(value: str) -> list[str]:
    cand = BASE.replace("        self.tree[indices] = 0.0\n", f"        self.tree[indices] = {value}\n")
    assert cand != BASE
    result = run_on({"replay.py": BASE}, {"replay.py": cand}, only={"precision"})
    return [f.title for f in result.findings]


def test_numpy_zeros_with_its_default_float64_is_no_precision_change() -> None:
    assert _titles("np.zeros((len(indices),), dtype=np.float64)") == []
    assert _titles("np.full(len(indices), 0.0, dtype=np.float64)") == []


def test_torch_zeros_in_float64_is_a_precision_change() -> None:
    assert _titles("torch.zeros(len(indices), dtype=torch.float64).numpy()") \
        == ["Precision changed: `torch.float64` at the candidate"]


def test_numpy_array_in_float64_is_a_precision_change() -> None:
    assert _titles("np.array(indices, dtype=np.float64) * 0") == ["Precision changed: `np.float64` at the candidate"]


def test_a_cast_to_float64_is_a_precision_change() -> None:
    assert _titles("np.asarray(indices).astype(np.float64) * 0") \
        == ["Precision changed: `np.float64` at the candidate"]
