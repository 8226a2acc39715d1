"""`torch.compile` introduced, removed, or its options changed."""

from __future__ import annotations

import ast

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
from investigator.detectors.patterns import calls
from investigator.flow.liftedopt import new_field_default
from investigator.models import Severity
from investigator.pyast import call_name, dotted, unparse


def _at_default(value: ast.expr, fn: FunctionInfo, ctx: DetectorContext) -> ast.expr:
    """A candidate's option read from a settings field new in this range (`mode=config.pytorch_compile_mode`) as the
    field's literal default, which every run that leaves the field alone compiles with (flow/liftedopt.py
    `new_field_default`: declared once with a literal, only read, named by no configuration, absent at the baseline).
    Real shape: openpi 37ea6685..15a9616a `src/openpi/models_pytorch/pi0_pytorch.py:113`, `mode="max-autotune"` ->
    `mode=config.pytorch_compile_mode` with the new field's default `"max-autotune"` (low #1, no change)."""
    if fn.side != "candidate" or not isinstance(value, ast.Attribute):
        return value
    found = new_field_default(ctx.pairs.base, ctx.pairs.cand, value.attr)
    return value if found is None else found


def _is_compile(name: str) -> bool:
    return name.endswith(("torch.compile", "torch._dynamo.optimize"))


class TorchCompileDetector(FeatureDetector):
    meta = DetectorMeta(
        id="torch_compile",
        title="torch.compile",
        subsystem="device",
        severity=Severity.significant,
        rationale=(
            "torch.compile changes kernels and adds compilation time; on some backends and with "
            "dynamic shapes it has caused 5x slowdowns and numerical differences."
        ),
        fix="Remove the new torch.compile call (or restore the baseline mode/options) and compare throughput.",
        hypotheses=["device.compile_changed"],
        confidence=0.8,
        keywords=r"torch\.compile",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            if _is_compile(name):
                opts = ", ".join(sorted(f"{k.arg}={unparse(_at_default(k.value, fn, ctx), 30)}"
                                        for k in call.keywords if k.arg))
                out.append(Feature(("compile", opts), site, f"torch.compile({opts})"))
        for dec in getattr(fn.node, "decorator_list", []):
            target = dec.func if isinstance(dec, ast.Call) else dec
            if _is_compile(dotted(target)) or _is_compile(call_name(dec) if isinstance(dec, ast.Call) else ""):
                site = Site(dec, fn, (), False, 0)
                out.append(Feature(("compile", "decorator"), site, "@torch.compile"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_cand and not base:
            return [feature_hit("torch.compile introduced", pair, [], only_cand)]
        if only_base and not cand:
            return [feature_hit("torch.compile removed", pair, only_base, [], severity=Severity.low, confidence=0.6)]
        return [feature_hit("torch.compile options changed", pair, only_base, only_cand, severity=Severity.low)]
