"""Reward terms removed from / rescaled in a reward dictionary; reward caps introduced in code."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.configref import PLACEHOLDER
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import assigned_names, assigns, calls, canon, mentions_role, parent_map
from investigator.detectors.roles import role
from investigator.detectors.stored import stored_value
from investigator.models import Severity
from investigator.pyast import (
    call_name,
    copy_tree,
    dotted,
    is_constant_like,
    kwarg,
    last_name,
    receiver,
    unparse,
)

CAPS = {"min", "minimum", "clip", "clamp", "fmin"}
# names of episode statistics: summed for a print/log line, not the reward that is trained on
ACCUMULATOR = re.compile(r"episod|(^|_)ep_|(^|_)eps?_?(rew|ret)|epoch|total|cum|running|sum|score|stat|(^|_)logs?(_|$)|mean|avg|info|metric")
LOGGING_CALL = re.compile(
    r"^(print|pprint|log|info|debug|warning|warn|add_scalars?|add_histogram|set_description|set_postfix|"
    r"write|record|log_dict|log_metrics|format|item|tolist|mean|sum|display)$"
)
LOGGING_RECEIVER = re.compile(r"log|writer|wandb|tensorboard|(^|\.)tb|summary|stats|metric|pbar|tqdm|console|infos?$", re.I)
LIST_BUILDERS = {"list", "tuple", "values", "tolist", "keys", "items"}


def _collects(value: ast.expr) -> bool:
    """`rewards += list(r.values())` / `rewards += [r]`: collecting per-agent rewards into a list."""
    if isinstance(value, ast.List | ast.ListComp | ast.Tuple):
        return True
    return isinstance(value, ast.Call) and last_name(call_name(value)) in LIST_BUILDERS


def _for_logging(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """Whether a read of a value ends in a print/log/stats sink (not in the trained-on reward)."""
    cur = parents.get(id(node))
    while cur is not None and not isinstance(cur, ast.stmt):
        if isinstance(cur, ast.JoinedStr):
            return True
        if isinstance(cur, ast.Call):
            tail = last_name(call_name(cur))
            if LOGGING_CALL.match(tail or "") or LOGGING_RECEIVER.search(receiver(cur)):
                return True
            if tail in ("append", "extend") and ACCUMULATOR.search(last_name(receiver(cur)).lower()):
                return True  # `episode_rewards.append(episode_reward)`: a list of episode statistics
        cur = parents.get(id(cur))
    if isinstance(cur, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = cur.targets if isinstance(cur, ast.Assign) else [cur.target]
        names = [dotted(t.value if isinstance(t, ast.Subscript) else t) for t in targets]
        return bool(names) and all(n and ACCUMULATOR.search(last_name(n).lower()) for n in names)
    return False


def logging_accumulator(node: ast.AugAssign, fn: FunctionInfo) -> bool:
    """`episode_reward += reward` whose every read in the function goes to print/log/stats: a
    statistic, not a reward term."""
    target = dotted(node.target.value if isinstance(node.target, ast.Subscript) else node.target)
    if not target or not ACCUMULATOR.search(last_name(target).lower()):
        return False
    parents = parent_map(fn)
    for sub in ast.walk(fn.node):
        if sub is node.target or not isinstance(sub, ast.Name | ast.Attribute) or not isinstance(sub.ctx, ast.Load):
            continue
        if dotted(sub) != target:
            continue
        parent = parents.get(id(sub))
        if isinstance(parent, ast.Attribute):  # `x.mean()` reads x through the call above it
            parent = parents.get(id(parent))
        if isinstance(parent, ast.AugAssign) and parent.target is sub:
            continue
        if not _for_logging(sub, parents):
            return False
    return True


def _reward_dicts(site: Site) -> list[ast.Dict]:
    node = site.node
    out: list[ast.Dict] = []
    if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
        if any(role(n) == "rewards" for n in assigned_names(node)):
            out.append(node.value)
    elif isinstance(node, ast.Call):
        for k in node.keywords:
            if k.arg and role(k.arg) == "rewards" and isinstance(k.value, ast.Dict):
                out.append(k.value)
    return out


class RewardTermsDetector(FeatureDetector):
    meta = DetectorMeta(
        id="reward_terms",
        title="Reward terms and caps",
        subsystem="env",
        severity=Severity.critical,
        rationale=(
            "Shaped or intermediate rewards carry most of the learning signal early in training; a "
            "term removed from the reward definition, rescaled, or capped changes the task the agent "
            "optimises."
        ),
        fix="Restore the baseline reward terms, their weights, and remove the new cap.",
        hypotheses=["env.reward_terms_changed"],
        confidence=0.8,
        keywords=r"reward",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site in sites:
            for d in _reward_dicts(site):
                for k, v in zip(d.keys, d.values, strict=False):
                    if isinstance(k, ast.Constant):
                        out.append(Feature(("term", k.value), site, f"{k.value!r}"))
                        out.append(Feature(("weight", k.value, unparse(v, 40)), site, f"{k.value!r}: {unparse(v, 40)}"))
        for site, call, name in calls(sites):
            if last_name(name) not in CAPS:
                continue
            args = list(call.args) + [k.value for k in call.keywords]
            rewardish = [a for a in args if mentions_role(a, {"rewards"})]
            bounds = [a for a in args if is_constant_like(a) and a not in rewardish]
            bounds += [b for b in (kwarg(call, "max"), kwarg(call, "a_max")) if b is not None and b not in bounds]
            if rewardish and bounds:
                out.append(Feature(("cap", last_name(name), canon(bounds[-1], site)), site, unparse(call, 80)))
        for site, node, value in assigns(sites):
            if isinstance(node, ast.AugAssign) and (any(role(n) == "rewards" for n in assigned_names(node))
                                                    or _running_sum(node)):
                if _collects(value) or logging_accumulator(node, site.fn) or _short_local(node, site.fn):
                    continue
                # `r *= c` rescales the reward (a weight); `r += bonus` adds a term to it
                kind = "scale" if isinstance(node.op, ast.Mult | ast.Div) else "shaping"
                stored = canon(_IntegralFloats().visit(copy_tree(stored_value(value, site.fn, site.line))), site)
                out.append(Term((kind, canon(_IntegralFloats().visit(copy_tree(value)), site)), site, unparse(node, 80),
                                stored=stored))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        only_base = _kept_caps(pair, only_base, only_cand)
        only_base, only_cand = _same_stored(only_base, only_cand)
        if not only_base and not only_cand:
            return []
        removed = [f for f in only_base if f.key[0] in ("term", "shaping")]
        if removed and not [f for f in only_cand if f.key[0] == removed[0].key[0]]:
            names = ", ".join(f.text for f in removed[:4])
            return [feature_hit(f"Reward term(s) removed: {names}", pair, removed, [])]
        caps = [f for f in only_cand if f.key[0] == "cap"]
        if caps:
            return [feature_hit(f"Reward cap introduced: `{caps[0].text}`", pair, [f for f in only_base if f.key[0] == "cap"],
                                caps, severity=Severity.significant)]
        folded = _folded_rescale(pair, only_base, only_cand)
        if folded:
            return [feature_hit("Reward rescale folded into the reward's weight", pair, only_base, only_cand,
                                severity=Severity.low, confidence=0.4, summary=folded)]
        weights_b = [f for f in only_base if f.key[0] in ("weight", "shaping", "scale", "cap")]
        weights_c = [f for f in only_cand if f.key[0] in ("weight", "shaping", "scale", "cap")]
        if weights_b or weights_c:
            return [feature_hit("Reward weights changed", pair, weights_b, weights_c, severity=Severity.significant)]
        return [feature_hit("Reward terms added", pair, [], only_cand, severity=Severity.low, confidence=0.5)]


class _IntegralFloats(ast.NodeTransformer):
    """`0.0` read as `0`, `2.0` as `2`: a term added to (or scaling) a reward sums to the same number either way.
    Real shape (dreamerv2 6124db46..07d906e9, dreamerv2/common/envs.py:135): `reward += time_step.reward or 0` ->
    `reward += time_step.reward or 0.0` was "Reward weights changed"."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float) and node.value.is_integer() and abs(node.value) < 2 ** 53:
            return ast.copy_location(ast.Constant(int(node.value)), node)
        return node


