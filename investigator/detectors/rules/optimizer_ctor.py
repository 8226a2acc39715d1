"""Optimizer class and constructor hyperparameters written in code (eps, betas, weight decay)."""

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
from investigator.detectors.configref import factory_choice
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, canon
from investigator.models import Severity
from investigator.pyast import last_name, unparse

OPTIMIZERS = re.compile(r"^(Adam|AdamW|SGD|RMSprop|Adagrad|Adamax|NAdam|RAdam|Lion|Adafactor|LAMB|Lamb|SparseAdam)$")


class OptimizerCtorDetector(FeatureDetector):
    meta = DetectorMeta(
        id="optimizer_ctor",
        title="Optimizer construction",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "The optimizer class and its hyperparameters (Adam eps 1e-5 in PPO, betas, weight decay) "
            "set the effective step size; a changed eps or class changes training dynamics."
        ),
        fix="Restore the baseline optimizer class and constructor arguments.",
        hypotheses=["trainer.optimizer_changed"],
        confidence=0.8,
        keywords=r"optim\.\w+\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            if isinstance(call.func, ast.Call):  # `resolve_optimizer("adam")(params, lr=lr)`
                resolver = ctx.flows[fn.side].resolve(call.func, site.fn)
                name = factory_choice(call.func, site.fn, site.bindings, resolver) or name
            tail = last_name(name)
            if OPTIMIZERS.match(tail) and ("optim" in name or name == tail):
                kws = tuple(sorted(f"{k.arg}={canon(k.value, site)}" for k in call.keywords if k.arg))
                out.append(Feature((tail, kws), site, unparse(call, 100)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:  # noqa: ANN001
        b = only_base[0].text if only_base else "-"
        c = only_cand[0].text if only_cand else "-"
        return [feature_hit(f"Optimizer changed: `{b}` -> `{c}`", pair, only_base, only_cand)]
