"""An environment reset path that now constructs a new environment."""

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
from investigator.detectors.patterns import calls
from investigator.models import Severity
from investigator.pyast import last_name, unparse

CONSTRUCTOR = re.compile(r"^(make|make_env|make_envs|create_env|build_env|_make_env|_create_env|_build_env|\w+Env)$")


class EnvRecreateDetector(FeatureDetector):
    meta = DetectorMeta(
        id="env_recreate",
        title="Environment recreated on reset",
        subsystem="env",
        severity=Severity.significant,
        rationale=(
            "Rebuilding the environment inside reset() throws away its state (RNG stream, curriculum "
            "progress, episode statistics, caches) every episode and costs construction time."
        ),
        fix="Construct the environment once (in __init__) and reset it in place, as at the baseline.",
        refutes_when_verified=True,
        hypotheses=["env.env_recreated_on_reset"],
        confidence=0.8,
        keywords=r"def reset",
    )

    def applicable(self, pair: FunctionPair, ctx: DetectorContext) -> bool:
        return any(fn is not None and "reset" in fn.name.lower() for fn in (pair.base, pair.cand))

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return [
            Feature(("construct", last_name(name)), site, unparse(call, 80))
            for site, call, name in calls(sites)
            if CONSTRUCTOR.match(last_name(name)) and "Wrapper" not in name
        ]

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_cand:
            return [feature_hit("Environment is now recreated on every reset", pair, only_base, only_cand)]
        return [feature_hit("Reset no longer recreates the environment", pair, only_base, [], severity=Severity.low,
                            confidence=0.5)]
