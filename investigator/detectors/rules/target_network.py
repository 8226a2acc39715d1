"""Off-policy target networks: the soft/hard target update and what the TD target bootstraps from.

DQN/SAC/TD3-style code keeps a slowly moving copy of the critic. Two families of silent bugs:

* the update itself: Polyak coefficients swapped (`tau * target + (1 - tau) * online`), the
  periodic update removed, a hard copy replaced by something else;
* the bootstrap: the next-state value taken from the online network instead of the target
  network, `max` over actions replaced by `argmax` (indices used as values), the twin-critic `min`
  replaced by `max`, or the sign of the soft (entropy) term in the target flipped.

An `argmax` whose result indexes next-state estimates (`q_t[idx, q_sel.argmax(-1)]`,
`q_next.gather(1, q(s').argmax(1, keepdim=True))`) selects the greedy action - the double-Q
selector - and bootstraps from the selected value: it is keyed as a greedy `max`, never as the
`argmax`-as-value bug (Stoix's dueling DQN -> Rainbow: `jnp.max(q_t)` vs a double-Q selector).
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
from investigator.detectors.codedefault import AT_CODE_DEFAULT, at_code_defaults
from investigator.detectors.configref import resolve_config
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import assigned_names, assigned_sign, assigns, calls, signed_terms
from investigator.models import Severity
from investigator.pyast import call_name, dotted, last_name, receiver, unparse

TARGET = re.compile(r"targ|tgt|(^|_)old_?(net|q|critic|model)", re.IGNORECASE)
NEXT_OBS = re.compile(r"next_?(obs|observation|state|s|x)|(obs|state)_?(next|tp1|prime)|(^|_)s_?(next|tp1|prime)($|_)",
                      re.IGNORECASE)
LOGPROB = re.compile(r"log_?p(i|rob)?($|_)|logprob|log_pi", re.IGNORECASE)
Q_NET = re.compile(r"(^|[._])q|qf|critic|targ|tgt|value_?net", re.IGNORECASE)
POLICY = re.compile(r"action|policy|actor|(^|[._])pi($|_)", re.IGNORECASE)
REDUCTIONS = {"max", "argmax", "min", "argmin", "amax", "amin", "logsumexp", "mean"}
_TENSOR_FUNCS = re.compile(r"^(torch|np|numpy|F|jnp|jax)\.|\.(to|float|view|reshape|flatten|squeeze|unsqueeze|cpu|"
                           r"cuda|detach|clone|numpy|gather|copy)$")


def _names(expr: ast.AST) -> list[str]:
    out = []
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Name):
            out.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            out.append(sub.attr)
    return out


def _mentions(expr: ast.AST, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(n) for n in _names(expr))


def _coef_text(parts: list[ast.AST]) -> str:
    """Coefficient factors with config chains and instance attributes reduced to their last name (`args.tau`,
    `self.tau` -> tau): a coefficient moved from a `train(..., tau=...)` argument to an attribute the constructor
    stores is the same setting (TD3 c717e75..34770cc: `tau * param + (1 - tau) * target_param` ->
    `self.tau * ...` was a critical "update weights changed"); where its value changed, the defaults and the
    configuration say so."""

    class _Short(ast.NodeTransformer):
        def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
            name = dotted(node)
            if name:
                return ast.copy_location(ast.Name(id=last_name(name), ctx=ast.Load()), node)
            return self.generic_visit(node)

    import copy

    texts = sorted(unparse(_Short().visit(copy.deepcopy(p)), limit=60) for p in parts)
    return " * ".join(texts) or "1"


def _factors(expr: ast.AST) -> list[ast.AST]:
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return _factors(expr.left) + _factors(expr.right)
    return [expr]


def _param_kind(expr: ast.AST) -> str:
    return "target" if _mentions(expr, TARGET) else "online"


def _polyak_terms(expr: ast.AST) -> tuple[tuple[str, str], ...] | None:
    """`tau * p + (1 - tau) * tp` -> (("online", "tau"), ("target", "(1 - tau)")), None if not a blend.
    Every term of a blend is weighted: a term taken whole (`target_q * gamma ** n + returns`, the n-step TD
    target tianshou computes) makes a sum, not a Polyak average of two networks."""
    out = []
    for sign, term in signed_terms(expr):
        parts = _factors(term)
        params = [p for p in parts if isinstance(p, ast.Attribute | ast.Name | ast.Subscript) and dotted(p)
                  and not re.search(r"tau|polyak|rho|alpha|beta|coef|rate|momentum", last_name(dotted(p)), re.I)]
        if len(params) != 1 or len(parts) == 1:
            return None
        coef = _coef_text([p for p in parts if p is not params[0]])
        out.append((_param_kind(params[0]), ("-" if sign < 0 else "") + coef))
    return tuple(sorted(out)) if len(out) > 1 else None


def _soft_key(online: str, target: str | None) -> tuple[str, ...]:
    """One key for every spelling of a Polyak update: the online weight, plus the target weight
    when it is not the implied `1 - online` (so `copy_(tau*p + (1-tau)*tp)`, `mul_(1-tau).add_(tau*p)`
    and `lerp_(p, tau)` compare equal)."""
    if target is None or re.fullmatch(r"\(?1(\.0*)? - " + re.escape(online) + r"\)?", target):
        return ("soft_update", online)
    return ("soft_update", online, target)


def target_updates(sites: list[Site]) -> list[Feature]:
    out = []
    for site, call, name in calls(sites):
        method = last_name(name)
        recv = receiver(call)
        if method == "load_state_dict" and TARGET.search(recv) and site.loops and call.args:
            out.append(Feature(("hard_update", _param_kind(call.args[0])), site, unparse(call, 100)))
        elif method == "copy_" and TARGET.search(recv) and call.args:
            blend = _polyak_terms(call.args[0])
            if blend is not None:
                weights = dict(blend)
                if set(weights) == {"online", "target"}:
                    out.append(Feature(_soft_key(weights["online"], weights["target"]), site, unparse(call, 120)))
                else:
                    out.append(Feature(("soft_update_blend", blend), site, unparse(call, 120)))
            elif site.loops:
                out.append(Feature(("hard_update", _param_kind(call.args[0])), site, unparse(call, 100)))
        elif method in {"lerp_", "_foreach_lerp_"} and (TARGET.search(recv) or (call.args and _mentions(call.args[0], TARGET))):
            weight = call.args[-1] if len(call.args) >= 2 else next((k.value for k in call.keywords if k.arg == "weight"), None)
            out.append(Feature(_soft_key(_coef_text([weight]) if weight is not None else "?", None), site,
                               unparse(call, 100)))
        elif method == "mul_" and TARGET.search(recv) and call.args:
            decay = _coef_text([call.args[0]])
            if not re.fullmatch(r"\(?1(\.0*)? - .+", decay):  # `1 - tau` is implied by the add_ weight
                out.append(Feature(("soft_update_decay", decay), site, unparse(call, 100)))
        elif method == "add_" and (TARGET.search(recv) or (isinstance(call.func, ast.Attribute) and isinstance(
                call.func.value, ast.Call) and TARGET.search(receiver(call.func.value)))) and call.args:
            alpha = next((k.value for k in call.keywords if k.arg == "alpha"), None)
            parts = _factors(call.args[0]) + ([alpha] if alpha is not None else [])
            params = [p for p in parts if dotted(p) and _param_kind(p) == "online"
                      and not re.search(r"tau|polyak|rho", dotted(p), re.I)]
            out.append(Feature(_soft_key(_coef_text([p for p in parts if p not in params]), None), site,
                               unparse(call, 100)))
    for site, node, value in assigns(sites):  # functional style: `tp = tau * p + (1 - tau) * tp`
        names = assigned_names(node)
        if len(names) == 1 and TARGET.search(names[0]) and isinstance(node, ast.Assign):
            blend = _polyak_terms(value)
            if blend is not None and set(dict(blend)) == {"online", "target"}:
                weights = dict(blend)
                out.append(Feature(_soft_key(weights["online"], weights["target"]), site, unparse(node, 120)))
    return out


def _online_weight(expr: ast.AST) -> ast.AST | None:
    """The weight of the online network's term in a Polyak blend (`tau * p + (1 - tau) * tp` -> `tau`)."""
    for _sign, term in signed_terms(expr):
        parts = _factors(term)
        online = [p for p in parts if isinstance(p, ast.Attribute | ast.Name | ast.Subscript) and dotted(p)
                  and _param_kind(p) == "online"
                  and not re.search(r"tau|polyak|rho|alpha|beta|coef|rate|momentum", last_name(dotted(p)), re.I)]
        rest = [p for p in parts if not any(p is o for o in online)]
        if len(online) == 1 and len(rest) == 1:
            return rest[0]
    return None


