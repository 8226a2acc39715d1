"""Device placement: the device a model or tensors are put on."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, canon, parent_map
from investigator.models import Severity
from investigator.pyast import kwarg, last_name, unparse

DEVICE_CONFIDENCE = 0.70
DEVICES = ("cpu", "cuda", "mps", "xla", "meta")
EXPORTS = {"numpy", "tolist", "item"}


@dataclass(frozen=True)
class Move(Feature):
    # what is moved, canonical, as written where the move is (`tensor.contiguous()` of a helper's
    # `tensor.contiguous().cpu()`, whatever argument an inlined call binds to `tensor`)
    receiver: str = ""


# steps that keep a host copy a host copy on its way to an export: `x.cpu().detach().numpy()` is the
# `x.detach().cpu().numpy()` of torch's docs (cherry v0.1.3..v0.1.4 `cherry/envs/torch_wrapper.py:40`: the
# action handed to a gym env, `.view(-1).data.numpy()` -> `.view(-1).cpu().detach().numpy()`, read "Device
# placement changed", significant, #3 of set 15's cherry)
PASSING = frozenset({"detach", "clone", "contiguous", "float", "double", "long", "int", "bool", "flatten", "squeeze"})


def _exported(call: ast.Call, fn: FunctionInfo) -> bool:
    """`x.cpu().numpy()` / `.tolist()` / `.item()`: a host copy taken to leave the framework (saving,
    logging, a NumPy consumer), not where the computation runs; also through `.detach()`, `.data`, a cast
    or a copy on the way (`x.cpu().detach().numpy()`)."""
    parents = parent_map(fn)
    node: ast.AST = call
    while True:
        parent = parents.get(id(node))
        if not isinstance(parent, ast.Attribute):
            return False
        if parent.attr in EXPORTS:
            return True
        if parent.attr == "data":
            node = parent
            continue
        called = parents.get(id(parent))
        if parent.attr not in PASSING or not isinstance(called, ast.Call) or called.func is not parent:
            return False
        node = called


def _device_literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.split(":")[0] in DEVICES:
        return node.value
    if isinstance(node, ast.IfExp):
        a, b = _device_literal(node.body), _device_literal(node.orelse)
        if a or b:
            return f"{a or unparse(node.body, 30)} if ... else {b or unparse(node.orelse, 30)}"
    return None


class DevicePlacementDetector(FeatureDetector):
    meta = DetectorMeta(
        id="device_placement",
        title="Device placement",
        subsystem="device",
        severity=Severity.significant,
        rationale=(
            "A hard-coded device (training pinned to the CPU, a model left on another device than its "
            "inputs, an MPS/CPU fallback) changes throughput by large factors and sometimes numerics."
        ),
        fix="Restore the baseline device selection (e.g. `torch.device('cuda' if torch.cuda.is_available() and args.cuda else 'cpu')`).",
        hypotheses=["device.device_changed"],
        # below an anonymous one-statement change of the loss, target, advantage, reward, optimizer,
        # sampling or environment path (flow/analyzer.py `_place_confidence`: 0.712-0.736): where tensors
        # live changes speed first, what is learned rarely; the flow's own device path is last (PATHS)
        confidence=DEVICE_CONFIDENCE,
        keywords=r"torch\.device|\.to\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            candidates: list[ast.AST | None] = []
            if tail in ("device", "to") and call.args:
                candidates.append(call.args[0])
            candidates.append(kwarg(call, "device"))
            candidates.append(kwarg(call, "map_location"))
            for c in candidates:
                literal = _device_literal(c)
                if literal:
                    out.append(Feature(("device", literal), site, unparse(call, 70)))
            if tail in ("cpu", "cuda") and not call.args and isinstance(call.func, ast.Attribute) and site.loop_depth == 0 \
                    and not (tail == "cpu" and _exported(call, site.fn)):
                out.append(Move(("move", tail), site, f".{tail}()", receiver=canon(call.func.value, site.fn)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        # the same tensor moved the same way at both commits, once more at one of them (the move
        # written into both arms of a new version check): where that tensor lives does not change
        if any(isinstance(f, Move) for f in (*only_base, *only_cand)):
            moved_b = {(f.key, f.receiver) for f in base if isinstance(f, Move)}
            moved_c = {(f.key, f.receiver) for f in cand if isinstance(f, Move)}
            only_base = [f for f in only_base if not isinstance(f, Move)] + [
                f for f in base if isinstance(f, Move) and (f.key, f.receiver) not in moved_c]
            only_cand = [f for f in only_cand if not isinstance(f, Move)] + [
                f for f in cand if isinstance(f, Move) and (f.key, f.receiver) not in moved_b]
        # a device selection moved into a field default of the method's class: no change by itself
        fields_b, fields_c = _field_selections(pair.base), _field_selections(pair.cand)
        only_base = [f for f in only_base if _selection(f) not in fields_c - fields_b]
        only_cand = [f for f in only_cand if _selection(f) not in fields_b - fields_c]
        if not only_base and not only_cand:
            return []
        return [feature_hit("Device placement changed", pair, only_base, only_cand)]


def _selection(feature: Feature) -> frozenset[str] | None:
    """The devices a conditional device literal chooses between (`cuda if ... else cpu`), else None."""
    literal = feature.key[1] if len(feature.key) == 2 and feature.key[0] == "device" else None
    if not isinstance(literal, str) or " if ... else " not in literal:
        return None
    names = frozenset(w.split(":")[0] for w in literal.replace("'", " ").replace('"', " ").replace("(", " ").replace(
        ")", " ").split() if w.split(":")[0] in DEVICES)
    return names if len(names) > 1 else None


def _field_selections(fn: FunctionInfo | None) -> set[frozenset[str] | None]:
    """The device choices written as field defaults of the class whose method `fn` is
    (`device: str = torch.device("cuda") if torch.cuda.is_available() else "cpu"`). Real shape
    (PufferLib 73aaa5a8..cb116bca): `self.device = torch.device("cuda" if ... else "cpu")` of
    `__post_init__` became that dataclass field, and "Device placement changed" paired it with the
    new `.to("cpu" if self.cpu_offload else self.device)` of an observation buffer."""
    if fn is None or fn.class_name is None:
        return set()
    cls = next((c for c in ast.walk(fn.module.tree) if isinstance(c, ast.ClassDef)
                and any(s is fn.node for s in c.body)), None)
    out: set[frozenset[str] | None] = set()
    for stmt in cls.body if cls is not None else []:
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        if value is None or not any(isinstance(n, ast.IfExp) for n in ast.walk(value)):
            continue
        names = frozenset(n.value.split(":")[0] for n in ast.walk(value) if isinstance(n, ast.Constant)
                          and isinstance(n.value, str) and n.value.split(":")[0] in DEVICES)
        if len(names) > 1:
            out.add(names)
    return out
