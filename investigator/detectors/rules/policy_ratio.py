"""PPO probability ratio direction and the clipped-surrogate reduction.

`logratio = newlogprob - oldlogprob` written the other way round inverts the ratio (the policy
is pushed away from advantageous actions), and `torch.max(pg_loss1, pg_loss2)` on the negated
surrogates (or `torch.min(surr1, surr2)` on the positive ones) replaced by the other reduction
turns the pessimistic clipped objective into an optimistic, unclipped one.
"""

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
from investigator.detectors.patterns import assigned_names, assigns, signed_terms
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import call_name, last_name, unparse

NEW = re.compile(r"new|cur|pred|(^|_)pi($|_)|current", re.IGNORECASE)
POLICY_LOSS = re.compile(r"pg|policy|(^|_)pi_|actor|surr|clip_?obj", re.IGNORECASE)


def _logprob_names(expr: ast.AST) -> list[str]:
    names = [n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(expr) if isinstance(n, ast.Name | ast.Attribute)]
    return [n for n in names if role(n) == "logprob"]


def ratio_features(sites: list[Site]) -> list[Feature]:
    out = []
    for site, node, value in assigns(sites):
        names = assigned_names(node)
        if len(names) != 1:
            continue
        target = names[0]
        if role(target) == "ratio" or re.search(r"log_?ratio", target, re.I):
            subs = [s for s in ast.walk(value) if isinstance(s, ast.BinOp) and isinstance(s.op, ast.Sub)]
            for sub in subs[:1]:
                terms = signed_terms(sub)
                signs = []
                for sign, term in terms:
                    lp = _logprob_names(term)
                    if lp:
                        signs.append((sign, "new" if NEW.search(lp[0]) else "old"))
                if len(signs) == 2 and {k for _, k in signs} == {"new", "old"}:
                    new_sign = next(s for s, k in signs if k == "new")
                    out.append(Feature(("ratio_direction", "new/old" if new_sign > 0 else "old/new"), site,
                                       f"{target} = {unparse(value, 80)}"))
        if role(target) == "loss" and POLICY_LOSS.search(target):
            for c in ast.walk(value):
                if isinstance(c, ast.Call) and last_name(call_name(c)) in {"max", "min", "maximum", "minimum"} \
                        and len(c.args) >= 2:
                    red = last_name(call_name(c)).replace("imum", "")
                    out.append(Feature(("surrogate_reduce", red), site, unparse(c, 80)))
    return out


class PolicyRatioDetector(FeatureDetector):
    meta = DetectorMeta(
        id="policy_ratio",
        title="Policy ratio and clipped surrogate",
        subsystem="ppo",
        severity=Severity.critical,
        note="`newlogprob - oldlogprob` vs. the reverse; `max` of the negated surrogates vs. `min`",
        rationale=(
            "The PPO ratio is new / old policy probability; inverted, the gradient pushes probability away "
            "from advantageous actions. The clipped surrogate takes the pessimistic bound (the max of the "
            "negated surrogates, or the min of the surrogates); the other reduction removes the trust region."
        ),
        fix="Restore `logratio = newlogprob - oldlogprob` and the baseline `max`/`min` of the clipped surrogates.",
        confidence=0.8,
        keywords=r"ratio",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return ratio_features(sites)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        hits = []
        for key, title in (("ratio_direction", "Policy ratio inverted"),
                           ("surrogate_reduce", "Clipped-surrogate reduction changed")):
            b = [f for f in only_base if f.key[0] == key]
            c = [f for f in only_cand if f.key[0] == key]
            if b and c:
                hits.append(feature_hit(f"{title}: {b[0].key[1]} -> {c[0].key[1]}", pair, b, c))
        return hits
