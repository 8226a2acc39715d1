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


def _field(expr: ast.AST, defs: dict[str, ast.expr] | None = None) -> str:
    if isinstance(expr, ast.Name) and defs and expr.id in defs and role(expr.id) == "dones" \
            and "truncations" in {role(n.id) for n in ast.walk(defs[expr.id]) if isinstance(n, ast.Name)}:
        expr = defs[expr.id]  # `done = terminated or truncated` stored as `done`: what the flag is made of
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


def _local_definitions(sites: list[Site]) -> dict[str, ast.expr]:
    """Names the analysed function assigns exactly once (`done = terminated or truncated`), with the value."""
    seen: dict[str, list[ast.expr]] = {}
    for site in sites:
        node = site.node
        if site.depth == 0 and isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            seen.setdefault(node.targets[0].id, []).append(node.value)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def _listed(sites: list[Site]) -> dict[str, tuple[Site, list[ast.expr]]]:
    """The elements a function puts into a list it then stores unpacked: `self.transition += [reward,
    next_state, done]` before `self.memory.store(*self.transition)` (the list's earlier part, built in another
    method, is not seen: the fields compared are the ones this function adds)."""
    out: dict[str, tuple[Site, list[ast.expr]]] = {}
    for site in sites:
        node = site.node
        if site.depth == 0 and isinstance(node, ast.Assign | ast.AugAssign) and isinstance(node.value, ast.List):
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else \
                node.target if isinstance(node, ast.AugAssign) else None
            if target is not None:
                out[unparse(target)] = (site, list(node.value.elts))
    return out


def stores(sites: list[Site]) -> list[Feature]:
    """Each buffer store's fields by role. Real shape (rainbow-is-all-you-need `DQNAgent.step`, held-out 4
    `riayn-dqn-truncation-bootstrap`, used since the thirteenth session): `self.transition += [reward,
    next_state, terminated]` -> `[..., done]` with `done = terminated or truncated`, then
    `self.memory.store(*self.transition)`: the stored done flag now includes truncations, read nowhere (the
    list is unpacked into the call, the flag named `done`)."""
    out = []
    defs: dict[str, ast.expr] | None = None
    lists: dict[str, tuple[Site, list[ast.expr]]] | None = None
    for site, call, name in calls(sites):
        if last_name(name) not in STORE or not BUFFER.search(receiver(call)):
            continue
        args: list[ast.expr] = list(call.args)
        if len(args) == 1 and isinstance(args[0], ast.Starred) and not call.keywords:
            lists = _listed(sites) if lists is None else lists
            # the fields are where the list is built: that statement is the one a change edits
            site, args = lists.get(unparse(args[0].value), (site, args))
        if len(args) + len(call.keywords) < 3:
            continue
        defs = _local_definitions(sites) if defs is None else defs
        fields = tuple(_field(a, defs) for a in args) + tuple(sorted(f"{k.arg}={_field(k.value)}" for k in call.keywords))
        if not any(f in {"obs", "next_obs", "real_next_obs"} or f.endswith("obs") for f in fields):
            continue
        stored = unparse(call, 120)
        out.append(Feature(("store", fields), site, stored if site.node is call else f"{unparse(site.node, 80)}; {stored}"))
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
        if all("truncations" in x and y == x.replace("+truncations", "") for x, y in diffs):
            # the reverse: the stored flag is the termination alone, the textbook form for bootstrapping
            return [feature_hit("Stored done flag no longer includes truncations: time-limit ends now bootstrap "
                                "(the textbook form, a likely fix)", pair, [b], [c], severity=Severity.low)]
        if all(x == "real_next_obs" and y == "next_obs" for x, y in diffs):
            return [feature_hit("Replay buffer stores the auto-reset observation instead of the final one", pair,
                                [b], [c], severity=Severity.significant)]
        text = ", ".join(f"{x} -> {y}" for x, y in diffs)
        return [feature_hit(f"Transition fields stored in the replay buffer changed: {text}", pair, [b], [c])]
