"""Partial weight loading: `load_state_dict(strict=False)` and state-dict key remapping."""

from __future__ import annotations

import ast

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
    register,
)
from investigator.detectors.flow import Site
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, canon
from investigator.detectors.pyast import FunctionInfo, call_name, kwarg, last_name, unparse
from investigator.models import Severity

KEY_OPS = {"replace", "removeprefix", "removesuffix", "startswith", "endswith", "lstrip", "split", "sub", "strip"}


def _is_remap(node: ast.AST) -> bool:
    """A dict comprehension or loop that rewrites the keys of a state dict."""
    if not isinstance(node, ast.DictComp | ast.For):
        return False
    text = unparse(node, 400)
    if "state" not in text and "items()" not in text:
        return False
    ops = {last_name(call_name(s)) for s in ast.walk(node) if isinstance(s, ast.Call)}
    slicing = any(isinstance(s, ast.Subscript) and isinstance(s.slice, ast.Slice) for s in ast.walk(node))
    return bool(ops & KEY_OPS) or slicing


@register
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

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:  # noqa: ANN001
        loose = [f for f in only_cand if f.key == ("strict", "False")]
        if loose:
            return [feature_hit("load_state_dict(strict=False) introduced: missing keys are skipped silently",
                                pair, [f for f in only_base if f.key[0] == "strict"], loose)]
        if any(f.key[0] == "remap" for f in only_base + only_cand):
            return [feature_hit("State-dict key mapping changed", pair, [f for f in only_base if f.key[0] == "remap"],
                                [f for f in only_cand if f.key[0] == "remap"])]
        return [feature_hit("Weight loading changed", pair, only_base, only_cand, severity=Severity.low, confidence=0.5)]
