"""Synchronous vs. asynchronous / serial vs. multiprocess vector-environment backend."""

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

BACKENDS = re.compile(r"^(SyncVectorEnv|AsyncVectorEnv|SubprocVecEnv|DummyVecEnv|ShmemVecEnv|\w*Serial\w*Env|\w*Multiprocess\w*Env|RayVecEnv)$")
MODE_KWARGS = {"vectorization_mode", "asynchronous", "backend", "vec_env_cls", "multiprocessing", "start_method"}
# `backend=` is also the array library of a tensor utility (`sample_space(space, backend="native")`):
# it names a vector-env backend only on a call that builds environments or workers
ENV_BUILDER = re.compile(r"vec|env|make|pool|worker|launch", re.IGNORECASE)


class VecenvBackendDetector(FeatureDetector):
    meta = DetectorMeta(
        id="vecenv_backend",
        title="Vector-environment backend",
        subsystem="vecenv",
        severity=Severity.significant,
        rationale=(
            "Switching between synchronous/serial and asynchronous/multiprocess stepping changes "
            "throughput and, for some backends, auto-reset and observation timing."
        ),
        fix="Restore the baseline vector-environment class / mode.",
        hypotheses=["vecenv.stepping_mode_changed"],
        confidence=0.8,
        keywords=r"VectorEnv|VecEnv",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if BACKENDS.match(tail):
                out.append(Feature(("backend", tail), site, tail))
            for k in call.keywords:
                if k.arg in MODE_KWARGS and (k.arg != "backend" or ENV_BUILDER.search(name)):
                    out.append(Feature(("mode", k.arg, unparse(k.value, 40)), site, f"{k.arg}={unparse(k.value, 40)}"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        # compared by which backends and modes are chosen, not by how many calls choose them: a third
        # `sample_space(space, backend="native")` beside two kept ones chooses nothing new (skrl 2.0)
        keys_b, keys_c = {f.key for f in base}, {f.key for f in cand}
        only_base = [f for f in only_base if f.key not in keys_c]
        only_cand = [f for f in only_cand if f.key not in keys_b]
        if not only_base and not only_cand:
            return []
        b = only_base[0].text if only_base else "-"
        c = only_cand[0].text if only_cand else "-"
        return [feature_hit(f"Vector-env backend changed: {b} -> {c}", pair, only_base, only_cand)]
