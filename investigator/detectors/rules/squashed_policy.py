"""Squashed-Gaussian policies (SAC-style): tanh log-prob correction, action rescaling, entropy target.

A tanh-squashed Gaussian needs three pieces that are easy to lose in an edit and that nothing
checks at run time: the change-of-variables correction `log_prob -= log(1 - tanh(u)^2 + eps)`
(without it the entropy estimate is wrong and the temperature runs away), the rescaling of the
squashed action to the environment bounds (`y * action_scale + action_bias`; without it actions
are clipped to [-1, 1]), and the target entropy `-dim(A)` of automatic temperature tuning (its
sign decides whether the temperature drives entropy up or down).
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
from investigator.models import Severity
from investigator.pyast import call_name, last_name, unparse

LOGPROB = re.compile(r"log_?p(i|rob)?($|_)|logprob|log_pi|log_prob", re.IGNORECASE)
TARGET_ENTROPY = re.compile(r"target_?ent|ent(ropy)?_?target", re.IGNORECASE)
ACTION_BOUNDS = re.compile(r"^(action_(scale|bias|high|low|max|min|range|center)|max_action|act_limit|action_limit|"
                           r"action_bound)s?$", re.IGNORECASE)


def _is_tanh_correction(expr: ast.AST) -> bool:
    """`log(1 - y^2 + eps)`, `log(scale * (1 - y.pow(2)) + eps)` or `2 * (log(2) - u - softplus(-2u))`."""
    names = [last_name(call_name(c)) for c in ast.walk(expr) if isinstance(c, ast.Call)]
    if "softplus" in names:
        return True
    if "log" not in names and "log1p" not in names:
        return False
    squares = any(
        (isinstance(s, ast.BinOp) and isinstance(s.op, ast.Pow) and isinstance(s.right, ast.Constant) and s.right.value == 2)
        or (isinstance(s, ast.Call) and last_name(call_name(s)) in {"pow", "square"})
        or (isinstance(s, ast.Call) and last_name(call_name(s)) == "tanh")
        for s in ast.walk(expr)
    )
    return squares


def _is_correction(expr: ast.AST, named: dict[str, ast.expr]) -> bool:
    """The correction itself, or a name the walk assigned it to (tianshou 1.2's helper names it
    `log_prob_correction` before `return log_prob - log_prob_correction`)."""
    return (isinstance(expr, ast.Name) and expr.id in named) or _is_tanh_correction(expr)


def _correction_scale(expr: ast.AST) -> str | None:
    """The factor the squared term is multiplied by inside the log of a correction (`action_scale` in
    `log(action_scale * (1 - y^2) + eps)`), '' for none, None for the softplus form (which reads no
    factor: it is compared as equivalent to either)."""
    if any(isinstance(c, ast.Call) and last_name(call_name(c)) == "softplus" for c in ast.walk(expr)):
        return None
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if _is_square_term(other) and not isinstance(side, ast.Constant):
                    return unparse(side, 60)
    return ""


def _is_square_term(expr: ast.AST) -> bool:
    """`1 - y^2`, `1 - y.pow(2)`, `1 - tanh(u)^2` (the Jacobian of tanh)."""
    return isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) and any(
        isinstance(s, ast.BinOp) and isinstance(s.op, ast.Pow) or isinstance(s, ast.Call)
        and last_name(call_name(s)) in {"pow", "square"} for s in ast.walk(expr.right))


def squash_features(sites: list[Site]) -> list[Feature]:
    out = []
    spans: set[tuple[str, int]] = set()  # the lines of each correction statement
    named: dict[str, ast.expr] = {}  # `log_prob_correction = torch.log(1 - y.pow(2) + eps).sum(...)`
    for site, node, value in assigns(sites):
        names = assigned_names(node)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if _is_tanh_correction(value) and not signed_terms(value)[1:]:
                named[node.targets[0].id] = value
            else:
                named.pop(node.targets[0].id, None)
        if len(names) == 1 and LOGPROB.search(names[0]):
            found: ast.AST | None = None
            if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub) and _is_correction(value, named):
                found = named.get(value.id, value) if isinstance(value, ast.Name) else value
            elif isinstance(node, ast.Assign):
                found = next((named.get(term.id, term) if isinstance(term, ast.Name) else term
                              for sign, term in signed_terms(value) if sign < 0 and _is_correction(term, named)), None)
            if found is not None:
                out.append(Feature(("tanh_correction", _correction_scale(found)), site, unparse(node, 100)))
                spans.update((site.path, line) for line in range(node.lineno, (node.end_lineno or node.lineno) + 1))
        if len(names) == 1 and TARGET_ENTROPY.search(names[0]) and isinstance(node, ast.Assign | ast.AnnAssign):
            negative = isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub) or (
                isinstance(value, ast.Constant) and isinstance(value.value, int | float) and value.value < 0)
            out.append(Feature(("target_entropy", "negative" if negative else "non-negative"), site, unparse(node, 100)))
    for site in sites:
        expr = site.node
        if (site.path, site.line) in spans:  # the scale inside the log-det correction, on any of its lines
            continue
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult | ast.Add | ast.Sub):
            for side in (expr.left, expr.right):
                tail = side.attr if isinstance(side, ast.Attribute) else side.id if isinstance(side, ast.Name) else ""
                if tail and ACTION_BOUNDS.match(tail) and isinstance(getattr(side, "ctx", None), ast.Load):
                    out.append(Feature(("action_rescale", tail.lower(), type(expr.op).__name__), site, unparse(expr, 100)))
    return out


def _scale_change(base: object, cand: object) -> str:
    """How the factor of the correction's squared term changed ('' when it did not, or when one side is
    the softplus form). A factor shifts every log-probability by `log(factor)`: right when the density
    is of the rescaled action, wrong when it is of the squashed one (tianshou's SAC fix)."""
    if base is None or cand is None or base == cand:
        return ""
    if not base:
        return f"changed: now scaled by `{cand}`"
    if not cand:
        return f"changed: scale `{base}` dropped"
    return f"changed: scale `{base}` -> `{cand}`"


class SquashedPolicyDetector(FeatureDetector):
    meta = DetectorMeta(
        id="squashed_policy",
        title="Squashed-Gaussian policy (tanh correction, action rescaling, target entropy)",
        subsystem="architecture",
        severity=Severity.critical,
        severity_note="action rescaling: significant",
        note="the log-prob correction `- log(1 - tanh(u)^2 + eps)` or its softplus form removed; the sign of the "
        "automatic-temperature target entropy `-dim(A)`; the rescaling of squashed actions to the environment "
        "bounds: `action_scale`, `action_bias`, `max_action`",
        rationale=(
            "A tanh-squashed Gaussian policy (SAC, and PPO variants with bounded actions) needs the "
            "log-probability correction `- log(1 - tanh(u)^2 + eps)`, the rescaling of actions to the "
            "environment bounds, and (with automatic temperature tuning) a target entropy of `-dim(A)`. "
            "Without the correction the entropy estimate is biased and the temperature diverges; without "
            "rescaling the agent can only reach a fraction of the action range; a positive target entropy "
            "pushes the temperature up without bound."
        ),
        fix=(
            "Restore `log_prob -= torch.log(action_scale * (1 - y_t.pow(2)) + 1e-6)`, "
            "`action = y_t * action_scale + action_bias`, and `target_entropy = -prod(action_shape)`."
        ),
        confidence=0.8,
        keywords=r"tanh|action_scale|target_entropy|max_action",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return squash_features(sites)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        hits = []
        b = [f for f in only_base if f.key[0] == "tanh_correction"]
        c = [f for f in only_cand if f.key[0] == "tanh_correction"]
        if b and not c:
            hits.append(feature_hit("Tanh-squashing log-prob correction removed", pair, b, []))
        elif c and not b:
            hits.append(feature_hit("Tanh-squashing log-prob correction added", pair, [], c,
                                    severity=Severity.significant, confidence=0.6))
        elif b and c and (scaled := _scale_change(b[0].key[1], c[0].key[1])):
            hits.append(feature_hit(f"Tanh-squashing log-prob correction {scaled}", pair, b, c,
                                    severity=Severity.significant, confidence=0.7))
        b = [f for f in only_base if f.key[0] == "target_entropy"]
        c = [f for f in only_cand if f.key[0] == "target_entropy"]
        if b and c:
            hits.append(feature_hit(f"Target entropy sign changed: {b[0].key[1]} -> {c[0].key[1]}", pair, b, c))
        b = [f for f in only_base if f.key[0] == "action_rescale"]
        c = [f for f in only_cand if f.key[0] == "action_rescale"]
        if len(b) > len(c):
            hits.append(feature_hit("Action rescaling to the environment bounds removed", pair, b, c,
                                    severity=Severity.significant, confidence=0.7))
        elif len(c) > len(b) and not b:
            hits.append(feature_hit("Action rescaling to the environment bounds added", pair, [], c,
                                    severity=Severity.significant, confidence=0.6))
        return hits
