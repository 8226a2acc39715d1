"""Gradient clipping removed, added, or its max norm / parameter set changed."""

from __future__ import annotations

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
from investigator.pyast import kwarg, last_name, unparse

CLIP = {"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "clip_grad_value"}


class GradClipDetector(FeatureDetector):
    meta = DetectorMeta(
        id="grad_clip",
        title="Gradient clipping",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "Gradient clipping bounds the size of each update. Without it (or with a much larger "
            "norm) rare large gradients destabilise PPO; a much smaller norm slows learning."
        ),
        fix="Restore the baseline clipping call and max norm before optimizer.step().",
        hypotheses=["trainer.grad_clip_changed"],
        confidence=0.85,
        keywords=r"clip_grad_",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if tail not in CLIP:
                continue
            limit = call.args[1] if len(call.args) > 1 else kwarg(call, "max_norm") or kwarg(call, "clip_value")
            params = call.args[0] if call.args else kwarg(call, "parameters")
            key = (tail, canon(limit, site), canon(params, site))
            out.append(Feature(key, site, unparse(call, 100)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if not cand:
            return [feature_hit("Gradient clipping removed", pair, only_base, [], confidence=0.85)]
        if not base:
            return [feature_hit("Gradient clipping added", pair, [], only_cand, confidence=0.6)]
        if {f.key for f in only_base} <= {f.key for f in cand} and {f.key for f in only_cand} <= {f.key for f in base}:
            # only copies differ: the same clip written into both arms of a new `if multi_gpu: ... else:`
            # (rl_games), or once more in sequence; every run still clips these parameters to this norm
            return []
        b, c = (only_base or base)[0], (only_cand or cand)[0]
        what = "max norm" if b.key[1] != c.key[1] else "clipped parameters" if b.key[2] != c.key[2] else "call"
        return [feature_hit(f"Gradient clipping {what} changed", pair, only_base, only_cand, confidence=0.85)]
