"""`.detach()` / `torch.no_grad()` added to or removed from a loss path."""

from __future__ import annotations

import ast
import re
from collections import Counter

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.flow import Site, assignment, is_no_grad
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import (
    assigned_names,
    assigns,
    calls,
    computes_loss,
    env_step,
    inlined_call_assigns,
    roles_in,
    target_roles,
)
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import call_name, dotted, last_name, method_name, unparse

TRACKED = {"loss", "new_values", "logprob", "old_logprob", "entropy", "ratio", "kl", "advantages", "returns", "values",
           "next_values"}
DETACHING = {"detach", "detach_", "stop_gradient"}
# `.item()` / `.numpy()` make host scalars for logs and stats: they are not a cut of the loss graph
TARGETS = {"advantages", "returns", "values", "next_values", "old_logprob"}  # detached in the textbook form
# the log-probs of the policy that sampled the data (behaviour / old / reference policy): constants of a PPO ratio,
# an importance weight or a KL penalty, detached in the textbook form (`old_logprob` role, see `_role_of`)
_BEHAVIOUR = re.compile(r"(^|_)old|old_|oldlog|behaviou?r|(^|_)(prev|previous|ref|reference|sampled|rollout)(_|$)")
INHERITED = ", already cut"  # a cut feature whose value is computed only from values already cut
MAX_FLOW_SCAN = 4000  # statements scanned forward for a flow into the loss


HOST = {"item", "cpu", "numpy", "tolist", "detach", "detach_"}  # what passes through these leaves the graph


def _graph_names(expr: ast.AST, leaving: frozenset[str] | set[str] = HOST) -> set[str]:
    """Names an expression reads *through the autograd graph* (not through `.item()`, `.cpu()`, ...:
    the `leaving` calls)."""
    out: set[str] = set()
    stack = [expr]
    while stack:
        sub = stack.pop()
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in leaving:
            continue
        if isinstance(sub, ast.Name):
            out.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            out.add(sub.attr)
        stack.extend(ast.iter_child_nodes(sub))
    return out


def callers_cut(site: Site) -> tuple[str, int] | None:
    """For a statement of an inlined callee that runs under a caller's `no_grad`: the call, in the
    function that opened that scope, that leads to it. The gradient boundary there is the caller's
    `with` block: however many statements of the callee assign a log-prob under it (one in a helper, or
    one in each branch of an `if deterministic: ... else: ...`), the call is cut once (d3rlpy's SAC
    temperature update)."""
    if not site.no_grad or not 0 <= site.no_grad_from < site.depth or site.no_grad_from >= len(site.calls):
        return None
    return site.calls[site.no_grad_from]


def _in_update(site: Site, backward_sites: list[Site]) -> bool:
    """A `no_grad` block inside the update: a `backward()` runs in the same loop body (or deeper).
    The rollout loop, inference and evaluation blocks never contain the backward pass."""
    if not backward_sites:
        return True  # a function that only computes the loss
    n = len(site.loops)
    return any(len(b.loops) >= n and all(x is y for x, y in zip(b.loops[:n], site.loops, strict=True))
               for b in backward_sites)


def reaches_loss(index: int, sites: list[Site], assign_list: list[tuple[int, ast.stmt, ast.expr]]) -> bool:
    """Whether what the statement at `sites[index]` assigns flows, through later assignments, into
    `backward()` (or, in a function that only computes the loss, into a loss or a `return`); values
    that only go to logs, stats (`.item()`) or the rollout buffer do not."""
    node = sites[index].node
    tainted = set(assigned_names(node))  # type: ignore[arg-type]
    backward = [
        (pos, site) for pos, site in enumerate(sites)
        if isinstance(site.node, ast.Call) and method_name(site.node) == "backward"
    ]
    scanned = 0
    for pos, stmt, value in assign_list:
        if pos <= index:
            continue
        scanned += 1
        if scanned > MAX_FLOW_SCAN:
            return True  # too far to follow: keep the finding rather than guess
        if _graph_names(value) & tainted:
            if not backward and "loss" in target_roles(stmt):
                return True
            tainted |= set(assigned_names(stmt))
    if backward:
        return any(pos > index and _graph_names(site.node) & tainted for pos, site in backward)
    return _reaches_return(index, sites, tainted)