def _running_sum(node: ast.AugAssign) -> bool:
    """`self._ep_return += rew`, `episode_return += reward`: a variable or attribute named as an accumulated
    return (an accumulator by its name) summing the step's reward as it is. It is the same running sum as
    `self._ep_rew += rew`: tianshou 1.2 renamed its buffer's `_ep_rew` to `_ep_return`, and the sum, no
    longer named like a reward, read as "Reward term(s) removed" (critical). Kept as the same term on both
    sides; whether it feeds training or only statistics is decided as for any reward accumulator. An entry
    of a container (`info['episode_return'] += r`) is the container's, not a name: not this rule."""
    if not isinstance(node.op, ast.Add) or not isinstance(node.target, ast.Name | ast.Attribute):
        return False
    target = last_name(dotted(node.target))
    value = node.value
    while isinstance(value, ast.Subscript):
        value = value.value
    read = dotted(value)
    return bool(target) and bool(ACCUMULATOR.search(target.lower())) and role(target) == "returns" \
        and bool(read) and role(last_name(read)) == "rewards"


def _short_local(node: ast.AugAssign, fn: FunctionInfo) -> bool:
    """`r -= alpha * hv` of a conjugate-gradient solver: a local named `r` (not a parameter) in a
    function where nothing else is named like a reward and no environment is stepped is a residual,
    a radius, a ratio, not a reward (skrl 2.0 moved its TRPO solver to module level: "Reward weights
    changed", significant). A reward passed in as `r`, or read from `env.step`, stays a reward."""
    target = node.target
    node_fn = fn.node
    if not isinstance(target, ast.Name) or "rew" in target.id.lower() \
            or not isinstance(node_fn, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    a = node_fn.args
    if target.id in {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if p is not None}:
        return False
    for sub in ast.walk(node_fn):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else \
            sub.value if isinstance(sub, ast.Constant) and isinstance(sub.value, str) else None
        if name and name != target.id and role(name) == "rewards":
            return False
        if isinstance(sub, ast.Call) and last_name(call_name(sub)) == "step":
            return False
    return True


def _loose_cap(key: tuple) -> tuple:
    """A cap's key with `self._high` read as `self.high`: a private attribute set from the constructor
    argument and the dataclass field of the same name hold the same value."""
    return (*key[:2], re.sub(r"\bself\._(?=[A-Za-z])", "self.", str(key[2])))


def _renamed_reward_parameters(pair: FunctionPair) -> set[str]:
    """Candidate parameters whose baseline parameter at the same position has a reward name
    (`transform_numpy(self, reward)` -> `transform_numpy(self, x)`)."""
    if pair.base is None or pair.cand is None:
        return set()
    nb, nc = pair.base.node, pair.cand.node
    if not isinstance(nb, ast.FunctionDef | ast.AsyncFunctionDef) or not isinstance(nc, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    pb = [a.arg for a in (*nb.args.posonlyargs, *nb.args.args)]
    pc = [a.arg for a in (*nc.args.posonlyargs, *nc.args.args)]
    if len(pb) != len(pc):
        return set()
    return {c for b, c in zip(pb, pc, strict=True) if b != c and role(b) == "rewards" and c not in pb}


def _kept_caps(pair: FunctionPair, only_base: list[Feature], only_cand: list[Feature]) -> list[Feature]:
    """`only_base` less the caps the candidate still applies to the same parameter under a new name.
    Real shape: d3rlpy 2.0's `ClipRewardScaler.transform_numpy(self, reward)` returning
    `multiplier * np.clip(reward, self._low, self._high)` became a dataclass whose method takes `x` and
    returns `self.multiplier * np.clip(x, self.low, self.high)`: "Reward weights changed", significant."""
    caps = [f for f in only_base if f.key[0] == "cap"]
    if not caps or [f for f in only_cand if f.key[0] == "cap"] or pair.cand is None:
        return only_base
    renamed = _renamed_reward_parameters(pair)
    if not renamed:
        return only_base
    kept: set[tuple] = set()
    for node in ast.walk(pair.cand.node):
        if not isinstance(node, ast.Call) or last_name(call_name(node)) not in CAPS:
            continue
        args = list(node.args) + [k.value for k in node.keywords]
        carried = [a for a in args if isinstance(a, ast.Name) and a.id in renamed]
        bounds = [a for a in args if is_constant_like(a) and a not in carried]
        if carried and bounds:
            kept.add(_loose_cap(("cap", last_name(call_name(node)), canon(bounds[-1], pair.cand))))
    return [f for f in only_base if f.key[0] != "cap" or _loose_cap(f.key) not in kept]


@dataclass(frozen=True)
class Term(Feature):
    stored: str = ""  # the term with stored values read where they were computed (detectors/stored.py)


def _same_stored(only_base: list[Feature], only_cand: list[Feature]) -> tuple[list[Feature], list[Feature]]:
    """Terms that differ only in where a value is read from: `gamma * values * truncated` with the
    local `values = f(v)` -> `gamma * self._current_values * truncated` with `self._current_values =
    f(v)` stored in `act()` (skrl 2.0). Each such pair (same kind, same stored form) is dropped; a term
    whose stored value differs stays."""
    left = list(only_cand)
    kept: list[Feature] = []
    for fb in only_base:
        match = next((fc for fc in left if isinstance(fb, Term) and isinstance(fc, Term) and fb.key[0] == fc.key[0]
                      and fb.stored == fc.stored), None)
        if match is None:
            kept.append(fb)
        else:
            left.remove(match)
    return kept, left


def _number(expr: ast.AST | None, fn: FunctionInfo) -> float | None:
    """A literal number, or the numeric code default of a configuration read (`config[k=2.0]`)."""
    if expr is None:
        return None
    text = canon(expr, fn)
    m = PLACEHOLDER.match(text)
    if m is not None:
        text = m.group(1) or ""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _weight_of(name: str, fn: FunctionInfo) -> ast.expr | None:
    """W of the one product `W * name` / `name * W` in fn (the weighted sum of reward terms)."""
    found = []
    for node in ast.walk(fn.node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for this, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(this, ast.Name) and this.id == name:
                    found.append(other)
    return found[0] if len(found) == 1 else None


def _folded_rescale(pair: FunctionPair, only_base: list[Feature], only_cand: list[Feature]) -> str:
    """`s *= scale` removed and its factor folded into the weight of the sum the term enters:
    `w_b * s` with `s *= c` -> `w_c * s` where, at the configuration defaults, w_b * c == w_c
    (skrl 2.0 AMP: `style_reward *= discriminator_reward_scale` (2) and `style_reward_weight` (1.0)
    -> `style_reward_scale` (2.0)). The combined reward is the same at the defaults; a user who set
    the old keys sets new ones. Empty when anything is not shown (then it is a weight change)."""
    if only_cand or not only_base or pair.base is None or pair.cand is None \
            or any(f.key[0] != "scale" or not isinstance(f.site.node, ast.AugAssign) for f in only_base):
        return ""
    parts = []
    for f in only_base:
        node = f.site.node
        assert isinstance(node, ast.AugAssign)
        if not isinstance(node.target, ast.Name) or f.site.fn is not pair.base:
            return ""
        name = node.target.id
        factor = _number(node.value, pair.base)
        w_b, w_c = _number(_weight_of(name, pair.base), pair.base), _number(_weight_of(name, pair.cand), pair.cand)
        if factor is None or w_b is None or w_c is None or factor == 0:
            return ""
        folded = w_b * factor if isinstance(node.op, ast.Mult) else w_b / factor
        if abs(folded - w_c) > 1e-9 * max(1.0, abs(w_c)):
            return ""
        parts.append(f"`{name}`: {w_b:g} x {factor:g} at the baseline, {w_c:g} at the candidate (code defaults)")
    return "rescale folded into the weight, the same combined reward at the defaults: " + "; ".join(parts)
