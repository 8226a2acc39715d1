"""A layer the baseline received through a constructor parameter, built inside at the candidate.

Real shape (PufferLib 9aa817f7..d4d17e69): `RecurrentWrapper.__init__(self, env, policy, rnn,
input_size=128, hidden_size=128, num_layers=1)` stored `self.recurrent = rnn`, which the script built
as `env_module.RNN(**args.rnn)` with `RNN = partial(torch.nn.LSTM, input_size=128, hidden_size=128,
num_layers=1)`; the candidate's `LSTMWrapper.__init__(self, env, policy, input_size=128, ...)` builds
`self.recurrent = nn.LSTM(input_size, hidden_size, num_layers)` itself. "Layer changed: `-` ->
`nn.LSTM(...)`" (significant) compared an unknown module with a built one.

The layer is the injected one built in another place when: the candidate builds it from the
function's own parameters only (no literal, nothing computed), onto an attribute the baseline set from
a parameter the candidate dropped, and the baseline's code builds that layer class (a call, or a
`partial` of it) with keywords that are among the candidate's parameters. Which sizes a run gets is
then decided by its callers at both commits; the finding is kept, low.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair, SideIndex
from investigator.pyast import dotted, last_name

MAX_FILES = 40  # files mentioning the layer class read at the baseline


def injected_layer(pair: FunctionPair, layer: str, side: SideIndex) -> str | None:
    """How the baseline built the `layer` the candidate now builds from its parameters, else None."""
    base, cand = pair.base, pair.cand
    if base is None or cand is None:
        return None
    cand_params, base_params = _params(cand), _params(base)
    for node in ast.walk(cand.node):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Call)):
            continue
        call, target = node.value, node.targets[0]
        if last_name(dotted(call.func)) != layer or not isinstance(target, ast.Attribute) or not _self_attr(target):
            continue
        used = [*call.args, *(k.value for k in call.keywords)]
        if not used or not all(isinstance(a, ast.Name) and a.id in cand_params for a in used):
            continue
        injected = _injected(base, target.attr, base_params - cand_params)
        if injected is None:
            continue
        names = {a.id for a in used if isinstance(a, ast.Name)} | {k.arg for k in call.keywords if k.arg}
        built = _built_at(side, layer, names)
        if built is not None:
            return (f"the baseline set `self.{target.attr}` from its parameter `{injected}`, and built the {layer} "
                    f"as `{built}`")
    return None


def _params(fn: FunctionInfo) -> set[str]:
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    return {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}


def _self_attr(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _injected(base: FunctionInfo, attr: str, dropped: set[str]) -> str | None:
    for node in ast.walk(base.node):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and _self_attr(node.targets[0])
                and node.targets[0].attr == attr  # type: ignore[attr-defined]
                and isinstance(node.value, ast.Name) and node.value.id in dropped):
            return node.value.id
    return None


def _built_at(side: SideIndex, layer: str, names: set[str]) -> str | None:
    """A construction of `layer` in the baseline's code whose keywords are all among `names`."""
    paths = list(dict.fromkeys(p for p, _line in side.references(layer) if p.endswith(".py")))
    if len(paths) > MAX_FILES:
        return None
    for path in paths:
        module = side.module(path)
        if module is None:
            continue
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            func = last_name(dotted(node.func))
            if func == "partial" and node.args and last_name(dotted(node.args[0])) == layer:
                keywords = {k.arg for k in node.keywords if k.arg}
            elif func == layer:
                keywords = {k.arg for k in node.keywords if k.arg}
                if node.args:
                    continue  # positional sizes: which parameter each is, is not shown
            else:
                continue
            if keywords and keywords <= names:
                return ast.unparse(node)[:120]
    return None
