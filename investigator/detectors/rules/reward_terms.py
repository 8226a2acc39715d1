"""Reward terms removed from / rescaled in a reward dictionary; reward caps introduced in code."""

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
from investigator.detectors.patterns import assigned_names, assigns, calls, canon, mentions_role
from investigator.detectors.pyast import FunctionInfo, is_constant_like, kwarg, last_name, unparse
from investigator.detectors.roles import role
from investigator.models import Severity

CAPS = {"min", "minimum", "clip", "clamp", "fmin"}


def _reward_dicts(site: Site) -> list[ast.Dict]:
    node = site.node
    out: list[ast.Dict] = []
    if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
        if any(role(n) == "rewards" for n in assigned_names(node)):
            out.append(node.value)
    elif isinstance(node, ast.Call):
        for k in node.keywords:
            if k.arg and role(k.arg) == "rewards" and isinstance(k.value, ast.Dict):
                out.append(k.value)
    return out


@register
class RewardTermsDetector(FeatureDetector):
    meta = DetectorMeta(
        id="reward_terms",
        title="Reward terms and caps",
        subsystem="env",
        severity=Severity.critical,
        rationale=(
            "Shaped or intermediate rewards carry most of the learning signal early in training; a "
            "term removed from the reward definition, rescaled, or capped changes the task the agent "
            "optimises."
        ),
        fix="Restore the baseline reward terms, their weights, and remove the new cap.",
        hypotheses=["env.reward_terms_changed"],
        confidence=0.8,
        keywords=r"reward",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site in sites:
            for d in _reward_dicts(site):
                for k, v in zip(d.keys, d.values, strict=False):
                    if isinstance(k, ast.Constant):
                        out.append(Feature(("term", k.value), site, f"{k.value!r}"))
                        out.append(Feature(("weight", k.value, unparse(v, 40)), site, f"{k.value!r}: {unparse(v, 40)}"))
        for site, call, name in calls(sites):
            if last_name(name) not in CAPS:
                continue
            args = list(call.args) + [k.value for k in call.keywords]
            rewardish = [a for a in args if mentions_role(a, {"rewards"})]
            bounds = [a for a in args if is_constant_like(a) and a not in rewardish]
            bounds += [b for b in (kwarg(call, "max"), kwarg(call, "a_max")) if b is not None and b not in bounds]
            if rewardish and bounds:
                out.append(Feature(("cap", last_name(name), canon(bounds[-1], site)), site, unparse(call, 80)))
        for site, node, value in assigns(sites):
            if isinstance(node, ast.AugAssign) and any(role(n) == "rewards" for n in assigned_names(node)):
                out.append(Feature(("shaping", canon(value, site)), site, unparse(node, 80)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:  # noqa: ANN001
        removed = [f for f in only_base if f.key[0] in ("term", "shaping")]
        if removed and not [f for f in only_cand if f.key[0] == removed[0].key[0]]:
            names = ", ".join(f.text for f in removed[:4])
            return [feature_hit(f"Reward term(s) removed: {names}", pair, removed, [])]
        caps = [f for f in only_cand if f.key[0] == "cap"]
        if caps:
            return [feature_hit(f"Reward cap introduced: `{caps[0].text}`", pair, [f for f in only_base if f.key[0] == "cap"],
                                caps, severity=Severity.significant)]
        weights_b = [f for f in only_base if f.key[0] in ("weight", "shaping", "cap")]
        weights_c = [f for f in only_cand if f.key[0] in ("weight", "shaping", "cap")]
        if weights_b or weights_c:
            return [feature_hit("Reward weights changed", pair, weights_b, weights_c, severity=Severity.significant)]
        return [feature_hit("Reward terms added", pair, [], only_cand, severity=Severity.low, confidence=0.5)]
