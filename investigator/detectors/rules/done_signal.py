"""Which signals make up the done flag (terminated / truncated / timeouts)."""

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
from investigator.detectors.patterns import assigned_names, assigns, roles_in
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import dotted, unparse


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
            if not sources or _recast(names[0], value):
                continue
            out.append(Feature(("done_from", tuple(sorted(sources))), site, f"{names[0]} = {unparse(value, 80)}"))
        for site, name, value in _appended(sites):
            sources = roles_in(value) & {"dones", "truncations"}
            if sources and not _recast(name, value):
                out.append(Feature(("done_from", tuple(sorted(sources))), site, f"{name}.append({unparse(value, 80)})"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        lost = {s for f in only_base for s in f.key[1]} - {s for f in cand for s in f.key[1]}
        combined = {s for f in only_base for s in f.key[1]}
        receiver = _handed_on(pair, combined) if lost and not only_cand and len(combined) > 1 else None
        if receiver is not None:
            return [feature_hit(f"Done flag composition handed to `{receiver}`: {', '.join(sorted(combined))} "
                                "passed separately", pair, only_base, only_cand, severity=Severity.low, confidence=0.4)]
        title = f"Done flag no longer includes {', '.join(sorted(lost))}" if lost else "Done flag built from different signals"
        return [feature_hit(title, pair, only_base, only_cand)]


def _appended(sites: list[Site]) -> list[tuple[Site, str, ast.expr]]:
    """`masks_batch.append(self.masks[:-1, ind])`: a done-like list filled element by element is built
    from the signals it appends, as `masks_batch = self.masks[:-1, ids]` is from the one it indexes.
    Real shape (HARL 34a8c1a6..c29ba492): minibatch generators that appended per-env slices of
    `self.masks` and stacked them became `masks_batch = _flatten(T, N, self.masks[:-1, ids])`, read as
    "Done flag built from different signals" because the appends were no composition at all."""
    out = []
    for site in sites:
        node = site.node
        call = node.value if isinstance(node, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "append"
                and len(call.args) == 1 and not call.keywords):
            continue
        name = dotted(call.func.value).rsplit(".", 1)[-1] if dotted(call.func.value) else ""
        if name and role(name) == "dones":
            out.append((site, name, call.args[0]))
    return out


def _recast(name: str, value: ast.expr) -> bool:
    """`mask = mask.int()`: the flag re-read from itself alone (a cast, a reshape), which builds it from
    no signal. Real shape (PufferLib 73aaa5a8..cb116bca): a new policy's entity mask
    `mask = (ids == my_id) & (ids != 0)` then `mask = mask.int()` read as "Done flag built from
    different signals". `dones = dones | truncations` still names another signal."""
    named = {sub.id if isinstance(sub, ast.Name) else sub.attr for sub in ast.walk(value)
             if isinstance(sub, ast.Name | ast.Attribute) and role(sub.id if isinstance(sub, ast.Name) else sub.attr)
             in ("dones", "truncations")}
    return named == {name}


def _handed_on(pair: FunctionPair, signals: set[str]) -> str | None:
    """The callee the candidate passes every one of `signals` to as a separate argument (each a plain
    name or attribute of that role), or None. Real shape: d3rlpy 2.0's `get_d4rl` no longer builds
    `episode_terminals = np.logical_or(terminals, timeouts)`; it passes `terminals=terminals,
    timeouts=timeouts` to `MDPDataset`, which ends episodes on either: "Done flag no longer includes
    dones, truncations" (significant). Whether the callee still combines them is its own code."""
    if pair.cand is None:
        return None
    for node in ast.walk(pair.cand.node):
        if not isinstance(node, ast.Call):
            continue
        args = [*node.args, *(k.value for k in node.keywords)]
        passed = {role(dotted(a).rsplit(".", 1)[-1]) for a in args if isinstance(a, ast.Name | ast.Attribute) and dotted(a)}
        if signals <= passed:
            return unparse(node.func, 60)
    return None