def reached_backward(index: int, sites: list[Site], assign_list: list[tuple[int, ast.stmt, ast.expr]]) -> set[str]:
    """The losses (`x` of `x.backward()`, as text) a value at `sites[index]` flows into."""
    node = sites[index].node
    if not isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        # a call statement (`total_loss.backward()` under `no_grad`, allenact 5b2b70a0..97620944 engine.py): no
        # assigned value to follow, so no new loss is known to take it (the cut keeps its finding)
        return set()
    tainted = set(assigned_names(node))
    for pos, stmt, value in assign_list[:MAX_FLOW_SCAN * 2]:
        if pos > index and _graph_names(value) & tainted:
            tainted |= set(assigned_names(stmt))
    return {
        unparse(site.node.func.value, 80) for pos, site in enumerate(sites)
        if pos > index and isinstance(site.node, ast.Call) and isinstance(site.node.func, ast.Attribute)
        and site.node.func.attr == "backward" and _graph_names(site.node) & tainted
    }


def _untaken_by_argument(site: Site) -> bool:
    """The site lies in an arm of an `if` on a parameter of a function of its inlining chain that the caller passed
    as a constant leaving that arm untaken: `if not skip_backprop: self.backprop_step(total_loss)` (whose body
    calls `total_loss.backward()`) reached through `compute_losses(..., skip_backprop=True)` under `no_grad`
    back-propagates nothing. Real shape: allenact 5b2b70a0..97620944 engine.py:2076, `run_eval` computing its
    losses for tracking under `torch.no_grad()` was a critical "Gradient cut added on backward"."""
    if not site.branches:
        return False
    chain = site.chain or (site.fn,)
    bound = _constant_arguments(site, chain)
    for fn in chain:
        ifs = {id(n): n for n in ast.walk(fn.node) if isinstance(n, ast.If)}
        for if_id, arm in site.branches:
            node = ifs.get(if_id)
            truth = _constant_truth(node.test, bound.get(id(fn), {})) if node is not None else None
            if truth is not None and truth != (arm == 0):
                return True
    return False


def _constant_arguments(site: Site, chain: tuple) -> dict[int, dict[str, ast.AST]]:
    """Per function of the inlining chain (by id): its parameters its caller passed as constant keywords (the
    innermost function: its bindings)."""
    out: dict[int, dict[str, ast.AST]] = {id(site.fn): dict(site.bindings)}
    for k in range(1, min(len(chain), len(site.calls) + 1)):
        caller, callee, line = chain[k - 1], chain[k], site.calls[k - 1][1]
        for n in ast.walk(caller.node):
            if isinstance(n, ast.Call) and n.lineno == line and last_name(dotted(n.func) or "") == callee.name:
                out.setdefault(id(callee), {}).update(
                    {kw.arg: kw.value for kw in n.keywords if kw.arg and isinstance(kw.value, ast.Constant)})
                break
    return out


def _constant_truth(test: ast.expr, bindings: dict[str, ast.AST]) -> bool | None:
    """The truth of `flag` / `not flag` when the parameter `flag` is bound to a constant argument, else None."""
    negate = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negate, test = not negate, test.operand
    argument = bindings.get(test.id) if isinstance(test, ast.Name) else None
    if not isinstance(argument, ast.Constant):
        return None
    return bool(argument.value) != negate


def backward_losses(sites: list[Site]) -> set[str]:
    return {
        unparse(call.func.value, 80) for _s, call, _name in calls(sites)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "backward"
    }


def _reaches_return(index: int, sites: list[Site], tainted: set[str]) -> bool:
    """In a function that computes a loss for its caller to back-propagate, whether the value is
    returned where the caller can take a gradient through it (see `_graph_parts`)."""
    return any(
        pos > index and isinstance(site.node, ast.Return) and site.node.value is not None
        and any(_graph_names(part) & tainted for part in _graph_parts(site.node.value))
        for pos, site in enumerate(sites)
    )


