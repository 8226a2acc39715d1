"""Semantics, not shapes (issue 11 item 3): shapes seen in real RL repositories, as generated code.

Each test reproduces the shape of a false critical finding seen on a public RL library (equivalent
zero-grad forms, interleaved optimizers, if/else branches read as one sequence, a step moved into a
base-class helper) and checks both that the equivalent form is quiet and that the real bug in the
same shape is still found."""

from __future__ import annotations

import pytest

from tests.detectors.helpers import run_on

UPDATE = """
import torch
import torch.nn as nn


class Learner:
    def train_step(self, batch):
        loss = self.model.loss(batch)
        {zero}
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        return loss


def run(learner, batches):
    for batch in batches:
        learner.train_step(batch)
"""


def _update(zero: str) -> str:
    return UPDATE.replace("{zero}", zero)


def _grad_order(base: str, cand: str, files: dict[str, str] | None = None) -> list:
    extra = files or {}
    return [f for f in run_on({"learner.py": base, **extra}, {"learner.py": cand, **extra}, only={"grad_order"}).findings]


@pytest.mark.parametrize(
    "zero",
    [
        "for p in self.model.parameters():\n            p.grad = None",
        "self.optimizer.zero_grad(set_to_none=True)",
        "self.model.zero_grad()",
        "for param in self.model.parameters():\n            if param.grad is not None:\n                param.grad.zero_()",
    ],
)
def test_equivalent_zero_grad_forms_are_not_a_removed_zero_grad(zero: str) -> None:
    assert _grad_order(_update("self.optimizer.zero_grad()"), _update(zero)) == []


def test_zero_grad_really_removed_is_still_critical() -> None:
    findings = _grad_order(_update("self.optimizer.zero_grad()"), _update("pass"))
    assert findings and findings[0].severity.value == "critical" and "zero_grad() removed" in findings[0].title


def test_param_loop_without_grad_reset_is_not_a_zero_grad() -> None:
    cand = _update("for p in self.model.parameters():\n            p.requires_grad = True")
    findings = _grad_order(_update("self.optimizer.zero_grad()"), cand)
    assert findings and "zero_grad() removed" in findings[0].title


SINGLE = """
import torch


def update(policy, optimizer, rnd, rnd_optimizer, batches, cfg):
    for batch in batches:
        loss = policy.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.max_grad_norm)
        optimizer.step()
"""

INTERLEAVED = """
import torch


def update(policy, optimizer, rnd, rnd_optimizer, batches, cfg):
    for batch in batches:
        loss = policy.loss(batch)
        rnd_loss = rnd.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        if rnd:
            rnd_optimizer.zero_grad()
            rnd_loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.max_grad_norm)
        optimizer.step()
        if rnd_optimizer:
            rnd_optimizer.step()
"""


def test_interleaved_optimizers_each_in_order_are_not_critical() -> None:
    findings = _grad_order(SINGLE, INTERLEAVED)
    assert all(f.severity.value == "low" for f in findings), [(f.severity, f.title) for f in findings]


def test_interleaved_optimizers_regrouped_are_not_critical() -> None:
    regrouped = INTERLEAVED.replace(
        "        if rnd:\n            rnd_optimizer.zero_grad()\n            rnd_loss.backward()\n", ""
    ).replace(
        "        if rnd_optimizer:\n            rnd_optimizer.step()\n",
        "        if rnd_optimizer:\n            rnd_optimizer.zero_grad()\n            rnd_loss.backward()\n"
        "            rnd_optimizer.step()\n",
    )
    findings = _grad_order(INTERLEAVED, regrouped)
    assert all(f.severity.value == "low" for f in findings), [(f.severity, f.title) for f in findings]


def test_one_of_two_optimizers_stepped_before_its_backward_is_critical() -> None:
    bug = INTERLEAVED.replace(
        "        optimizer.zero_grad()\n        loss.backward()\n",
        "        optimizer.zero_grad()\n        optimizer.step()\n        loss.backward()\n",
    ).replace("        optimizer.step()\n        if rnd_optimizer", "        if rnd_optimizer")
    findings = _grad_order(INTERLEAVED, bug)
    assert findings and findings[0].severity.value == "critical", [(f.severity, f.title) for f in findings]
    assert "step() before any backward()" in findings[0].title


STRAIGHT = """
import torch.nn as nn


class Agent:
    def calc_gradients(self, loss):
        self.optimizer.zero_grad()
        self.scaler.scale(loss).backward()
        if self.truncate_grads:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""

BRANCHED = """
import torch.nn as nn


class Agent:
    def calc_gradients(self, loss):
        if self.multi_gpu:
            self.optimizer.zero_grad()
        else:
            for param in self.model.parameters():
                param.grad = None
        self.scaler.scale(loss).backward()
        if self.truncate_grads:
            if self.multi_gpu:
                self.optimizer.synchronize()
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
                self.scaler.step(self.optimizer)
                self.scaler.update()
        else:
            self.scaler.step(self.optimizer)
            self.scaler.update()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""


def test_if_else_branches_are_alternative_paths_not_one_sequence() -> None:
    assert _grad_order(STRAIGHT, BRANCHED) == []


def test_clip_after_step_on_one_branch_is_still_critical() -> None:
    bug = BRANCHED.replace(
        "                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)\n"
        "                self.scaler.step(self.optimizer)\n",
        "                self.scaler.step(self.optimizer)\n"
        "                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)\n",
        1,
    )
    assert bug != BRANCHED
    findings = _grad_order(STRAIGHT, bug)
    assert findings and findings[0].severity.value == "critical" and "clipping after step()" in findings[0].title


BASE_CLASS = """
import torch.nn as nn


class BaseAgent:
    def truncate_gradients_and_step(self):
        if self.truncate_grads:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
        {step}
"""

SUBCLASS_INLINE = """
import torch.nn as nn
from base_agent import BaseAgent


class Agent(BaseAgent):
    def calc_gradients(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        if self.truncate_grads:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
        self.optimizer.step()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""

SUBCLASS_CALLS_BASE = """
import torch.nn as nn
from base_agent import BaseAgent


class Agent(BaseAgent):
    def calc_gradients(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        self.truncate_gradients_and_step()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""


def test_step_moved_into_a_base_class_method_is_followed() -> None:
    files = {"base_agent.py": BASE_CLASS.replace("{step}", "self.optimizer.step()")}
    assert _grad_order(SUBCLASS_INLINE, SUBCLASS_CALLS_BASE, files) == []


def test_base_class_helper_without_step_is_still_a_removed_step() -> None:
    files = {"base_agent.py": BASE_CLASS.replace("{step}", "pass")}
    findings = _grad_order(SUBCLASS_INLINE, SUBCLASS_CALLS_BASE, files)
    assert findings and "step() removed" in findings[0].title
