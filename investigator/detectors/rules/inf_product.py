"""Infinity multiplied by a value that can be zero (a mask): `q - np.inf * mask` is NaN where the mask is 0."""

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
from investigator.detectors.patterns import canon, in_log_sink
from investigator.models import Severity
from investigator.pyast import dotted, unparse

INF_ATTRS = {"inf", "Inf", "infty", "Infinity", "PINF", "NINF"}
INF_MODULES = {"np", "numpy", "math", "torch", "jnp", "jax.numpy", "tf", "cupy"}


def infinite(node: ast.AST) -> bool:
    """`np.inf`, `math.inf`, `torch.inf`, `float("inf")`, `-np.inf`: an infinity written in the code."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return infinite(node.operand)
    if isinstance(node, ast.Attribute):
        owner = dotted(node.value)
        return node.attr in INF_ATTRS and owner in INF_MODULES
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float" \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value.strip().lower().lstrip("+-") in ("inf", "infinity")
    return False


class InfProductDetector(FeatureDetector):
    meta = DetectorMeta(
        id="inf_product",
        title="Infinity multiplied by a mask",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "`0 * inf` is NaN: masking with `x - inf * mask` (or `inf * mask`) turns every entry whose mask is "
            "0 into NaN, and an argmax, a softmax or a loss over it then picks or learns from garbage. A large "
            "finite stand-in (`torch.finfo(dtype).max`, `1e8`) or `masked_fill(mask, -inf)` keeps the kept "
            "entries finite."
        ),
        fix="Multiply the mask by a large finite value (the baseline's), or use `masked_fill`/`torch.where`.",
        confidence=0.8,
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site in sites:
            node = site.node
            if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Mult) or in_log_sink(site):
                continue
            left, right = infinite(node.left), infinite(node.right)
            if left == right:  # no infinity, or `inf * inf`
                continue
            other = node.right if left else node.left
            if isinstance(other, ast.Constant):  # `2 * np.inf` is infinity, never NaN
                continue
            out.append(Feature(("inf_product", canon(other, site)), site, unparse(node, 80)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        """Reported where the candidate multiplies infinity by a value the baseline did not (Tianshou's
        discrete BCQ: `q_value - INF * mask`, `INF = torch.finfo(torch.float32).max`, -> `np.inf * mask`);
        the reverse is the fix."""
        added = [f for f in only_cand if f.key not in {b.key for b in base}]
        if not added:
            return []
        f = added[0]
        node = f.site.node
        assert isinstance(node, ast.BinOp)
        other = node.left if infinite(node.right) else node.right
        return [feature_hit(f"Infinity multiplied by `{unparse(other, 40)}`: NaN wherever it is 0 (`{f.text}`)",
                            pair, only_base, added)]
