"""What goes into a replay buffer: the fields of a stored transition, by role.

`rb.add(obs, real_next_obs, actions, rewards, terminations, infos)` is easy to break without an
error: storing `obs` twice (the next state is lost), storing `next_obs` where the final
observation of a truncated episode was meant, or storing `terminations | truncations` as the done
flag (time-limit ends stop bootstrapping).
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
from investigator.detectors.patterns import calls
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import last_name, receiver, unparse

BUFFER = re.compile(r"(^|[._])(rb|buffer|replay|memory|storage|rpm|replay_buffer)($|[._\d])|buffer|replay", re.IGNORECASE)
STORE = {"add", "push", "store", "append", "insert", "add_transition", "store_transition", "extend"}
NEXT_OBS = re.compile(r"next_?(obs|observation|state)|(obs|state)_?(next|tp1|prime)|final_?obs", re.IGNORECASE)
REAL_NEXT = re.compile(r"real|final|true", re.IGNORECASE)
OBS = re.compile(r"obs|observation|state", re.IGNORECASE)
ACTION = re.compile(r"action|(^|_)acts?($|_)", re.IGNORECASE)


def _field(expr: ast.AST) -> str:
    names = [n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(expr) if isinstance(n, ast.Name | ast.Attribute)]
    if not names:
        return "const"
    roles = sorted({r for r in (role(n) for n in names) if r in {"dones", "truncations", "rewards"}})
    if roles:
        return "+".join(roles)
    if any(NEXT_OBS.search(n) for n in names):
        return "real_next_obs" if any(REAL_NEXT.search(n) for n in names) else "next_obs"
    if any(ACTION.search(n) for n in names):
        return "actions"
    if any(OBS.search(n) for n in names):
        return "obs"
    return "?"


def stores(sites: list[Site]) -> list[Feature]:
    out = []
    for site, call, name in calls(sites):
        if last_name(name) not in STORE or not BUFFER.search(receiver(call)) or len(call.args) + len(call.keywords) < 3:
            continue
        fields = tuple(_field(a) for a in call.args) + tuple(sorted(f"{k.arg}={_field(k.value)}" for k in call.keywords))
        if not any(f in {"obs", "next_obs", "real_next_obs"} or f.endswith("obs") for f in fields):
            continue
        out.append(Feature(("store", fields), site, unparse(call, 120)))
    return out


class ReplayStoreDetector(FeatureDetector):
    meta = DetectorMeta(
        id="replay_store",
        title="Transition stored in the replay buffer",
        subsystem="buffers",
        severity=Severity.critical,
        severity_note="the auto-reset observation stored instead of the final one, truncations folded into the "
        "done flag: significant",
        note="observation where the next observation belongs, the auto-reset observation instead of the final "
        "one, truncations folded into the stored done flag",
        rationale=(
            "Off-policy learning only sees what the replay buffer stores. The observation stored where the "
            "next observation belongs makes every TD target bootstrap from the current state; storing the "
            "auto-reset observation instead of the final one, or a done flag that includes truncations, "
            "changes the targets at every episode end."
        ),
        fix="Store the same fields as the baseline: `(obs, real_next_obs, actions, rewards, terminations, infos)`.",
        confidence=0.75,
        keywords=r"\.(add|push|store)\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return stores(sites)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if not (only_base and only_cand):
            return []  # a store added or removed: call_removed / comment_out own that
        b, c = only_base[0], only_cand[0]
        fb, fc = b.key[1], c.key[1]
        if len(fb) != len(fc):
            return [feature_hit("Transition fields stored in the replay buffer changed", pair, [b], [c],
                                severity=Severity.significant, confidence=0.6)]
        diffs = [(x, y) for x, y in zip(fb, fc, strict=True) if x != y]
        if all("truncations" in y and "truncations" not in x for x, y in diffs):
            return [feature_hit("Stored done flag now includes truncations: no bootstrapping at time limits", pair,
                                [b], [c], severity=Severity.significant)]
        if all(x == "real_next_obs" and y == "next_obs" for x, y in diffs):
            return [feature_hit("Replay buffer stores the auto-reset observation instead of the final one", pair,
                                [b], [c], severity=Severity.significant)]
        text = ", ".join(f"{x} -> {y}" for x, y in diffs)
        return [feature_hit(f"Transition fields stored in the replay buffer changed: {text}", pair, [b], [c])]
