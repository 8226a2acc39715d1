"""Entropy bonus: sign flipped, coefficient changed, or the term dropped from the loss."""

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
    coefficient_text,
    expand_aliases,
    factors,
    mentions_role,
    signed_terms,
    target_roles,
    weighted_aliases,
)
from investigator.models import Severity


def _collected(part: ast.AST) -> bool:
    """Entropy passed inside a list/tuple to a helper (`apply_masks([a_loss, c_loss, entropy], m)`):
    the values are transformed one by one, not summed into the loss with a sign and a weight."""
    return any(
        isinstance(sub, ast.List | ast.Tuple) and any(mentions_role(e, {"entropy"}) for e in sub.elts)
        for sub in ast.walk(part)
    )


def entropy_terms(sites: list[Site]) -> list[Feature]:
    out = []
    aliases = weighted_aliases(sites)
    for site, node, value in assigns(sites):
        if "loss" not in target_roles(node):
            continue
        for sign, term in signed_terms(expand_aliases(value, aliases), assigned_sign(node)):
            parts = factors(term)
            carrier = [p for p in parts if mentions_role(p, {"entropy"})]
            if not carrier or any(_collected(p) for p in carrier):
                continue
            # `entropy_loss` is an entropy term too; `pg_loss - ent_coef * entropy_loss`
            coef = coefficient_text([p for p in parts if p not in carrier])
            out.append(Feature(("entropy", sign, coef), site, f"{'+' if sign > 0 else '-'} {coef} * entropy"))
    return out


class EntropyTermDetector(FeatureDetector):
    set_semantics = True  # which signed, weighted entropy terms exist (a loss line overwritten later repeats them)
    meta = DetectorMeta(
        id="entropy_term",
        title="Entropy term of the loss",
        subsystem="ppo",
        severity=Severity.significant,
        rationale=(
            "The entropy bonus (subtracted from the loss) keeps the policy exploring. A flipped sign "
            "minimises entropy and collapses exploration; a changed or zeroed coefficient changes the "
            "exploration pressure."
        ),
        fix="Restore `loss = pg_loss - ent_coef * entropy + vf_coef * v_loss` with the baseline coefficient.",
        hypotheses=["ppo.entropy_changed"],
        confidence=0.8,
        keywords=r"entropy",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return entropy_terms(sites)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_base and only_cand:
            b, c = only_base[0], only_cand[0]
            if b.key[1] != c.key[1]:
                return [feature_hit("Entropy term sign flipped", pair, [b], [c], severity=Severity.critical,
                                    confidence=0.9)]
            return [feature_hit(f"Entropy coefficient changed: {b.key[2]} -> {c.key[2]}", pair, [b], [c])]
        if only_base:
            return [feature_hit("Entropy term removed from the loss", pair, only_base, [])]
        return [feature_hit("Entropy term added to the loss", pair, [], only_cand, confidence=0.6)]
