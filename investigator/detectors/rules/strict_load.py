"""Partial weight loading: `load_state_dict(strict=False)` and state-dict key remapping."""

from __future__ import annotations

import ast
import re

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
from investigator.detectors.patterns import calls, canon
from investigator.models import Severity
from investigator.pyast import call_name, kwarg, last_name, unparse

KEY_OPS = {"replace", "removeprefix", "removesuffix", "startswith", "endswith", "lstrip", "split", "sub", "strip"}


STATE_SOURCE = re.compile(r"state|ckpt|checkpoint|weights|params|(^|\W)sd(\W|$)|dict", re.IGNORECASE)


def _key_var(target: ast.AST) -> str | None:
    """The key name of `for k, v in d.items()` / `for k in d` / `{k: v for k, v in d.items()}`."""
    if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
        return target.elts[0].id
    return target.id if isinstance(target, ast.Name) else None


def _rewrites_key(tree: ast.AST, key: str) -> bool:
    """A string operation or a slice applied to the key variable (`k.replace("module.", "")`, `k[7:]`)."""
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Call) and last_name(call_name(sub)) in KEY_OPS:
            receiver = sub.func.value if isinstance(sub.func, ast.Attribute) else None
            operands = [receiver, *sub.args]
            if any(isinstance(o, ast.Name) and o.id == key for o in operands):
                return True
        if (
            isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Slice)
            and isinstance(sub.value, ast.Name) and sub.value.id == key
        ):
            return True
    return False


def _is_remap(node: ast.AST) -> bool:
    """A dict comprehension or loop over a state dict's keys that rewrites the keys. A training loop
    that slices minibatches or carries an `lstm_state` is not one: the rewrite must apply to the
    key variable of a loop over a state-dict-like mapping."""
    if isinstance(node, ast.DictComp):
        gen = node.generators[0]
        key = _key_var(gen.target)
        return key is not None and STATE_SOURCE.search(unparse(gen.iter, 120)) is not None and _rewrites_key(node.key, key)
    if isinstance(node, ast.For):
        key = _key_var(node.target)
        if key is None or not STATE_SOURCE.search(unparse(node.iter, 120)):
            return False
        return _rewrites_key(ast.Module(body=node.body, type_ignores=[]), key)
    return False


class StrictLoadDetector(FeatureDetector):
    meta = DetectorMeta(
        id="strict_load",
        title="Weight loading (strictness and key mapping)",
        subsystem="checkpointing",
        severity=Severity.significant,
        rationale=(
            "`load_state_dict(strict=False)` silently skips keys that do not match: with a changed "
            "key prefix or remapping, pretrained layers stay randomly initialised (e.g. 58 of 82 "
            "tensors loaded) and training starts from a worse point."
        ),
        fix="Load with strict=True (or assert that missing/unexpected keys are empty) and restore the baseline key mapping.",
        hypotheses=["checkpointing.partial_weight_loading"],
        confidence=0.8,
        keywords=r"load_state_dict",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            if last_name(name) == "load_state_dict":
                strict = kwarg(call, "strict")
                value = unparse(strict) if strict is not None else "True"
                out.append(Feature(("strict", value), site, f"{name}(..., strict={value})"))
        for site in sites:
            if _is_remap(site.node):
                out.append(Feature(("remap", canon(site.node, site)), site, unparse(site.node, 90)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        loose = [f for f in only_cand if f.key == ("strict", "False")]
        if loose:
            return [feature_hit("load_state_dict(strict=False) introduced: missing keys are skipped silently",
                                pair, [f for f in only_base if f.key[0] == "strict"], loose)]
        if any(f.key[0] == "remap" for f in only_base + only_cand):
            return [feature_hit("State-dict key mapping changed", pair, [f for f in only_base if f.key[0] == "remap"],
                                [f for f in only_cand if f.key[0] == "remap"])]
        return [feature_hit("Weight loading changed", pair, only_base, only_cand, severity=Severity.low, confidence=0.5)]