def _graph_parts(value: ast.expr) -> list[ast.expr]:
    """The parts of a returned value a caller can take a gradient through.

    `return loss, {"entropy": ent, "kl": kl}` hands the loss to the caller and a dictionary of
    statistics for its logs. A dictionary keeps the values whose key names a loss (`{"loss": ...}`)
    or is not a constant; a tuple that carries a loss keeps its losses (`return actor_loss,
    critic_loss`), the other elements being outputs for logs and stats; any other value is kept
    whole (in doubt, the finding stays).
    """
    if isinstance(value, ast.Dict):
        return [v for k, v in zip(value.keys, value.values, strict=True)
                if k is None or not (isinstance(k, ast.Constant) and isinstance(k.value, str))
                or "loss" in roles_in(ast.Name(id=k.value))]
    if isinstance(value, ast.Tuple | ast.List) and any("loss" in roles_in(e) for e in value.elts if not _is_stats(e)):
        return [e for e in value.elts if not _is_stats(e) and "loss" in roles_in(e)]
    if isinstance(value, ast.Tuple | ast.List):
        return [part for e in value.elts if not _is_stats(e) for part in _graph_parts(e)]
    return [] if _is_stats(value) else [value]


def _is_stats(expr: ast.expr) -> bool:
    """A literal collection of statistics: a dictionary whose constant keys name no loss."""
    return isinstance(expr, ast.Dict) and not _graph_parts(expr)


def _hosts_learned(value: ast.expr) -> bool:
    """A host number read off a learned quantity: `log_prob.mean().item()` (no graph left, see `host_value`)."""
    return host_value(value) and any(
        isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "item"
        and bool((roles_in(sub.func.value) & TRACKED) - TARGETS) for sub in ast.walk(value))


def _detaches(expr: ast.AST, hosted: frozenset[str] | set[str] = frozenset(), host_reads: bool = False) -> bool:
    """The value is cut from the graph: detached as a whole (`(a - b).detach().exp()`, `x.data`), or
    a detached operand carries a learned quantity (new values, log-probs, entropy, ratio, loss).
    `mse(pred, target.detach())` detaches a target only: that is how a loss is written.

    With `host_reads`, a graph value that reads a learned quantity as a host number (`lp.mean().item()` inline, or
    a local in `hosted` that holds one) is cut there as by `.detach()`; the caller counts it only when the value
    reaches a `backward()` (running statistics, `float(np.asarray(loss).item())` in a metrics tracker, cut nothing:
    EasyDeL f37071fb..090a03b2 easydel/trainers/metrics.py:373). Real shape (pomdp-baselines 8d188955..c16ac3db,
    policies/models/policy_mlp.py:253): the temperature loss `-(log_alpha.exp() * (log_prob + target).detach())
    .mean()` became `current_log_prob = log_prob.mean().item()`, `-log_alpha.exp() * (current_log_prob +
    target)`: the same cut (read as "Gradient cut removed"); an `.item()` where the baseline's value carried
    the gradient is a cut added."""
    chain = expr
    while True:
        if isinstance(chain, ast.Call) and isinstance(chain.func, ast.Attribute):
            if chain.func.attr in DETACHING:
                return True
            chain = chain.func.value
        elif isinstance(chain, ast.Attribute):
            if chain.attr == "data":
                return True
            chain = chain.value
        else:
            break
    host = not isinstance(expr, ast.expr) or host_value(expr)  # the value itself a host number: no graph to cut
    for sub in ast.walk(expr):
        inner = None
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and (
                sub.func.attr in DETACHING or host_reads and sub.func.attr == "item" and not host):
            inner = sub.func.value
        elif host_reads and isinstance(sub, ast.Name) and sub.id in hosted and not host:
            return True  # `_hosts_learned`: read off a learned quantity
        elif isinstance(sub, ast.Call) and last_name(call_name(sub)) in DETACHING and sub.args:
            inner = sub.args[0]
        elif isinstance(sub, ast.Attribute) and sub.attr == "data":
            inner = sub.value
        if inner is not None and (roles_in(inner) & TRACKED) - TARGETS:
            return True
    return False


def _roles_of(node: ast.stmt) -> set[str]:
    """The tracked roles of an assignment's targets; a log-prob of the behaviour policy (`old_logprobs`,
    `behaviour_log_probs`, `ref_logp`) is `old_logprob`, a target: detaching it is the textbook form
    (the ratio `exp(new - old)` differentiates only the new log-probs).

    Real shape (ART 980684f9..080d8409, src/art/local/train.py:119): `old_logprobs = torch.where(
    torch.isnan(old_logprobs), new_logprobs, old_logprobs)` gained `new_logprobs.detach()` ("missing old
    log-probs were sampled under the current policy"): the fill-in of the ratio's denominator became a
    constant, as old log-probs are. It was "Gradient cut added on logprob" (critical, #1, a false critical)."""
    names = assigned_names(node)
    roles = {r for r in (role(n) for n in names) if r} & TRACKED
    if "logprob" in roles and all(_BEHAVIOUR.search(n.lower()) for n in names if role(n) == "logprob"):
        roles = (roles - {"logprob"}) | {"old_logprob"}
    return roles


