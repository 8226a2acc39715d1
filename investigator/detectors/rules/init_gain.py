"""Weight initialisation scheme and gains (orthogonal sqrt(2) / 0.01 / 1.0 convention).

`normal_`, `uniform_` and `trunc_normal_` are also tensor methods that draw random numbers into any
tensor: d3rlpy's CQL draws its random actions with `torch.zeros(shape).uniform_(-1, 1)`. Such a draw is
sampling, not initialisation: a method-form call counts only when its receiver names a parameter
(`layer.weight.data.normal_`, `p.data.uniform_`, `self.bias.uniform_`); the function form
(`nn.init.normal_(w)`, a `layer_init` helper) always counts.
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
from investigator.detectors.patterns import calls, canon
from investigator.models import Severity
from investigator.pyast import dotted, last_name, unparse

INIT = re.compile(r"^(layer_init|init_layer|init_weights|orthogonal_|xavier_uniform_|xavier_normal_|kaiming_uniform_|"
                  r"kaiming_normal_|normal_|uniform_|constant_|zeros_|ones_|trunc_normal_|orthogonal_init)$")
TENSOR_METHODS = {"normal_", "uniform_", "trunc_normal_"}  # also `Tensor` methods: random draws into any tensor
INIT_MODULES = {"init", "nn.init", "torch.nn.init"}
PARAMETER = re.compile(r"(^|_)(weight|weights|bias|biases|param|params|parameter|parameters|data|kernel|embedding|emb|w|b|p)"
                       r"($|_|\d)", re.IGNORECASE)


def initialises_parameter(call: ast.Call) -> bool:
    """A tensor-method draw (`x.uniform_(-1, 1)`) initialises only when `x` names a parameter; any
    other init call (`nn.init.normal_(w)`, `layer_init(layer)`) does."""
    tail = last_name(dotted(call.func) or "")
    if tail not in TENSOR_METHODS or not hasattr(call.func, "value"):
        return True
    receiver = dotted(call.func.value)
    if receiver is None:
        return False  # `torch.empty(n).uniform_(...)`: a fresh tensor
    if receiver in INIT_MODULES or receiver.endswith(".init"):
        return True
    return any(PARAMETER.search(part) for part in receiver.split(".")[1:] or receiver.split("."))


class InitGainDetector(FeatureDetector):
    meta = DetectorMeta(
        id="init_gain",
        title="Weight initialisation",
        subsystem="init",
        severity=Severity.significant,
        rationale=(
            "PPO is sensitive to initialisation: orthogonal init with gain sqrt(2) for hidden layers, "
            "0.01 for the policy head (near-uniform initial policy) and 1.0 for the value head. "
            "Changing a gain or scheme changes the initial policy entropy and value scale."
        ),
        fix="Restore the baseline initialisation call and gain/std.",
        hypotheses=["init.init_scheme_changed", "init.head_gain_changed"],
        confidence=0.8,
        keywords=r"layer_init|orthogonal_|xavier|kaiming",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if not INIT.match(tail) or not initialises_parameter(call):
                continue
            args = [canon(a, site) for a in call.args[1:]]
            kws = [f"{k.arg}={canon(k.value, site)}" for k in call.keywords if k.arg]
            text = f"{tail}(..., {', '.join(args + kws)})" if args or kws else f"{tail}(...)"
            out.append(Feature(("init", tail, tuple(args), tuple(sorted(kws))), site, unparse(call, 100) if site.depth == 0 else text))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_base and only_cand:
            return [feature_hit(f"Initialisation changed: `{only_base[0].text}` -> `{only_cand[0].text}`", pair,
                                only_base, only_cand)]
        if only_base:
            return [feature_hit("Initialisation call removed", pair, only_base, [])]
        return [feature_hit("Initialisation call added", pair, [], only_cand, confidence=0.6)]
