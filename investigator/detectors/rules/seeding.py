"""Seeding: global seeds, per-environment seeds, determinism flags."""

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
from investigator.detectors.patterns import assigns, calls, canon
from investigator.models import Severity
from investigator.pyast import call_name, dotted, last_name, unparse

SEED_CALLS = {"manual_seed", "manual_seed_all", "seed", "set_seed", "seed_everything", "use_deterministic_algorithms"}
FLAGS = {"deterministic", "benchmark"}


class SeedingDetector(FeatureDetector):
    meta = DetectorMeta(
        id="seeding",
        title="Seeding",
        subsystem="device",
        severity=Severity.low,
        rationale=(
            "Seeds decide reproducibility and, for vectorised environments, diversity: giving every "
            "environment the same seed (a per-environment offset removed) collects correlated "
            "episodes and reduces the effective batch."
        ),
        fix="Restore the baseline seeding (including the per-environment offset, e.g. `seed + idx`).",
        hypotheses=["device.seeding_changed"],
        confidence=0.7,
        keywords=r"seed",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if tail in SEED_CALLS and (call.args or call.keywords):
                args = ", ".join(canon(a, site) for a in call.args)
                out.append(Feature(("call", tail, args), site, unparse(call, 80)))
            for k in call.keywords:
                if k.arg and "seed" in k.arg:
                    out.append(Feature(("kwarg", tail, k.arg, canon(k.value, site)), site,
                                       f"{tail}({k.arg}={canon(k.value, site)})"))
        for site, node, value in assigns(sites):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
            for t in targets:
                if isinstance(t, ast.Attribute) and t.attr in FLAGS and "cudnn" in dotted(t.value):
                    out.append(Feature(("flag", t.attr, canon(value)), site, f"cudnn.{t.attr} = {canon(value)}"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        lost_offset = any("+" in f.key[-1] for f in only_base) and not any("+" in f.key[-1] for f in only_cand)
        if lost_offset and only_cand:
            return [feature_hit("Per-environment seed offset removed: environments share one seed", pair, only_base,
                                only_cand, severity=Severity.significant, confidence=0.75)]
        if only_base and not only_cand and pair.base is not None and per_worker(pair.base.node):
            return [feature_hit("Per-worker re-seeding removed: data-loader workers share one random state", pair,
                                only_base, [], severity=Severity.significant, confidence=0.75)]
        return [feature_hit("Seeding changed", pair, only_base, only_cand)]


_WORKER_FN = re.compile(r"worker_init|init_worker|seed_worker", re.IGNORECASE)


def per_worker(fn: ast.AST) -> bool:
    """A function that runs once per data-loader (or process) worker: it asks `get_worker_info()`, or is a
    `worker_init_fn` (`worker_init_fn`, `seed_worker`). Seeding removed there leaves every worker with the
    random state forked from the parent: identical augmentations / sampled sequences in each worker, a real
    loss of data diversity (a global seed changed is only reproducibility: low). Real shape: pydreamer
    c1c2997 (bug re-applied), pydreamer/preprocessing.py:49
    `WorkerInfoPreprocess.__iter__` dropped `np.random.seed(np.random.RandomState().randint(999999))` under
    `if get_worker_info():`."""
    if _WORKER_FN.search(getattr(fn, "name", "")):
        return True
    return any(isinstance(n, ast.Call) and last_name(call_name(n)) == "get_worker_info" for n in ast.walk(fn))
