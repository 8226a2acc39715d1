"""GAE / lambda-return index shifts: `values[t + 1]` vs `values[t]`, `dones[t + 1]` vs `dones[t]`."""

from __future__ import annotations

import ast
import re
from collections.abc import Hashable

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
from investigator.detectors.moved import moved_to_native_hit
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import in_log_sink, parent_map
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import dotted, last_name, names_in

ROLES = {"values", "dones", "rewards", "truncations", "advantages", "returns", "next_values"}


def offset(index: ast.AST, loop_vars: set[str]) -> str | None:
    """`t` -> '+0', `t + 1` -> '+1', `t - 1` -> '-1', `i + k` -> '+k'; None when no loop variable."""
    if isinstance(index, ast.Name) and index.id in loop_vars:
        return "+0"
    if isinstance(index, ast.BinOp) and isinstance(index.op, ast.Add | ast.Sub):
        left, right = index.left, index.right
        sign = "+" if isinstance(index.op, ast.Add) else "-"
        if isinstance(left, ast.Name) and left.id in loop_vars:
            if isinstance(right, ast.Constant):
                return sign + str(right.value)
            return f"{sign}{ast.unparse(right)}"
        if sign == "+" and isinstance(right, ast.Name) and right.id in loop_vars and isinstance(left, ast.Constant):
            return "+" + str(left.value)
    return None


KEY_VIEWS = {"keys", "items", "values"}


def key_vars(site: Site) -> set[str]:
    """Loop variables that walk the keys of a collection, not time steps: `for team in self._teams:`,
    `for k in infos.keys():`. Real shape (PufferLib 8283cdcc..f68a41a2): an environment's per-team
    `dones[team]` -> `team in dones` was "Time-indexed access dropped from the return computation"."""
    out: set[str] = set()
    for loop in site.loops:
        if not isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension):
            continue
        it = loop.iter
        keys = isinstance(it, ast.Name | ast.Attribute) or _key_view(it) or _zipped_with_view(it)
        if keys and not (isinstance(it, ast.Name | ast.Attribute) and _counted_name(it)):
            out.update(sub.id for sub in ast.walk(loop.target) if isinstance(sub, ast.Name))
    return out


def _key_view(it: ast.expr) -> bool:
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr in KEY_VIEWS


def _zipped_with_view(it: ast.expr) -> bool:
    """`zip(self._sample_idxs, self._policies.values())`: a walk over a mapping's entries in step with
    another collection, not over time steps. Real shape (PufferLib 73aaa5a8..cb116bca): a policy pool's
    `for samp, policy in zip(...)` indexing `dones[samp]` (each policy's share of the batch) was "Time
    indexing changed in the return computation"."""
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "zip" \
        and any(_key_view(a) for a in it.args)


def _counted_name(it: ast.expr) -> bool:
    """A name that reads like a sequence of steps (`steps`, `timesteps`, `indices`): kept as time."""
    name = last_name(dotted(it)) or ""
    return bool(re.search(r"step|time|idx|indic|index|range|^t$", name, re.IGNORECASE))


DISCOUNT = re.compile(r"gamma|discount|(^|_)gam($|_)", re.IGNORECASE)


def _bootstrap(site: Site) -> bool:
    """Whether a value read is the bootstrap term: multiplied by the discount in its statement, or
    assigned to a next-value name (`nextvalues = values[t + 1]`)."""
    parents = parent_map(site.fn)
    node: ast.AST = site.node
    cur = parents.get(id(node))
    while cur is not None and not isinstance(cur, ast.stmt):
        if isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Mult):
            other = cur.right if _contains(cur.left, node) else cur.left
            if any(DISCOUNT.search(n) for n in names_in(other)):
                return True
        node, cur = cur, parents.get(id(cur))
    if isinstance(cur, ast.Assign) and len(cur.targets) == 1:
        name = last_name(dotted(cur.targets[0])) or ""
        return role(name) == "next_values"
    return False


def _contains(tree: ast.AST, node: ast.AST) -> bool:
    return any(sub is node for sub in ast.walk(tree))


def direction(base: list[Feature], cand: list[Feature]) -> str | None:
    """'toward' when the value bootstrap moves from V(s_t) to V(s_{t+1}) (the textbook form), 'away'
    for the reverse, None otherwise. Read over all value loads of each side: a shifted bootstrap is
    the difference in bootstrap offsets, whichever equal-looking load the multiset diff paired."""

    def boot(features: list[Feature]) -> set[Hashable]:
        return {f.key[1] for f in features if f.key[0] == "values" and f.key[2] == "load" and _bootstrap(f.site)}

    b, c = boot(base), boot(cand)
    if b == {"+0"} and c == {"+1"}:
        return "toward"
    if b == {"+1"} and c == {"+0"}:
        return "away"
    return None


MAPPINGS = frozenset({"dict", "defaultdict", "OrderedDict"})


