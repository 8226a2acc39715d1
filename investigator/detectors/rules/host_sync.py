"""Host-device synchronisations (`.item()`, `.cpu()`, `.numpy()`) added inside hot loops."""

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
from investigator.detectors.patterns import calls
from investigator.models import Severity
from investigator.pyast import last_name, unparse

SYNCS = {"item", "cpu", "numpy", "tolist", "synchronize"}


class HostSyncDetector(FeatureDetector):
    meta = DetectorMeta(
        id="host_sync",
        title="Device syncs in loops",
        subsystem="device",
        severity=Severity.low,
        costs_anywhere=True,  # `print(loss.item())` in the loop stalls it though its value is only printed
        rationale=(
            "Each `.item()`/`.cpu()` inside the rollout or minibatch loop forces a device "
            "synchronisation; many of them lower steps per second without changing learning."
        ),
        fix="Accumulate on the device and transfer once per update (or log less often).",
        hypotheses=["device.device_changed"],
        confidence=0.6,
        restore_patch=False,
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return [
            Feature(("sync", last_name(name), site.loop_depth), site, unparse(call, 60))
            for site, call, name in calls(sites)
            if site.loop_depth >= 1 and last_name(name) in SYNCS and isinstance(call.func, ast.Attribute) and not call.args
        ]

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if len(only_cand) > len(only_base):
            return [feature_hit(f"{len(only_cand) - len(only_base)} more device sync(s) inside loops", pair, [], only_cand)]
        return []
