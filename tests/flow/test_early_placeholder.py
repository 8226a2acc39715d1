"""`self.X = None` added at the top of a constructor, for an attribute the class assigns before reading it.

Real shape (stable-baselines v2.8.0..v2.9.0, precision held-out 8, N3): `KfacOptimizer.__init__` gained
`self._update_stats_op = None`; `apply_stats` sets it and `apply_gradients` asserts and reads it. A read before the
assignment raised AttributeError at the baseline, so every run that worked reads the same value; it was "Behavioural
change in the optimizer path" (significant). Negatives: a placeholder added after a method call that may set the
attribute, code that asks `hasattr(self, "X")`, and a base class that sets the attribute."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
import torch


class {base_def}Kfac{bases}:
    def __init__(self, params, lr):
        self.params = list(params)
        self.lr = lr{setup}

    def apply_stats(self, grads):
        self._update_op = [g * g for g in grads]
        return self._update_op

    def apply_gradients(self, grads):
        assert self._update_op is not None{probe}
        for p, g, s in zip(self.params, grads, self._update_op):
            p.data.add_(-self.lr * g / (s + 1e-8))


def train(model, batches):
    opt = Kfac(model.parameters(), 0.1)
    for batch in batches:
        loss = model(batch).mean()
        loss.backward()
        grads = [p.grad for p in model.parameters()]
        opt.apply_stats(grads)
        opt.apply_gradients(grads)


if __name__ == "__main__":
    train(torch.nn.Linear(4, 1), load_batches())
"""

PLACEHOLDER = "\n        self._update_op = None"


def _loud(setup: str = "", probe: str = "", base_def: str = "", bases: str = "") -> list[str]:
    kw = {"probe": probe, "base_def": base_def, "bases": bases}
    base = BASE.format(setup=setup, **kw)
    cand = BASE.format(setup=setup + PLACEHOLDER, **kw)
    found = flow_findings({"kfac.py": base}, {"kfac.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_placeholder_for_an_attribute_assigned_before_use_changes_nothing() -> None:
    assert _loud() == []


def test_a_placeholder_after_a_method_call_is_a_change() -> None:
    loud = _loud(setup="\n        self.apply_stats([torch.zeros(1)])")
    assert any("Kfac.__init__" in t for t in loud), loud


def test_a_placeholder_read_by_hasattr_is_a_change() -> None:
    loud = _loud(probe="\n        if not hasattr(self, '_update_op'):\n            return")
    assert any("Kfac.__init__" in t for t in loud), loud


def test_a_placeholder_over_a_base_class_value_is_a_change() -> None:
    base_def = "Base:\n    def __init__(self):\n        self._update_op = [1.0]\n\n\nclass "
    loud = _loud(base_def=base_def, bases="(Base)", setup="")
    assert any("Kfac.__init__" in t for t in loud), loud
