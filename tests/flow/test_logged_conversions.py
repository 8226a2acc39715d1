"""Device moves in the float conversion of logged losses are not training (real shape, d3rlpy
v2.2.0..v2.3.0): `return {"loss": float(loss.cpu().detach().numpy())}` became a helper without
`.cpu()`, in seven update methods; the returned dicts are merged (`metrics.update(...)`) and handed
to `logger.add_metric(name, val)`. Reported as "Device placement changed (7 places)", significant.

Two rules: a finding about a feature present on one side only is judged by the flow on that side
(the other side's location is just its counterpart, here the optimizer step beside it), and a
method of a logger object named like logging (`add_metric`) is a logging sink.
"""

from __future__ import annotations

import ast

from investigator.flow.units import _is_logger
from tests.detectors.helpers import run_on

IMPL = """
import torch


class Impl:
    def __init__(self, critic, optim, device):
        self.critic = critic
        self.optim = optim
        self.device = device

    def update_critic(self, batch):
        self.optim.zero_grad()
        target = self.critic(batch.next_obs).cpu()
        loss = ((self.critic(batch.obs) - target.to(self.device)) ** 2).mean()
        loss.backward()
        self.optim.step()
        return {"critic_loss": float(loss.cpu().detach().numpy())}

    def inner_update(self, batch):
        metrics = {}
        metrics.update(self.update_critic(batch))
        return metrics


def fit(impl, loader, logger):
    for batch in loader:
        losses = impl.inner_update(batch)
        for name, val in losses.items():
            logger.add_metric(name, val)
"""


def _device(base: str, cand: str) -> tuple[list, list]:
    result = run_on({"impl.py": base}, {"impl.py": cand}, only={"device_placement"})
    return result.findings, result.no_effect


def test_cpu_removed_from_a_logged_loss_conversion_is_no_effect() -> None:
    cand = IMPL.replace("float(loss.cpu().detach().numpy())", "float(loss.detach().numpy())")
    findings, _ = _device(IMPL, cand)
    assert not findings, [f.title for f in findings]  # `.cpu().detach().numpy()`: a host export, no move at all
    # a move kept as a tensor on its way into the logged float: judged by the flow, a logging sink
    base = IMPL.replace("float(loss.cpu().detach().numpy())", "float(loss.cpu())")
    findings, no_effect = _device(base, IMPL.replace("float(loss.cpu().detach().numpy())", "float(loss)"))
    assert not findings, [f.title for f in findings]
    assert no_effect and "logging" in no_effect[0].reason


def test_cpu_removed_on_the_way_into_the_loss_is_still_a_finding() -> None:
    cand = IMPL.replace("target = self.critic(batch.next_obs).cpu()", "target = self.critic(batch.next_obs)")
    findings, _ = _device(IMPL, cand)
    assert [f.title for f in findings] == ["Device placement changed"]


def test_a_logger_method_named_like_logging_is_a_logging_sink() -> None:
    def call(text: str) -> ast.Call:
        node = ast.parse(text).body[0].value  # type: ignore[attr-defined]
        assert isinstance(node, ast.Call)
        return node

    assert _is_logger(call("logger.add_metric(name, val)"))
    assert _is_logger(call("self.writer.write_row(row)"))
    assert not _is_logger(call("self.log_std.add_(delta)"))  # an in-place tensor op on a `log_` parameter
    assert not _is_logger(call("metrics.update(d)"))
    assert not _is_logger(call("buffer.add_transition(obs)"))


SCALER = """
class Scaler:
    def __init__(self):
        self.mean = 0.0

    def update(self, x):
        self.mean = 0.9 * self.mean + 0.1 * x.mean()

    def __call__(self, x):
        return x - self.mean

    def report(self, writer):
        writer.add_scalar("mean", self.mean)
"""


def _placement_of_update(text: str):
    from investigator.flow.graph import LearningFlow
    from tests.flow.test_equivalence import _index

    index = _index({"s.py": text}, {"s.py": text})
    flow = LearningFlow(index.cand)
    fn = index.cand.module("s.py").functions["Scaler.update"]
    unit = flow.unit_at(fn, fn.lineno + 1)
    return flow.place([unit])


def test_a_statistic_also_returned_by_call_is_not_proven_logging_only() -> None:
    # real shape (skrl 2.0): the running scaler's mean is logged and used in `__call__`, whose callers
    # the text does not show; "reaches only logging" would call the normaliser's update no-effect. Since the
    # twenty-first session (h9use, EasyR1's reward manager) such a value has no logging sink at all: the flow
    # stops where the return leaves the readable code, and the stop is named
    placement = _placement_of_update(SCALER)
    assert placement.sink is None and not placement.complete
    assert any("Scaler.__call__" in s for s in placement.stops), placement.stops


def test_a_statistic_only_logged_is_logging_only() -> None:
    placement = _placement_of_update(SCALER.replace("    def __call__(self, x):\n        return x - self.mean\n\n", ""))
    assert placement.sink == "logging" and placement.complete