def _unit_rate(feature: Feature) -> dict[str, str] | None:
    """{config key: default} when a soft update's online weight is one configuration read whose code default
    is 1: at that default `tau * p + (1 - tau) * tp` is `p`, a hard copy (cleanrl's DQN gained `--tau`,
    default 1.0, replacing `target.load_state_dict(q.state_dict())`: a false critical "update changed")."""
    node = feature.site.node
    if isinstance(node, ast.Call) and last_name(call_name(node)) == "copy_" and node.args:
        weight = _online_weight(node.args[0])
    elif isinstance(node, ast.Call) and last_name(call_name(node)) in {"lerp_", "_foreach_lerp_"} and len(node.args) >= 2:
        weight = node.args[-1]
    elif isinstance(node, ast.Assign):
        weight = _online_weight(node.value)
    else:
        return None
    if weight is None:
        return None
    found: dict[str, str] = {}
    text = at_code_defaults(unparse(resolve_config(weight, feature.site.fn), limit=200), found)
    try:
        return found if found and float(text) == 1.0 else None
    except ValueError:
        return None


def _hard_copy_at_default(ub: list[Feature], uc: list[Feature]) -> tuple[str, dict[str, str]] | None:
    """(side of the soft update, its configuration reads) when one side copies the online network whole and the
    other blends it in with a rate that defaults to 1; None otherwise."""
    for hard, soft, side in ((ub, uc, "candidate"), (uc, ub, "baseline")):
        if not hard or not soft or any(f.key != ("hard_update", "online") for f in hard):
            continue
        reads: dict[str, str] = {}
        for f in soft:
            found = _unit_rate(f) if f.key[0] == "soft_update" else None
            if found is None:
                break
            reads.update(found)
        else:
            return side, reads
    return None


