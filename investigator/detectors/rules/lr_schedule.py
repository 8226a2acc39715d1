"""Learning-rate schedule or annealing removed, or no longer stepped."""

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
from investigator.detectors.patterns import calls, scheduler_step
from investigator.models import Severity
from investigator.pyast import dotted, last_name

SCHEDULER_CLASS = re.compile(r"(LR|Scheduler|Annealing\w*|OneCycle\w*|Warmup\w*)$")


def _lr_store(node: ast.AST) -> bool:
    """`optimizer.param_groups[0]["lr"] = x` / `group["lr"] = x` / `opt.lr = x`."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
    for t in targets:
        if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and t.slice.value in ("lr", "learning_rate"):
            return True
        if isinstance(t, ast.Attribute) and t.attr in ("lr", "learning_rate") and "optim" in dotted(t.value).lower():
            return True
    return False


class LrScheduleDetector(FeatureDetector):
    meta = DetectorMeta(
        id="lr_schedule",
        title="Learning-rate schedule",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "An annealed learning rate that becomes constant (schedule removed or never stepped) "
            "keeps updates large late in training; PPO returns often plateau or decay."
        ),
        fix="Restore the schedule and its per-update call (the learning-rate assignment or scheduler.step()).",
        hypotheses=["trainer.lr_schedule_changed"],
        confidence=0.85,
        keywords=r"lr_scheduler|scheduler\.step|\[.lr.\]\s*=",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site in sites:
            if _lr_store(site.node):
                out.append(Feature(("lr_assign", site.loop_depth > 0), site, ast.unparse(site.node)[:80]))
        for site, call, name in calls(sites):
            tail = last_name(name)
            if scheduler_step(call):
                out.append(Feature(("sched_step", site.loop_depth > 0), site, f"{name}()"))
            elif SCHEDULER_CLASS.search(tail) and ("lr_scheduler" in name or tail[:1].isupper()):
                out.append(Feature(("sched_ctor", tail), site, f"{name}(...)"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        applied = {"lr_assign", "sched_step"}
        if any(f.key[0] in applied for f in only_base) and not any(f.key[0] in applied for f in cand):
            return [feature_hit("Learning-rate schedule no longer applied (constant learning rate)", pair,
                                only_base, only_cand, confidence=0.85)]
        if only_cand and not only_base:
            return [feature_hit("Learning-rate schedule added", pair, [], only_cand,
                                severity=Severity.significant, confidence=0.55)]
        if any(f.key[0] in applied for f in base) and any(f.key[0] in applied for f in cand):
            # applied on both sides, differently implemented (manual annealing <-> torch scheduler)
            return [feature_hit("Learning-rate schedule implementation changed (still applied)", pair, only_base,
                                only_cand, severity=Severity.low, confidence=0.5,
                                fix="Check the learning-rate trajectory at both commits (lr probe or logged lr).")]
        return [feature_hit("Learning-rate schedule changed", pair, only_base, only_cand, confidence=0.7)]
