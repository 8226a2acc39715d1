"""Which signals make up the done flag (terminated / truncated / timeouts)."""

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
from investigator.detectors.patterns import assigned_names, assigns, roles_in
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import unparse


class DoneSignalDetector(FeatureDetector):
    set_semantics = True  # the composition matters, not how many places build the flag
    meta = DetectorMeta(
        id="done_signal",
        title="Done flag composition",
        subsystem="vecenv",
        severity=Severity.significant,
        rationale=(
            "The done flag used for masking and episode bookkeeping must combine termination and "
            "truncation as the baseline did; dropping one treats time-limit ends as continuing "
            "episodes (or the reverse), changing every bootstrapped target near an episode end."
        ),
        fix="Build the done flag from the same signals as the baseline (e.g. `np.logical_or(terminations, truncations)`).",
        hypotheses=["vecenv.done_handling_changed"],
        confidence=0.75,
        keywords=r"terminat|truncat",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, node, value in assigns(sites):
            names = assigned_names(node)
            if len(names) != 1 or role(names[0]) != "dones":
                continue
            sources = roles_in(value) & {"dones", "truncations"}
            if not sources:
                continue
            out.append(Feature(("done_from", tuple(sorted(sources))), site, f"{names[0]} = {unparse(value, 80)}"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        lost = {s for f in only_base for s in f.key[1]} - {s for f in cand for s in f.key[1]}
        title = f"Done flag no longer includes {', '.join(sorted(lost))}" if lost else "Done flag built from different signals"
        return [feature_hit(title, pair, only_base, only_cand)]
