"""An option read out of a new `**kwargs` (`kwargs.get("K", None)`, tested `is not None`) keeps every call the baseline
made, and forwarding `**kwargs` to such a callee keeps every baseline call that passes no such key.

Real shape (CleanDiffuser a24084a4..05f17fc9, `cleandiffuser/diffusion/diffusionsde.py:110` and `:128`, noise class
N2, significant #1 and #2): `BaseDiffusionSDE.loss(self, x0, condition=None)` gained `**kwargs`, reads
`weighted_regression_tensor = kwargs.get("weighted_regression_tensor", None)` and multiplies the loss by it under
`if weighted_regression_tensor is not None:`; `update(self, x0, condition=None, update_ema=True, **kwargs)` (its
`**kwargs` already there) now calls `self.loss(x0, condition, **kwargs)`. Only new pipelines pass the key. Negatives:
a default that is not None (the branch runs), a baseline caller that already passes the key to `update` (ignored at
the baseline, read now), a callee that reads kwargs otherwise (`**kwargs` handed on whole)."""

from __future__ import annotations

from tests.flow.support import flow_findings

MODEL = """
    import torch


    class Diffusion:
        def __init__(self, model, optimizer, loss_weight):
            self.model = model
            self.optimizer = optimizer
            self.loss_weight = loss_weight
            self.predict_noise = False

        def loss(self, x0, condition=None{lparams}):
            condition = self.model(condition) if condition is not None else None
            if self.predict_noise:
                loss = (self.model(x0, condition) - condition) ** 2
            else:
                loss = (self.model(x0, condition) - x0) ** 2
{lbody}

        def update(self, x0, condition=None, update_ema=True, **kwargs):
            loss = self.loss(x0, condition{fwd})
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
            return {{"loss": loss.item()}}
"""
BASE_BODY = "            return (loss * self.loss_weight).mean()"
CAND_BODY = """            loss = loss * self.loss_weight
            weights = kwargs.get("weights", {default})
            if weights is not None:
                loss *= weights.unsqueeze(-1)
            return loss.mean()"""
TRAIN = """
    import torch

    from model import Diffusion

    agent = Diffusion(torch.nn.Linear(4, 4), torch.optim.Adam([]), 1.0)
    for batch in load():
        agent.update(batch["x"]{call})
"""


def _titles(cand_body: str = CAND_BODY, default: str = "None", call: str = "", fwd: str = ", **kwargs") -> list[str]:
    base = {"model.py": MODEL.format(lparams="", lbody=BASE_BODY, fwd=""), "train.py": TRAIN.format(call=call)}
    cand = {"model.py": MODEL.format(lparams=", **kwargs", lbody=cand_body.format(default=default), fwd=fwd),
            "train.py": TRAIN.format(call=call)}
    return [f.title for f in flow_findings(base, cand) if f.severity.value != "low"]


def test_an_option_read_out_of_new_kwargs_at_its_none_default_is_the_baseline() -> None:
    assert _titles() == []


def test_an_unused_key_of_the_forwarded_kwargs_keeps_the_baseline() -> None:
    """A baseline caller passing another key to `update` (diffuserlite's `x1=`): ignored at both commits."""
    assert _titles(call=", x1=batch['y']") == []


def test_a_key_default_that_is_not_none_is_a_change() -> None:
    assert _titles(default="torch.ones(4)")


def test_a_baseline_caller_that_passes_the_key_is_a_change() -> None:
    """The key was passed to `update` at the baseline and dropped there; the candidate forwards and reads it."""
    assert _titles(call=", weights=batch['w']")


def test_kwargs_handed_on_whole_is_a_change() -> None:
    body = BASE_BODY.replace("(loss * self.loss_weight).mean()", "self.scale(loss, **kwargs).mean()")
    assert _titles(cand_body=body, call=", x1=batch['y']")
