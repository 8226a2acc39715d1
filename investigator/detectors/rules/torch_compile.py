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
from investigator.models import Severity
from investigator.pyast import call_name, dotted, unparse


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
                opts = ", ".join(sorted(f"{k.arg}={unparse(k.value, 30)}" for k in call.keywords if k.arg))
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
