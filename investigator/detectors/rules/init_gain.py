"""Weight initialisation scheme and gains (orthogonal sqrt(2) / 0.01 / 1.0 convention)."""

from __future__ import annotations

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
from investigator.pyast import last_name, unparse

INIT = re.compile(r"^(layer_init|init_layer|init_weights|orthogonal_|xavier_uniform_|xavier_normal_|kaiming_uniform_|"
                  r"kaiming_normal_|normal_|uniform_|constant_|zeros_|ones_|trunc_normal_|orthogonal_init)$")


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
            if not INIT.match(tail):
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
