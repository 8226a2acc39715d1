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
from investigator.pyast import call_name, is_constant_like, kwarg, last_name, parameter_defaults, receiver

LOSSY = {"loss", "kl", "entropy"}
MAX_LIKE = {"max", "maximum", "fmax"}
CLAMP_LIKE = {"clamp", "clamp_min", "clip", "clamp_"}


_CASTS = {"cast", "float", "to_float", "constant", "convert_to_tensor", "tensor", "as_tensor"}


def _uncast(node: ast.AST) -> ast.AST:
    """`tf.cast(free_nats, tf.float32)`, `float(c)`, `tf.constant(c)`: the value cast."""
    while isinstance(node, ast.Call) and last_name(call_name(node)) in _CASTS and node.args:
        node = node.args[0]
    return node


def _bound_like(node: ast.AST, params: frozenset[str]) -> bool:
    """A constant, a config attribute, or a parameter of the function (a hyperparameter handed in:
    `compute_losses(..., free_nats)`), through casts."""
    node = _uncast(node)
    return is_constant_like(node) or (isinstance(node, ast.Name) and node.id in params)


def _zero(node: ast.AST) -> bool:
    node = _uncast(node)
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and node.value == 0


def clamp_of_loss(call: ast.Call, name: str, params: frozenset[str] = frozenset()) -> tuple[ast.AST, ast.AST] | None:
    """(tensor, lower bound) when the call puts a constant floor under a loss-like term.

    `max(0, kl - c)` is `max(c, kl) - c`: the same floor `c` shifted by a constant, the same gradient
    (zero while `kl < c`). Both read as the floor `c` of `kl`, so rewriting one as the other is no change.
    Real shape: planet 27e776cd..c04226b6 (planet/training/utility.py:211) rewrote the free-nats clamp
    `tf.maximum(tf.cast(free_nats, tf.float32), loss)` as `tf.maximum(0.0, loss - float(config.free_nats))`,
    read as "Loss term clamped at a constant" (critical)."""
    tail = last_name(name)
    if tail in MAX_LIKE and len(call.args) == 2:
        a, b = call.args
        for operand, floor in ((a, b), (b, a)):
            if _zero(floor) and isinstance(operand, ast.BinOp) and isinstance(operand.op, ast.Sub) \
                    and _bound_like(operand.right, params) and mentions_role(operand.left, LOSSY):
                return operand.left, _uncast(operand.right)
            if _bound_like(floor, params) and not _bound_like(operand, params) and mentions_role(operand, LOSSY):
                return operand, _uncast(floor)
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
        params: dict[int, frozenset[str]] = {}
        for site, call, name in calls(sites):
            key = id(site.fn)
            if key not in params:
                params[key] = _parameters(site.fn)
            found = clamp_of_loss(call, name, params[key])
            if found:
                tensor, bound = found
                r = sorted(roles_in(tensor) & LOSSY)[0]
                out.append(Feature((r, canon(bound, site)), site, canon(call, site)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        kept = {f.key[0] for f in only_base} & {f.key[0] for f in only_cand}
        if kept:
            # the term had a floor at both commits: the bound changed (a value, a config key), no new clamp
            r = sorted(kept)[0]
            return [feature_hit(f"Constant floor of a {r} term changed", pair,
                                [f for f in only_base if f.key[0] == r], [f for f in only_cand if f.key[0] == r],
                                severity=Severity.significant, confidence=0.6)]
        if only_cand:
            return [feature_hit(f"{only_cand[0].key[0].capitalize()} term clamped at a constant: gradient is zero below it",
                                pair, only_base, only_cand)]
        return [feature_hit(f"Constant floor removed from a {only_base[0].key[0]} term", pair, only_base, [],
                            severity=Severity.significant, confidence=0.6)]


def _parameters(fn: FunctionInfo) -> frozenset[str]:
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return frozenset()
    return frozenset(p.arg for p, _ in parameter_defaults(node) if p.arg not in {"self", "cls"})
