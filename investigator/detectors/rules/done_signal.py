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
from investigator.detectors.patterns import assigned_names, assigns, returned_as_assigns, roles_in
from investigator.detectors.roles import generic_mask, role
from investigator.models import Severity
from investigator.pyast import dotted, method_name, unparse

FOUR_VALUE_DONE = "the `done` of a four-value `step()` (termination or time limit)"


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
        returns = list(returned_as_assigns(sites))
        returned = {id(node) for _, node, _ in returns}
        for site, node, value in [*assigns(sites), *returns]:
            legacy = _four_tuple_done(node, value)
            if legacy is not None:
                out.append(Feature(("done_from", ("dones", "truncations")), site, f"{legacy} = {FOUR_VALUE_DONE}"))
                continue
            names = assigned_names(node)
            if len(names) != 1 or role(names[0]) != "dones":
                continue
            sources = roles_in(value) & {"dones", "truncations"}
            if not sources or _recast(names[0], value) or (id(node) in returned and _masks_only(names[0], value)):
                continue
            out.append(Feature(("done_from", tuple(sorted(sources))), site, f"{names[0]} = {unparse(value, 80)}"))
        for site, name, value in _appended(sites):
            sources = roles_in(value) & {"dones", "truncations"}
            if sources and not _recast(name, value):
                out.append(Feature(("done_from", tuple(sorted(sources))), site, f"{name}.append({unparse(value, 80)})"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if not (base and cand) and all(f.text.endswith(FOUR_VALUE_DONE) for f in (*only_base, *only_cand)):
            return []  # the step's own done is only the baseline of a flag built from signals, not a flag of its own
        lost = {s for f in only_base for s in f.key[1]} - {s for f in cand for s in f.key[1]}
        combined = {s for f in only_base for s in f.key[1]}
        receiver = _handed_on(pair, combined) if lost and not only_cand and len(combined) > 1 else None
        if receiver is not None:
            return [feature_hit(f"Done flag composition handed to `{receiver}`: {', '.join(sorted(combined))} "
                                "passed separately", pair, only_base, only_cand, severity=Severity.low, confidence=0.4)]
        title = f"Done flag no longer includes {', '.join(sorted(lost))}" if lost else "Done flag built from different signals"
        return [feature_hit(title, pair, only_base, only_cand)]


def _masks_only(name: str, value: ast.expr) -> bool:
    """`def get_mask(...): return self.mask[:n, :n]` (read as `get_mask = self.mask[:n, :n]`): a function named
    only for a mask returning values named only masks composes no done flag (the word `mask` says nothing of
    termination or truncation; a local `masks_batch = self.masks[...]` keeps its reading). Real shape:
    PaLM-rlhf-pytorch 2bb47d4 -> 9945933 (palm_rlhf_pytorch/palm.py:253): the causal attention mask
    `self.get_mask(n, device)` moved into an `Attend` module, read as "Done flag no longer includes dones"."""
    if not generic_mask(name):
        return False
    named = [sub.id if isinstance(sub, ast.Name) else sub.attr for sub in ast.walk(value)
             if isinstance(sub, ast.Name | ast.Attribute)]
    return all(generic_mask(n) for n in named if role(n) in {"dones", "truncations"})


def _four_tuple_done(node: ast.stmt, value: ast.expr) -> str | None:
    """The done name of `obs, reward, done, info = env.step(action)`: the four-value step API (gym before
    0.26) ends an episode on termination or on the time limit alike, so its `done` is built from both
    signals. Real shape (cleanrl, the gymnasium migration): `next_obs, reward, done, info = envs.step(a)`
    became `next_obs, reward, terminations, truncations, infos = envs.step(a)` with `next_done =
    np.logical_or(terminations, truncations)`: the same flag, read as "Done flag built from different
    signals" in every script. A candidate that keeps only `terminations` still differs."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple)
            and len(node.targets[0].elts) == 4 and isinstance(value, ast.Call) and method_name(value) == "step"):
        return None
    done = node.targets[0].elts[2]
    return done.id if isinstance(done, ast.Name) and role(done.id) == "dones" else None


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
