"""Value-loss clipping and the value-loss coefficient."""

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
from investigator.detectors.patterns import (
    assigned_sign,
    assigns,
    calls,
    coefficient_text,
    expand_aliases,
    factors,
    inlined_call_assigns,
    signed_terms,
    target_roles,
    weighted_aliases,
)
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import dotted, last_name, unparse

CLAMPS = {"clamp", "clip", "clamp_"}
VALUE_LOSS_NAME = ("v_loss", "value_loss", "vf_loss", "critic_loss", "vloss")


def _is_value_clip(call: ast.Call, name: str) -> bool:
    if last_name(name) not in CLAMPS or not call.args:
        return False
    arg = call.args[0]
    if not (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Sub)):
        return False
    roles = {role(last_name(dotted(x))) for x in (arg.left, arg.right) if dotted(x)}
    return "new_values" in roles and bool(roles & {"values", "returns"})


def _mentions_value_loss(expr: ast.AST) -> bool:
    return any(
        isinstance(s, ast.Name | ast.Attribute) and any(v in (s.id if isinstance(s, ast.Name) else s.attr).lower() for v in VALUE_LOSS_NAME)
        for s in ast.walk(expr)
    )


class ValueClipDetector(FeatureDetector):
    meta = DetectorMeta(
        id="value_clip",
        title="Value-loss clipping and coefficient",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "PPO implementations clip the value prediction around the rollout value and weight the "
            "value loss (vf_coef, often with a 0.5 factor). Removing the clip or changing the weight "
            "changes how fast the critic moves relative to the policy."
        ),
        fix="Restore the baseline value clipping (`torch.clamp(newvalue - values, -clip, clip)` + max) and weight.",
        hypotheses=["ppo.value_loss_changed"],
        confidence=0.8,
        keywords=r"v_loss|value_loss|vf_coef",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            if _is_value_clip(call, name):
                out.append(Feature(("value_clip",), site, unparse(call, 80)))
        aliases = weighted_aliases(sites)
        inlined = inlined_call_assigns(sites)  # `c_loss = critic_loss(...)`: its inlined body is the loss
        for site, node, value in assigns(sites):
            if "loss" not in target_roles(node) or id(node) in inlined:
                continue
            for sign, term in signed_terms(expand_aliases(value, aliases), assigned_sign(node)):
                parts = factors(term)
                carrier = [p for p in parts if _mentions_value_loss(p)]
                if carrier:
                    coef = coefficient_text([p for p in parts if p not in carrier])
                    out.append(Feature(("value_weight", sign, coef), site, f"{coef} * value_loss"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        # A weight is a property of the loss, not a count of statements: the baseline's critic loss
        # written in two branches (`if a: c = critic(...) else: if b: c = 0 else: c = critic(...)`) and
        # the candidate's in one carry the same weight. Which case runs it is a branch change, reported
        # on the loss path by the behavioural-change analysis (real shape: rl_games' critic-loss cases).
        weights_b = {f.key for f in base if f.key[0] == "value_weight"}
        weights_c = {f.key for f in cand if f.key[0] == "value_weight"}
        only_base = [f for f in only_base if f.key[0] != "value_weight" or f.key not in weights_c]
        only_cand = [f for f in only_cand if f.key[0] != "value_weight" or f.key not in weights_b]
        if not only_base and not only_cand:
            return []
        clip_b = [f for f in only_base if f.key[0] == "value_clip"]
        clip_c = [f for f in only_cand if f.key[0] == "value_clip"]
        if clip_b:
            return [feature_hit("Value-loss clipping removed", pair, clip_b, [])]
        if clip_c:
            return [feature_hit("Value-loss clipping added", pair, [], clip_c, confidence=0.6)]
        return [feature_hit("Value-loss weight changed", pair, only_base, only_cand)]