def host_value(value: ast.expr) -> bool:
    """A host number or a literal of them (`x.mean().item()`, `{"loss/value": v.item(), ...}`): statistics
    for the logs, no graph to cut. Real shape (LightZero UniZero): `return_log_dict = {...: loss.item()}`
    and `return_log_dict[k] = logits.max().item()` under `torch.no_grad()` were a "Gradient cut added on
    returns" (critical), the dictionary being returned to the caller for its logs."""
    return not _graph_names(value, HOST - DETACHING)


def _from_cut_values(value: ast.expr, cut: dict[str, bool]) -> bool:
    """The value reads only locals whose every earlier definition is already cut from the graph (the
    names of called modules and classes aside): `entropy = -next_log_prob` under the `no_grad` that also
    computed `next_log_prob` adds no cut. Real shape: JORLDY's SAC rewrite, "Gradient cut added on entropy"
    (critical) for `entropy = -next_log_prob` in the target's `no_grad` block."""
    called = {id(sub.func) for sub in ast.walk(value) if isinstance(sub, ast.Call)}
    reads = set()
    for sub in ast.walk(value):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and not (id(sub) in called and sub.id not in cut):
            reads.add(sub.id)
        elif isinstance(sub, ast.Attribute) and id(sub) in called:
            root = sub.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in cut:
                called.add(id(root))
    return bool(reads) and all(cut.get(name, False) for name in reads)


def runs_without_grad(fn: FunctionInfo) -> bool:
    """The whole body of `fn` runs without gradients: a `@torch.no_grad()` / `@torch.inference_mode()`
    decorator, or every statement (a docstring aside) inside a `with torch.no_grad():`."""
    node = fn.node
    if any(is_no_grad(d) for d in getattr(node, "decorator_list", [])):
        return True
    body = [st for st in getattr(node, "body", []) if not (isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant))]
    return bool(body) and all(isinstance(st, ast.With | ast.AsyncWith)
                              and any(is_no_grad(item.context_expr) for item in st.items) for st in body)


def _same_gradient_context(feature: Feature, ctx: DetectorContext) -> bool:
    """A `no_grad` cut whose scope is opened by a function that runs wholly without gradients at both
    commits (`runs_without_grad` for it and for its counterpart): whatever code moved in or out of that
    scope, the values it computes had no gradients before either, so no cut was added or removed. The
    scope is the outermost one on the inlining chain (`Site.no_grad_from`): a new helper called from
    it keeps its context, decorated or not.

    Real shape (NeMo-Aligner 3b51a3cb..af2b3bd9, nemo_aligner/algorithms/supervised.py:106): the body
    of `@torch.no_grad() def run_validation` moved into a new `@torch.no_grad() def
    run_validation_one_dataset(self, key)` that `run_validation` calls once per validation set; the
    statements now read `loss, metrics = ...`, so `SupervisedTrainer.fit`'s walk counted more `loss`
    cuts under `no_grad` than before: a false critical "Gradient cut added on loss" (validation never
    had gradients). A training loss computed under a `no_grad` scope that is new (a decorator added,
    or the loss moved into a `no_grad` helper) is still a cut."""
    site = feature.site
    if not site.no_grad or "(no_grad" not in feature.text:
        return False
    chain = site.chain or (site.fn,)
    if not 0 <= site.no_grad_from < len(chain):
        return False
    opener = chain[site.no_grad_from]
    if not runs_without_grad(opener):
        return False
    other = ctx.pairs.counterpart(opener)
    if other is None:  # a function of a file the range does not change is the same function at both commits
        return not opener.is_module and ctx.pairs.change_for(opener.path, opener.side) is None
    return runs_without_grad(other)


def _exclusive(a: Site, b: Site) -> bool:
    """The two sites lie in different arms of one `if` (across inlining): no run executes both in one pass."""
    arms = dict(a.branches)
    return any(if_id in arms and arms[if_id] != arm for if_id, arm in b.branches)