def _unit_rate_hits(pair: FunctionPair, ub: list[Feature], uc: list[Feature]
                    ) -> tuple[list[Hit], list[Feature], list[Feature]]:
    """(hits, update features left) once a hard copy <-> a blend at rate 1 by default is split off: its hit
    records the rate's configuration read, judged against the configuration before ranking."""
    copy = _hard_copy_at_default(ub, uc)
    if copy is None:
        return [], ub, uc
    side, reads = copy
    hit = feature_hit("Target-network update changed between a hard copy and a Polyak update whose rate "
                      "defaults to 1 (the same copy)", pair, ub, uc)
    hit.details[AT_CODE_DEFAULT] = {side: reads}
    return [hit], [], []


def _is_network_call(call: ast.Call) -> bool:
    name = call_name(call)
    if not name or _TENSOR_FUNCS.search(name) or last_name(name) in REDUCTIONS:
        return False
    return any(_mentions(a, NEXT_OBS) for a in [*call.args, *(k.value for k in call.keywords)])


_INDEX_FUNCS = {"gather", "take", "take_along_axis", "index_select", "one_hot", "select"}
_SHAPE_METHODS = {"unsqueeze", "squeeze", "reshape", "view", "long", "int", "astype", "expand_dims", "to",
                  "detach", "flatten", "expand", "expand_as"}


def _used_as_index(expr: ast.AST, root: ast.AST) -> bool:
    """True when `expr` (an argmax/argmin, or a name holding one) only indexes: it sits, through reshapes, in a
    subscript's slice or is an index argument of `gather`/`take`/`take_along_axis`/`one_hot` - the greedy
    selection of double Q."""
    parents = {id(child): node for node in ast.walk(root) for child in ast.iter_child_nodes(node)}
    node: ast.AST = expr
    while True:
        parent = parents.get(id(node))
        if parent is None:
            return False
        if isinstance(parent, ast.Subscript):
            if parent.slice is node or (isinstance(parent.slice, ast.Tuple) and node in parent.slice.elts):
                return True
            node = parent  # `argmax(...)[..., None]`: still the index
            continue
        if isinstance(parent, ast.Tuple):
            node = parent
            continue
        if isinstance(parent, ast.Attribute) and parent.attr in _SHAPE_METHODS:
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                node = grand
                continue
            return False
        if isinstance(parent, ast.keyword):
            parent_call = parents.get(id(parent))
            return isinstance(parent_call, ast.Call) and last_name(call_name(parent_call)) in _INDEX_FUNCS
        if isinstance(parent, ast.Call) and node in parent.args:
            if last_name(call_name(parent)) in _INDEX_FUNCS:
                return True
            if last_name(call_name(parent)) in _SHAPE_METHODS:
                node = parent
                continue
        return False


