"""An attribute set to the value its object's constructor already gives it: an explicit default.

Real shape (DeepRL, held-out 4 `deeprl-epsgreedy-random-actions`, used): experiment functions build
`config = Config()` and set what they need; `Config.__init__` has `self.num_workers = 1`. A range dropped
`config.num_workers = 1` from `ppo_continuous`, and the run still has one worker; it was "Environment/worker
count computation changed", significant and the first finding, above the real sampling bug. A store is an
explicit default only when the object is built in the same function by a call of a class the commit defines
once, whose own `__init__` stores that attribute exactly once, as an equal literal, at both commits.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import SideIndex
from investigator.pyast import call_name, last_name

_NOTHING = object()
SIDES = ("baseline", "candidate")


def _built_by(fn: FunctionInfo, name: str) -> str | None:
    """The class name `name` is bound to in `fn` by its only store, `name = Cls(...)`."""
    stores = 0
    built: list[str] = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            stores += 1
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == name and isinstance(node.value, ast.Call):
            built.append(last_name(call_name(node.value)))
    return built[0] if stores == 1 and len(built) == 1 and built[0] else None


def _init_literal(index: SideIndex, cls_name: str, attr: str) -> object:
    """The literal `cls_name.__init__` stores in `self.<attr>` (its only store there), else `_NOTHING`."""
    classes = index.class_defs(cls_name)
    if len(classes) != 1:
        return _NOTHING
    init = next((s for s in classes[0].body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is None:
        return _NOTHING
    values = [node.value for node in ast.walk(init) if isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(t := node.targets[0], ast.Attribute) and t.attr == attr
              and isinstance(t.value, ast.Name) and t.value.id == "self"]
    if len(values) != 1 or not isinstance(values[0], ast.Constant):
        return _NOTHING
    return values[0].value


def is_constructor_default(fn: FunctionInfo, target: ast.expr, value: ast.expr, sides: dict[str, SideIndex]) -> bool:
    """Whether `target = value` (`config.num_workers = 1`) stores what the object's constructor already
    stored, at both commits (see the module doc)."""
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and isinstance(value, ast.Constant)):
        return False
    cls_name = _built_by(fn, target.value.id)
    if cls_name is None:
        return False
    for side in SIDES:
        default = _init_literal(sides[side], cls_name, target.attr)
        if default is _NOTHING or type(default) is not type(value.value) or default != value.value:
            return False
    return True