def _cut_names(f: Feature) -> set[str]:
    found = assignment(f.site.node)
    return set(assigned_names(found[0])) if found is not None else set()


def _mirrors(features: list[Feature]) -> set[int]:
    """The features (ids) that repeat an earlier one's cut in a sibling arm of an `if`: the same key, a local of
    the same name, exclusive sites (`_exclusive`). Whichever arm runs, the code after it reads that local cut
    alike: such a repeat adds no cut to any one path."""
    out: set[int] = set()
    for k, f in enumerate(features):
        names = _cut_names(f)
        if names and any(g.key == f.key and _exclusive(f.site, g.site) and names & _cut_names(g)
                         for g in features[:k]):
            out.add(id(f))
    return out


def _own(f: Feature) -> bool:
    return not f.text.endswith(INHERITED + ")")


def _per_path(only: list[Feature], side: list[Feature], other: list[Feature]) -> list[Feature]:
    """Per key, at most as many of `only` as this side's cuts on one path exceed the other side's: a feature
    counts per path, not per arm (`_mirrors` do not count), and a cut of values already cut (`INHERITED`) adds
    none of its own but pairs with a cut of the other side (an extra one must not leave an own cut of this side
    unpaired). Mirrors and inherited cuts are the first left out.

    Real shapes (pomdp-baselines 8d188955..c16ac3db): the target's `with torch.no_grad():` gained an SAC-discrete
    arm `else: new_probs, new_log_probs = self.actor(...)` beside `elif SAC: new_actions, new_log_probs =
    self.actor(...)` (policies/models/policy_rnn.py:214; policy_mlp.py:143, the same through an inlined `act`),
    and `min_next_q_target = (next_prob * min_next_q_target).sum(-1)` in that block (policy_mlp.py:189, cut
    already): critical "Gradient cut added on logprob(, returns)", two false criticals. A new arm that cuts a
    local no sibling arm cuts stays a cut added."""
    if not only:
        return only
    mirror_side, mirror_other = _mirrors(side), _mirrors(other)
    allowed = Counter(f.key for f in side if _own(f) and id(f) not in mirror_side)
    allowed.subtract(Counter(f.key for f in other if id(f) not in mirror_other))
    ranked = sorted(only, key=lambda f: id(f) in mirror_side)
    kept: set[int] = set()
    for f in ranked:
        if allowed[f.key] > 0:
            allowed[f.key] -= 1
            kept.add(id(f))
    return [f for f in only if id(f) in kept]


