"""A network built with other arguments: a submodule's sizes or types changed, as the layers detector knows.

Real shape (rsl_rl, a teacher network of a student-teacher module): `self.teacher =
MLP(num_teacher_obs, num_actions, dims, act)` became `MLP(rnn_hidden_dim, ...)`. The layers
detector reports a changed `nn.Linear(a, b)` as "layer sizes changed" (significant, confidence
0.75); the same edit on a project network class (`MLP`, an `nn.Sequential` subclass) matched no
pattern and was an anonymous architecture change ranked below runner wiring. A statement of a
network class's `__init__` that calls the same project network class at both commits with other
arguments has that known meaning: what the network computes changes (its input or output size,
its depth, its layer types), and everything downstream reads it.
"""

from __future__ import annotations

import ast
from typing import Any

from investigator.flow.graph import MODULE_CLASS
from investigator.flow.wrappers import _classes, _imported_module
from investigator.pyast import dotted, last_name

LAYER_CONFIDENCE = 0.75  # the layers detector's confidence for a changed layer size (detectors/rules/layers.py)
MAX_DEPTH = 5


def _is_network_class(name: str, module: Any, depth: int = 0) -> bool:
    """`name`, seen from `module`, is a project class with a network base (`nn.Module`, `nn.Sequential`,
    a project `...Network`), followed through imports and package re-exports."""
    if depth > MAX_DEPTH:
        return False
    cls = _classes(module).get(name)
    if cls is None:
        other = _imported_module(module, name, module.index)
        return other is not None and other is not module and _is_network_class(name, other, depth + 1)
    return any(MODULE_CLASS.search(last_name(dotted(b) or "")) for b in cls.bases)


def _built(node: ast.stmt) -> tuple[str, ast.expr, ast.Call] | None:
    """(callee name, target, call) of `target = Callee(...)`."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call):
        name = dotted(node.value.func)
        return (name, node.targets[0], node.value) if name else None
    return None


def _arguments(call: ast.Call) -> str:
    return ast.dump(ast.Tuple(elts=list(call.args), ctx=ast.Load())) + repr(
        sorted((k.arg or "**", ast.dump(k.value)) for k in call.keywords))


def rebuilt_network(base: ast.stmt, cand: ast.stmt, module: Any) -> str | None:
    """The callee when both statements build the same project network class into the same target with
    other arguments (see the module doc), else None."""
    b, c = _built(base), _built(cand)
    if b is None or c is None or b[0] != c[0] or ast.dump(b[1]) != ast.dump(c[1]):
        return None
    if _arguments(b[2]) == _arguments(c[2]):
        return None
    name = b[0]
    if "." in name:  # `nn.Linear` and friends: the layers detector's own pattern
        return None
    return name if _is_network_class(name, module) else None


def _constructed(call: ast.Call) -> tuple[str, ast.Call] | None:
    """(class name, call) of a call that builds an object or binds its constructor's arguments:
    `Cls(...)`, `partial(Cls, ...)` / `functools.partial(Cls, ...)` (the partial's own arguments)."""
    name = dotted(call.func)
    if name and last_name(name) == "partial" and call.args:
        inner = dotted(call.args[0])
        return (inner, call) if inner else None
    return (name, call) if name else None


def _network_calls(node: ast.AST, module: Any) -> dict[str, list[str]]:
    """The arguments of each call in `node` that builds a project network class (or binds its constructor's
    arguments in a `partial`), by class name."""
    out: dict[str, list[str]] = {}
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        found = _constructed(call)
        if found is None or "." in found[0] or not _is_network_class(found[0], module):
            continue
        out.setdefault(found[0], []).append(_arguments(found[1]))
    return out


def reconfigured_network(base: ast.stmt, cand: ast.stmt, base_module: Any, cand_module: Any) -> str | None:
    """The project network class a changed statement constructs (or binds constructor arguments of) with
    other arguments at the two commits, where the flow could not follow the built object: what the network
    computes changes wherever it is built from, so the change is its architecture's, not "no effect". Real
    shape: jaxrl_m 7e8d8fe0..54ef8acb jaxrl_m/vision/bridge_resnet_v1.py:320, a module-level registry
    `bridge_resnetv1_configs = {'resnetv1-18-bridge': ft.partial(ResNetEncoder, ..., norm='group'), ...}`
    (BatchNorm -> GroupNorm), merged into `jaxrl_m.vision.encoders` and looked up by name by its users."""
    b, c = _network_calls(base, base_module), _network_calls(cand, cand_module)
    for name in sorted(set(b) & set(c)):
        if sorted(b[name]) != sorted(c[name]):
            return name
    return None
