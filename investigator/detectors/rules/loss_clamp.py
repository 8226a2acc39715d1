"""`max(const, loss)` / `clamp(loss, min=c)`: zero gradient whenever the term is below the bound."""

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
from investigator.detectors.patterns import calls, canon, mentions_role, roles_in
from investigator.models import Severity
from investigator.pyast import is_constant_like, kwarg, last_name, receiver

LOSSY = {"loss", "kl", "entropy"}
MAX_LIKE = {"max", "maximum", "fmax"}
CLAMP_LIKE = {"clamp", "clamp_min", "clip", "clamp_"}


def clamp_of_loss(call: ast.Call, name: str) -> tuple[ast.AST, ast.AST] | None:
    """(tensor, lower bound) when the call puts a constant floor under a loss-like term."""
    tail = last_name(name)
    if tail in MAX_LIKE and len(call.args) == 2:
        a, b = call.args
        for operand, floor in ((a, b), (b, a)):
            if is_constant_like(floor) and not is_constant_like(operand) and mentions_role(operand, LOSSY):
                return operand, floor
    if tail in CLAMP_LIKE:
        recv = receiver(call)
        if isinstance(call.func, ast.Attribute) and recv and recv.split(".")[0] not in {"torch", "np", "numpy", "jnp", "F"}:
            tensor: ast.expr = call.func.value
            rest = list(call.args)
        elif call.args:
            tensor, rest = call.args[0], list(call.args[1:])
        else:
            return None
        bound = kwarg(call, "min") or (rest[0] if rest else None) or (kwarg(call, "a_min"))
        upper = kwarg(call, "max") or (rest[1] if len(rest) > 1 else None)
        if bound is not None and is_constant_like(bound) and upper is None and mentions_role(tensor, LOSSY):
            return tensor, bound
    return None


class LossClampDetector(FeatureDetector):
    meta = DetectorMeta(
        id="loss_clamp",
        title="Loss term clamped by a constant",
        subsystem="ppo",
        severity=Severity.critical,
        rationale=(
            "`max(c, x)` or `clamp(x, min=c)` on a loss term passes no gradient while the term is below "
            "the bound (the free-bits bug: the KL sits exactly at the threshold and stops learning)."
        ),
        fix="Remove the clamp, or use a straight-through form that keeps the gradient (e.g. `x + (c - x).clamp(min=0).detach()`).",
        hypotheses=["ppo.loss_gradient_blocked"],
        confidence=0.8,
        keywords=r"clamp\(|torch\.max\(|maximum\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            found = clamp_of_loss(call, name)
            if found:
                tensor, bound = found
                r = sorted(roles_in(tensor) & LOSSY)[0]
                out.append(Feature((r, canon(bound, site)), site, canon(call, site)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_cand:
            return [feature_hit(f"{only_cand[0].key[0].capitalize()} term clamped at a constant: gradient is zero below it",
                                pair, only_base, only_cand)]
        return [feature_hit(f"Constant floor removed from a {only_base[0].key[0]} term", pair, only_base, [],
                            severity=Severity.significant, confidence=0.6)]