def _keyed(value: ast.expr, fn: FunctionInfo) -> bool:
    """A plain local the function binds to a mapping (`rets = {}`, `dict()`, `defaultdict(list)`): a
    subscript of it is a key, not a time step (d3rlpy's `get_state_dict`, `rets[key] = obj.state_dict()`
    in a loop over attribute names). A name also bound to anything else is not judged a mapping."""
    if not isinstance(value, ast.Name):
        return False
    bound = [n.value for n in ast.walk(fn.node) if isinstance(n, ast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id == value.id]
    return bool(bound) and all(isinstance(b, ast.Dict | ast.DictComp) or (
        isinstance(b, ast.Call) and last_name(dotted(b.func)) in MAPPINGS) for b in bound)


def _window(f: Feature) -> bool:
    """An offset that is itself a loop variable (`rewards[idx + i] for i in range(n_steps)`): the access
    reads a window of steps, not one step moved by a constant. Such a window dropped or resized is not an
    off-by-one bootstrap. Real shape (mushroom-rl's replay memory): the n-step window
    `[self._rewards[idx + i] for i in range(n_steps)]` -> `self._rewards[i]` (one-step sampling) was a
    critical "Index shift in rewards: `_rewards[t + i]` -> `_rewards[t]`"."""
    name = str(f.key[1])[1:]
    return name.isidentifier() and (name in f.site.loop_vars or name in _comprehension_vars(f.site))


def _comprehension_vars(site: Site) -> set[str]:
    """Names bound by the comprehensions around a site (its walk lists a comprehension's element
    outside the comprehension's own loop)."""
    parents = parent_map(site.fn)
    out: set[str] = set()
    cur = parents.get(id(site.node))
    while cur is not None and not isinstance(cur, ast.stmt):
        if isinstance(cur, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            out.update(n.id for g in cur.generators for n in ast.walk(g.target) if isinstance(n, ast.Name))
        cur = parents.get(id(cur))
    return out


def _fmt(name: str, off: str) -> str:
    return f"{name}[t]" if off == "+0" else f"{name}[t {off[0]} {off[1:]}]"


class GaeIndexDetector(FeatureDetector):
    meta = DetectorMeta(
        id="gae_index",
        title="GAE / lambda-return indexing",
        subsystem="ppo",
        severity=Severity.critical,
        severity_note="a bootstrap moved toward V(s_{t+1}): low, likely a fix",
        rationale=(
            "The TD error must bootstrap from V(s_{t+1}) and mask with the done flag of the step that "
            "ended the episode. Shifting an index by one bootstraps from the wrong state: advantages "
            "become biased and the critic learns a wrong target."
        ),
        fix="Restore the baseline indices (typically `values[t + 1]` and `dones[t + 1]` in the backward loop).",
        hypotheses=["ppo.gae_changed", "buffers.bootstrap_off_by_one"],
        confidence=0.85,
        keywords=r"gae|lambda|advantages?\[",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site in sites:
            node = site.node
            if not isinstance(node, ast.Subscript) or not site.loops:
                continue
            name = last_name(dotted(node.value))
            r = role(name) if name else None
            if r not in ROLES or in_log_sink(site) or _keyed(node.value, site.fn):
                continue
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            steps = site.loop_vars - key_vars(site)
            for part in parts:
                off = offset(part, steps)
                if off is not None:
                    access = "store" if isinstance(node.ctx, ast.Store) else "load"
                    out.append(Feature((r, off, access), site, _fmt(name, off)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        moved = moved_to_native_hit("Return/advantage recursion", pair, ctx, only_base, {"dones", "values", "rewards"})
        if moved is not None:
            if not only_cand:
                return [moved]
            return [moved, feature_hit("Time indexing changed in the return computation", pair, [], only_cand,
                                       confidence=0.5, severity=Severity.low)]
        # a shift: the same quantity, read (or written) the same way, at another time offset
        shifted = {(f.key[0], f.key[2]) for f in only_base} & {(f.key[0], f.key[2]) for f in only_cand}
        shifted = {
            r for r, access in shifted
            if {f.key[1] for f in only_base if f.key[0] == r and f.key[2] == access}
            != {f.key[1] for f in only_cand if f.key[0] == r and f.key[2] == access}
            and not any(_window(f) for f in (*only_base, *only_cand) if f.key[0] == r and f.key[2] == access)
        }
        if shifted:
            r = sorted(shifted)[0]
            b = [f for f in only_base if f.key[0] == r]
            c = [f for f in only_cand if f.key[0] == r]
            way = direction(base, cand) if r == "values" else None
            if way == "toward":
                return [feature_hit(
                    f"Index shift in {r} toward the textbook bootstrap V(s_t+1): `{b[0].text}` -> `{c[0].text}` "
                    "(likely a fix)", pair, b, c, severity=Severity.low, confidence=0.6,
                    fix="Likely a fix: the TD error now bootstraps from the next state's value. Check the "
                        "done mask uses the flag of the step that ended the episode.",
                )]
            if way == "away":
                return [feature_hit(
                    f"Index shift in {r} away from the textbook bootstrap V(s_t+1): `{b[0].text}` -> `{c[0].text}`",
                    pair, b, c, confidence=0.9,
                )]
            return [feature_hit(f"Index shift in {r}: `{b[0].text}` -> `{c[0].text}`", pair, b, c)]
        if only_base and not only_cand:
            return [feature_hit("Time-indexed access dropped from the return computation", pair, only_base, [],
                                confidence=0.6, severity=Severity.significant)]
        return [feature_hit("Time indexing changed in the return computation", pair, only_base, only_cand,
                            confidence=0.6, severity=Severity.significant)]
