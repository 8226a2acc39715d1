"""Advantage normalisation added, removed, or moved (per minibatch vs. per batch)."""

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
from investigator.detectors.patterns import assigns, calls, mentions_role, target_roles
from investigator.models import Severity
from investigator.pyast import call_name, last_name, method_name, unparse

NORMALISE_CALLS = {"normalize", "normalise", "whiten", "standardize", "standardise", "normalize_advantages"}


def _is_standardisation(expr: ast.AST) -> bool:
    tails = {last_name(call_name(s)) for s in ast.walk(expr) if isinstance(s, ast.Call)}
    return "mean" in tails and bool(tails & {"std", "var", "sqrt"})


def _relative_depth(site: Site, sites: list[Site]) -> int:
    backward = [s.loop_depth for s in sites if isinstance(s.node, ast.Call) and method_name(s.node) == "backward"]
    return site.loop_depth - max(backward) if backward else site.loop_depth


class AdvNormDetector(FeatureDetector):
    meta = DetectorMeta(
        id="adv_norm",
        title="Advantage normalisation",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "Normalising advantages (per minibatch in most PPO implementations) fixes the scale of "
            "the policy gradient. Removing it or moving it to the whole batch changes the effective "
            "step size as reward scale changes."
        ),
        fix="Restore the baseline normalisation `(adv - adv.mean()) / (adv.std() + 1e-8)` at the same place.",
        hypotheses=["ppo.advantage_normalisation_changed"],
        confidence=0.8,
        keywords=r"adv\w*\.(mean|std)\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, node, value in assigns(sites):
            if "advantages" in target_roles(node) and _is_standardisation(value) and mentions_role(value, {"advantages"}):
                out.append(Feature(("adv_norm", _relative_depth(site, sites)), site, unparse(node, 90)))
        for site, call, name in calls(sites):
            if last_name(name) in NORMALISE_CALLS and any(mentions_role(a, {"advantages"}) for a in call.args):
                out.append(Feature(("adv_norm", _relative_depth(site, sites)), site, unparse(call, 90)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_base and only_cand:
            where_b = "per minibatch" if only_base[0].key[1] >= 0 else "over the whole batch"
            where_c = "per minibatch" if only_cand[0].key[1] >= 0 else "over the whole batch"
            return [feature_hit(f"Advantage normalisation moved ({where_b} -> {where_c})", pair, only_base, only_cand,
                                confidence=0.7)]
        if only_base:
            return [feature_hit("Advantage normalisation removed", pair, only_base, [])]
        return [feature_hit("Advantage normalisation added", pair, [], only_cand, confidence=0.6)]
