"""A large value named in an intermediate and returned through it is the baseline's value returned whole.

Real shape (CleanDiffuser a24084a4..05f17fc9, `cleandiffuser/diffusion/diffusionsde.py:112`): `return (loss *
self.loss_weight * (1 - self.fix_mask)).mean()` became `loss = loss * self.loss_weight * (1 - self.fix_mask)` ...
`return loss.mean()`. The intermediate, large, was read as a digest at its store and the baseline's return as one
digest of the whole: two texts for one value. Negatives: the intermediate reduced another way, a factor dropped."""

from __future__ import annotations

from tests.flow.support import flow_findings

MODEL = """
    import torch


    class Diffusion:
        def __init__(self, model, optimizer, loss_weight, fix_mask):
            self.model = model
            self.optimizer = optimizer
            self.loss_weight = loss_weight
            self.fix_mask = fix_mask

        def loss(self, x0, condition=None):
            xt, t, eps = self.model["noise"](x0)
            condition = self.model["condition"](condition) if condition is not None else None
            if self.model["predict_noise"]:
                loss = (self.model["diffusion"](xt, t, condition) - eps) ** 2
            else:
                loss = (self.model["diffusion"](xt, t, condition) - x0) ** 2
{tail}

        def update(self, x0, condition=None):
            loss = self.loss(x0, condition)
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
            return loss.item()
"""
TRAIN = """
    import torch

    from model import Diffusion

    agent = Diffusion({{}}, torch.optim.Adam([]), 1.0, 0.0)
    for batch in load():
        agent.update(batch["x"], batch["c"])
"""
BASE = "            return (loss * self.loss_weight * (1 - self.fix_mask)).mean()"
NAMED = """            loss = loss * self.loss_weight * (1 - self.fix_mask)
            return loss.{reduce}()"""


def _titles(tail: str) -> list[str]:
    found = flow_findings({"model.py": MODEL.format(tail=BASE), "train.py": TRAIN},
                          {"model.py": MODEL.format(tail=tail), "train.py": TRAIN})
    return [f.title for f in found if f.severity.value != "low"]


def test_a_large_value_returned_through_a_named_intermediate_is_the_same_value() -> None:
    assert _titles(NAMED.format(reduce="mean")) == []


def test_the_intermediate_reduced_another_way_is_a_change() -> None:
    assert _titles(NAMED.format(reduce="sum"))


def test_a_factor_dropped_from_the_intermediate_is_a_change() -> None:
    assert _titles(NAMED.format(reduce="mean").replace(" * (1 - self.fix_mask)", ""))
