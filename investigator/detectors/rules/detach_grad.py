"""`.detach()` / `torch.no_grad()` added to or removed from a loss path."""

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
from investigator.detectors.patterns import (
    assigned_names,
    assigns,
    calls,
    computes_loss,
    inlined_call_assigns,
    target_roles,
)
from investigator.detectors.pyast import FunctionInfo, call_name, last_name
from investigator.models import Severity

TRACKED = {"loss", "new_values", "logprob", "entropy", "ratio", "kl", "advantages", "returns", "values", "next_values"}
DETACHING = {"detach", "detach_", "stop_gradient", "numpy", "item"}


def _detaches(expr: ast.AST) -> bool:
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Call) and last_name(call_name(sub)) in DETACHING:
            return True
        if isinstance(sub, ast.Attribute) and sub.attr == "data":
            return True
    return False


@register
class DetachGradDetector(FeatureDetector):
    meta = DetectorMeta(
        id="detach_grad",
        title="Gradient cut on a loss path",
        subsystem="ppo",
        severity=Severity.critical,
        rationale=(
            "A `.detach()` or `torch.no_grad()` added on a tensor the loss is computed from stops "
            "gradients (that part of the network no longer learns); removing one lets gradients flow "
            "into targets that must be constants (moving-target critic, biased advantages)."
        ),
        fix="Restore the baseline gradient boundaries: detach only targets (returns, advantages, old log-probs).",
        hypotheses=["ppo.loss_gradient_blocked"],
        confidence=0.75,
        keywords=r"\.detach\(\)|no_grad",
    )

    def applicable(self, pair: FunctionPair, ctx: DetectorContext) -> bool:
        return computes_loss(ctx.sites(pair.base)) or computes_loss(ctx.sites(pair.cand))

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        inlined = inlined_call_assigns(sites)
        for site, node, value in assigns(sites):
            if id(node) in inlined:
                continue
            roles = set(target_roles(node)) & TRACKED
            if not roles:
                continue
            how = "no_grad" if site.no_grad else "detach" if _detaches(value) else None
            if how:
                names = ", ".join(assigned_names(node))
                for r in sorted(roles):
                    out.append(Feature((r, how == "no_grad" or how == "detach"), site, f"{names} ({how})"))
        for site, _call, name in calls(sites):
            if last_name(name) == "backward" and site.no_grad:
                out.append(Feature(("backward", True), site, "backward() inside no_grad"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:  # noqa: ANN001
        if only_cand:
            roles = sorted({f.key[0] for f in only_cand})
            return [feature_hit(f"Gradient cut added on {', '.join(roles)}", pair, only_base, only_cand)]
        roles = sorted({f.key[0] for f in only_base})
        return [feature_hit(f"Gradient cut removed from {', '.join(roles)}", pair, only_base, [],
                            severity=Severity.significant, confidence=0.65)]
