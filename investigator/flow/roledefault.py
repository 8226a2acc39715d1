"""A parameter default re-valued, the parameter named for a learning role: a hyperparameter change, not "no effect".

A function's or class constructor's default is the configuration of every call that does not pass it. When the
flow cannot follow the parameter's value to a sink (it is stored on the object and read by another class, handed to a
library buffer, counted by a trainer's loop), the change used to be filed as "its values reach no loss, target, ...".
The name says what it is: the playbooks' configuration key rules (`playbooks_lib.keyrules`, the same rules config
forensics judges keys by) give the parameter its role; a learning-dynamics role of significant or critical severity
(a buffer size, a warm-up or budget step count, a learning rate, a discount, a loss coefficient) makes the change a
hyperparameter change the runs that take the default get.

Real shape: rljax d74ae7a6..2de183a6, rljax/algorithm/slac.py:29-33 `SLAC.__init__(..., buffer_size=50000 -> 10 ** 5,
..., initial_learning_steps=50 -> 50000, ...)`; `examples/dm_control/train_slac.py` constructs `SLAC(...)` without
either keyword, so every SLAC run trains with a doubled replay buffer and 50000 latent-model pretraining steps; both
were filed as "reach no loss".

Negatives (the value reaches no run, the default stays a no-effect item): the function never reads the parameter
(tests/flow/test_base_constructor_defaults.py: a subclass default not handed to the base), every call found passes the
parameter (by keyword or position: the default is never used), no call is found at all (nothing shows a run takes it),
the name has no learning role or only a low one (`seed`, a logging interval).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from investigator.flow.graph import LearningFlow
from investigator.flow.units import Unit
from investigator.playbooks_lib import load_playbooks
from investigator.pyast import call_name, last_name

# The flow place a learning role acts on, by the playbook subsystem of its rule.
# Subsystems left out (device, logging, checkpointing) configure no learning quantity.
_PLACE = {"buffers": "sampling", "trainer": "optimizer", "ppo": "loss", "env": "environment", "vecenv": "environment",
          "curriculum": "environment", "normalization": "environment", "architecture": "architecture",
          "init": "architecture"}
# a trainer key that counts steps, epochs or frames sets how long (or when) training runs
_COUNT = re.compile(r"steps?|epochs?|iters?|iterations|frames|starts?|updates", re.IGNORECASE)
_ROLES = ("critical", "significant")


@dataclass(frozen=True)
class RoleDefault:
    """The re-valued default of `name`, its rule's words and subsystem, and a call that takes it."""

    name: str
    rule: str
    subsystem: str
    place: str
    caller: str  # `path:line` of a call that does not pass the parameter

    def text(self) -> str:
        return (f"It re-values the default of parameter `{self.name}`, a learning hyperparameter by its name (rule "
                f"`{self.rule}`, {self.subsystem}); the call at {self.caller} does not pass it, so the runs it starts "
                f"train with the new value. The flow could not follow the value further to training.")


def _position(fn_node: ast.FunctionDef | ast.AsyncFunctionDef, name: str, method: bool) -> int | None:
    """The positional index of parameter `name` as callers write it (`self` left out of a method), None when it
    is keyword-only."""
    positional = [a.arg for a in (*fn_node.args.posonlyargs, *fn_node.args.args)]
    if method and positional:
        positional = positional[1:]
    return positional.index(name) if name in positional else None


def _passes(call: ast.Call, name: str, position: int | None) -> bool:
    """Whether `call` may pass `name` (a keyword, a positional argument at its place, or an unpacking that may
    hold it)."""
    if any(k.arg is None or k.arg == name for k in call.keywords):
        return True
    if any(isinstance(a, ast.Starred) for a in call.args):
        return True
    return position is not None and len(call.args) > position


def role_default(change_unit: Unit, base_default: bool, flow: LearningFlow) -> RoleDefault | None:
    """The role of a re-valued parameter default whose value the flow could not follow (`_classify`'s last
    resort before "off"), when some call found takes the default; None otherwise."""
    if not (change_unit.default and base_default) or len(change_unit.defs) != 1:
        return None
    name = next(iter(change_unit.defs))
    hit = load_playbooks().config_rule_for(name)
    if hit is None:
        return None
    playbook, rule = hit
    if rule.kind != "learning_dynamics" or rule.severity.value not in _ROLES or playbook.subsystem not in _PLACE:
        return None
    fn = change_unit.fn
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    if not any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
               for stmt in node.body for n in ast.walk(stmt)):
        return None  # a parameter the function never reads: its default reaches nothing
    position = _position(node, name, method=bool(fn.class_name))
    called = fn.class_name.rsplit(".", 1)[-1] if fn.name == "__init__" and fn.class_name else fn.name
    taker = None
    for unit in flow.callers(fn):
        for call in unit.calls:
            if last_name(call_name(call)) != called:
                continue
            if _passes(call, name, position):
                continue
            taker = f"`{unit.fn.path}:{getattr(call, 'lineno', unit.line)}`"
            break
        if taker:
            break
    if taker is None:
        return None
    place = _PLACE.get(playbook.subsystem)
    if place is None:
        return None
    if place == "optimizer" and _COUNT.search(name):
        place = "schedule"
    return RoleDefault(name, rule.describe(), playbook.subsystem, place, taker)


__all__ = ["RoleDefault", "role_default"]