class DetachGradDetector(FeatureDetector):
    meta = DetectorMeta(
        id="detach_grad",
        title="Gradient cut on a loss path",
        subsystem="ppo",
        severity=Severity.critical,
        severity_note="targets detached: low",
        note="only values that reach `backward()`",
        rationale=(
            "A `.detach()` or `torch.no_grad()` added on a tensor the loss is computed from stops "
            "gradients (that part of the network no longer learns); removing one lets gradients flow "
            "into targets that must be constants (moving-target critic, biased advantages)."
        ),
        fix="Restore the baseline gradient boundaries: detach only targets (returns, advantages, old log-probs).",
        hypotheses=["ppo.loss_gradient_blocked"],
        confidence=0.75,
        keywords=r"\.detach\(\)|no_grad",
    )

    def applicable(self, pair: FunctionPair, ctx: DetectorContext) -> bool:
        return computes_loss(ctx.sites(pair.base)) or computes_loss(ctx.sites(pair.cand))

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        inlined = inlined_call_assigns(sites)
        position = {id(s): i for i, s in enumerate(sites)}
        assign_list = [(position[id(st)], node, value) for st, node, value in assigns(sites)]
        backward_sites = [st for st, c, _name in calls(sites) if method_name(c) == "backward"]
        # functions that step the environment are the rollout: no_grad there is inference, not a cut
        rollout = {id(st.fn) for st, c, name in calls(sites) if env_step(c) or last_name(name) == "env_step"}
        cut: dict[str, bool] = {}  # local name -> every definition so far is cut from the graph
        cut_calls: set[tuple[str, tuple[str, int]]] = set()  # (role, call) of the callers' cuts already counted
        hosted: set[str] = set()  # locals holding a host number read off a learned quantity (`lp.mean().item()`)
        for site, node, value in assigns(sites):
            if id(node) in inlined:
                # what an inlined call returns under `no_grad` is cut like any value computed there
                for name in assigned_names(node):
                    cut[name] = site.no_grad and cut.get(name, True)
                    hosted.discard(name)
                continue
            how = "no_grad" if site.no_grad else "detach" if _detaches(value) or (
                _detaches(value, hosted, host_reads=True) and reached_backward(position[id(site)], sites, assign_list)
            ) else None
            # a callee's statement under its caller's `no_grad` is that call's cut (`callers_cut`), not inherited
            already = how is not None and callers_cut(site) is None and _from_cut_values(value, cut)
            for name in assigned_names(node):
                cut[name] = how is not None and cut.get(name, True)
                if _hosts_learned(value):
                    hosted.add(name)
                else:
                    hosted.discard(name)
            roles = _roles_of(node)
            if how and host_value(value):  # a host number for the logs: no graph to cut
                continue
            if not roles:
                continue
            if how and not roles <= TARGETS and (
                (how == "no_grad" and (id(site.fn) in rollout or not _in_update(site, backward_sites)))
                or not reaches_loss(position[id(site)], sites, assign_list)
            ):
                roles &= TARGETS  # rollout, inference, logging or stats: not a cut of the loss
            if how and roles:
                names = ", ".join(assigned_names(node))
                said = f"{names} ({how}{INHERITED if already else ''})"
                scope = callers_cut(site) if how == "no_grad" else None
                for r in sorted(roles):
                    if scope is not None:
                        if (r, scope) in cut_calls:
                            continue
                        cut_calls.add((r, scope))
                    out.append(Feature((r, how == "no_grad" or how == "detach"), site, said))
        for site, call, _name in calls(sites):
            if method_name(call) == "backward" and site.no_grad and not _untaken_by_argument(site):
                out.append(Feature(("backward", True), site, "backward() inside no_grad"))
        return out

    def _new_losses(self, pair: FunctionPair, ctx: DetectorContext, only_cand: list[Feature]) -> set[str]:
        """The losses the added cuts flow into, when every one of them is absent at the baseline."""
        sites = ctx.sites(pair.cand)
        position = {id(s): i for i, s in enumerate(sites)}
        assign_list = [(position[id(st)], node, value) for st, node, value in assigns(sites)]
        reached: set[str] = set()
        # cuts of targets are low whatever they reach (the textbook form): they neither make nor block a new loss
        live = [f for f in only_cand if f.key[0] not in TARGETS]
        for f in live:
            if id(f.site) not in position:
                return set()
            hit = reached_backward(position[id(f.site)], sites, assign_list)
            if not hit:
                return set()
            reached |= hit
        return reached if not reached & backward_losses(ctx.sites(pair.base)) else set()

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        # a cut on values already cut is neither added nor removed: it matches a cut of the other side, and
        # alone it changes nothing (`entropy = -next_log_prob` in the `no_grad` that made `next_log_prob`)
        only_base = [f for f in only_base if not f.text.endswith(INHERITED + ")") and not _same_gradient_context(f, ctx)]
        only_cand = [f for f in only_cand if not f.text.endswith(INHERITED + ")") and not _same_gradient_context(f, ctx)]
        only_base = _per_path(only_base, base, cand)
        only_cand = _per_path(only_cand, cand, base)
        if not only_base and not only_cand:
            return []
        if only_cand:
            roles = sorted({f.key[0] for f in only_cand})
            new_losses = self._new_losses(pair, ctx, only_cand)
            if new_losses:  # detached inputs of a loss the baseline did not have: new code, not a cut
                return [feature_hit(
                    f"Detached inputs in a new loss ({', '.join(f'`{n}`' for n in sorted(new_losses)[:2])}): "
                    f"{', '.join(roles)}", pair, only_base, only_cand, severity=Severity.low, confidence=0.5)]
            if set(roles) <= TARGETS:  # targets detached: the textbook form, not a cut of the learning signal
                return [feature_hit(f"Gradient cut added on {', '.join(roles)} (targets: the textbook form)", pair,
                                    only_base, only_cand, severity=Severity.low, confidence=0.5)]
            return [feature_hit(f"Gradient cut added on {', '.join(roles)}", pair, only_base, only_cand)]
        roles = sorted({f.key[0] for f in only_base})
        return [feature_hit(f"Gradient cut removed from {', '.join(roles)}", pair, only_base, [],
                            severity=Severity.significant, confidence=0.65)]