def _strip_shape(expr: ast.AST) -> ast.AST:
    """`q.argmax(1).unsqueeze(-1).long()` -> `q.argmax(1)`."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _SHAPE_METHODS:
        expr = expr.func.value
    return expr


def _selector_only(name: str, later: list[ast.expr]) -> bool:
    """A name assigned an argmax (`best = q(s').argmax(1)`) that every later statement reads only as an index."""
    uses = [(n, v) for v in later for n in ast.walk(v) if isinstance(n, ast.Name) and n.id == name]
    return bool(uses) and all(_used_as_index(n, v) for n, v in uses)


def bootstrap_features(sites: list[Site]) -> list[Feature]:
    """Next-state network evaluations (target or online), reductions over them, soft-term signs."""
    out = []
    tainted: set[str] = set()  # names holding a next-state Q estimate
    listed = list(assigns(sites))
    for i, (site, node, value) in enumerate(listed):
        next_calls = [c for c in ast.walk(value) if isinstance(c, ast.Call) and _is_network_call(c)]
        names = assigned_names(node)
        # the policy's own next action / log-prob is not a Q estimate
        q_calls = [c for c in next_calls if Q_NET.search(call_name(c)) and not POLICY.search(call_name(c))]
        for c in q_calls:
            kind = "target" if TARGET.search(call_name(c)) else "online"
            out.append(Feature(("next_q_net", kind), site, f"{call_name(c)}(...) on the next state"))
        # `q -= alpha * log_pi` reads its target too
        uses_tainted = any(isinstance(s, ast.Name) and s.id in tainted for s in ast.walk(value)) or (
            isinstance(node, ast.AugAssign) and any(n in tainted for n in names))
        if q_calls or uses_tainted:
            for sub in ast.walk(value):
                if not isinstance(sub, ast.Call):
                    continue
                method = last_name(call_name(sub)) if isinstance(sub.func, ast.Attribute | ast.Name) else ""
                if method not in REDUCTIONS:
                    continue
                inner = [sub.func.value] if isinstance(sub.func, ast.Attribute) and not call_name(sub).startswith(
                    ("torch.", "np.", "jnp.")) else list(sub.args)
                if any(any(isinstance(s, ast.Call) and _is_network_call(s) for s in ast.walk(x))
                       or any(isinstance(s, ast.Name) and s.id in tainted for s in ast.walk(x)) for x in inner):
                    if method in {"argmax", "argmin"} and (_used_as_index(sub, value) or (
                            _strip_shape(value) is sub and isinstance(node, ast.Assign) and len(node.targets) == 1
                            and isinstance(node.targets[0], ast.Name)
                            and _selector_only(node.targets[0].id, [v for _, _, v in listed[i + 1:]]))):
                        method = "max" if method == "argmax" else "min"  # greedy selection, not a value
                    out.append(Feature(("next_q_reduce", method), site, unparse(sub, 100)))
            for sign, term in signed_terms(value, assigned_sign(node)):
                if _mentions(term, LOGPROB) and not any(isinstance(s, ast.Call) for s in ast.walk(term)):
                    out.append(Feature(("soft_term_sign", sign), site,
                                       f"{'+' if sign > 0 else '-'} {unparse(term, 60)}"))
            tainted.update(n for n in names if isinstance(node, ast.Assign) and all(
                isinstance(t, ast.Name | ast.Tuple) for t in node.targets))
    return out


def _handed_targets(f: Feature) -> set[str]:
    """The target networks an inlined update helper was handed: `soft_update(self.value_target, self.value,
    tau)` -> {"value_target"} (the caller's arguments bound to the helper's parameters)."""
    out = set()
    for arg in f.site.bindings.values():
        name = last_name(dotted(arg)) if isinstance(arg, ast.Name | ast.Attribute) else ""
        if name and TARGET.search(name):
            out.add(name)
    return out


def _networks_gone(pair: FunctionPair, base: list[Feature], cand: list[Feature], removed: list[Feature]) -> list[str]:
    """The target networks whose updates the candidate lost, when its file names none of them any more: the
    network was removed with its update, nothing is left frozen. Real shape: pytorch-soft-actor-critic
    (0a7b9e5..f480391) dropped SAC's V network and `value_target` (the critic's target, soft-updated on
    every step, replaced it), read as "Target-network update removed: the target network stays frozen"
    (critical, 2 places). Updates of one kind are told apart by the target a helper was handed; empty when
    one names none, when the lost updates are not exactly those of the gone networks, or when the file still
    names one (a TD3 actor target still read, its update gone)."""
    if pair.cand is None:
        return []
    keys = {f.key for f in removed}
    base_named = [_handed_targets(f) for f in base if f.key in keys]
    cand_named = [_handed_targets(f) for f in cand if f.key in keys]
    if not base_named or not all(base_named) or not all(cand_named):
        return []
    gone = set().union(*base_named) - set().union(*cand_named)
    if not gone or sum(1 for names in base_named if names <= gone) != len(removed):
        return []
    words = pair.cand.module.words
    return [] if any(n in words for n in gone) else sorted(gone)


def _removed_hit(pair: FunctionPair, base: list[Feature], cand: list[Feature], removed: list[Feature]) -> Hit:
    """A target update the candidate lost: removed with its network (significant), else a frozen target."""
    gone = _networks_gone(pair, base, cand, removed)
    if gone:
        return feature_hit(
            f"Target-network update removed with its network (`{'`, `'.join(gone)}` no longer exists)", pair,
            removed, [], severity=Severity.significant, confidence=0.5,
            fix="Check that the network was meant to go (an algorithm variant without it); if not, restore it "
                "and its target update.",
        )
    return feature_hit("Target-network update removed: the target network stays frozen", pair, removed, [])


class TargetNetworkDetector(FeatureDetector):
    meta = DetectorMeta(
        id="target_network",
        title="Target network and TD bootstrap",
        subsystem="trainer",
        severity=Severity.critical,
        note="the Polyak/hard update removed or its weights changed, where `copy_(tau*p + (1-tau)*tp)`, "
        "`mul_(1-tau).add_(tau*p)` and `lerp_(p, tau)` are one key, the online weight; the TD bootstrap taken from "
        "the online network; the reduction over next-state estimates: `max` -> `argmax`, twin `min` -> `max`/mean; "
        "the sign of the soft (entropy) term",
        rationale=(
            "Off-policy value learning (DQN, SAC, TD3, DDPG) bootstraps from a slowly updated target "
            "network. Swapped Polyak coefficients make the target chase the online network (or freeze "
            "it), a removed update leaves it at its initial weights, bootstrapping from the online "
            "network brings back the instability the target network exists to remove, `argmax` where "
            "`max` was meant bootstraps from action indices, `max` over twin critics instead of `min` "
            "reintroduces overestimation, and a flipped entropy term rewards low-entropy next actions."
        ),
        fix=(
            "Restore the baseline update (`target.copy_(tau * online + (1 - tau) * target)`, or the periodic "
            "hard copy) and bootstrap from the target network's `max` (DQN) / `min` over twin critics minus "
            "`alpha * next_log_pi` (SAC)."
        ),
        confidence=0.8,
        keywords=r"target",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return target_updates(sites) + bootstrap_features(sites)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        kinds = ("soft_update", "hard_update", "soft_update_blend", "soft_update_decay")
        ub = [f for f in only_base if f.key[0] in kinds]
        uc = [f for f in only_cand if f.key[0] in kinds]
        hits, ub, uc = _unit_rate_hits(pair, ub, uc)
        if ub and uc:
            b0, c0 = ub[0].key, uc[0].key
            title = "Target-network update changed"
            if b0[0] == c0[0] == "soft_update":
                title = f"Target-network update weights changed: online weight `{b0[1]}` -> `{c0[1]}`"
            elif b0[0] == c0[0] == "hard_update" and b0[1] != c0[1]:
                title = f"Target network now copied from the {c0[1]} network instead of the {b0[1]} one"
            hits.append(feature_hit(title, pair, ub, uc))
        elif ub:
            hits.append(_removed_hit(pair, base, cand, ub))
        elif uc:
            hits.append(feature_hit("Target-network update added", pair, [], uc, severity=Severity.significant,
                                    confidence=0.6))
        for key in ("next_q_net", "next_q_reduce", "soft_term_sign"):
            b = [f for f in only_base if f.key[0] == key]
            c = [f for f in only_cand if f.key[0] == key]
            if not b and not c:
                continue
            if key == "next_q_net":
                if b and c and b[0].key[1] == "target" and c[0].key[1] == "online":
                    title = "TD target bootstraps from the online network instead of the target network"
                elif b and c:
                    title = "TD target bootstraps from a different network"
                else:
                    continue  # an added/removed evaluation alone: other features say what changed
            elif key == "next_q_reduce":
                if b and not c and any(f.key[0] == "next_q_net" for f in cand):
                    title = f"TD target reduction removed: `{b[0].key[1]}` over next-state estimates"
                elif not (b and c):
                    continue
                else:
                    title = f"TD target reduction changed: `{b[0].key[1]}` -> `{c[0].key[1]}`"
            else:
                if not (b and c):
                    continue
                title = "Sign of the entropy term in the soft TD target flipped"
            hits.append(feature_hit(title, pair, b, c))
        return hits
