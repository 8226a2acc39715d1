"""Done / termination masking dropped from (or added to) the bootstrap of returns and advantages."""

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
from investigator.detectors.moved import moved_to_native_hit
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import (
    assigns,
    mentions_role,
    returned_as_assigns,
    target_roles,
)
from investigator.detectors.roles import role
from investigator.models import Severity
from investigator.pyast import as_load, call_name, dotted, last_name, unparse

DONE = {"dones", "truncations"}


def is_mask(expr: ast.AST) -> bool:
    """`1 - done`, `1.0 - dones[t + 1]`, `~done`, `logical_not(done)`, `done.logical_not()`, `(1 - d.float())`."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub) and isinstance(expr.left, ast.Constant):
        return mentions_role(expr.right, DONE)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Invert | ast.Not):
        return mentions_role(expr.operand, DONE)
    if isinstance(expr, ast.Call) and last_name(call_name(expr)) in {"logical_not", "bitwise_not"}:
        if any(mentions_role(a, DONE) for a in expr.args):
            return True
        # the method form, `terminated.logical_not()` (skrl 2.0's torch GAE)
        return not expr.args and isinstance(expr.func, ast.Attribute) and mentions_role(expr.func.value, DONE)
    return False


def masked_refs(mask: ast.AST, loop_vars: set[str]) -> set[tuple[str, str]]:
    """The done signals a mask reads: (role, time offset or 'plain'), e.g. ('dones', '+1')."""
    from investigator.detectors.rules.gae_index import offset

    refs: set[tuple[str, str]] = set()
    subscripted: set[int] = set()
    for sub in ast.walk(mask):
        if not isinstance(sub, ast.Subscript):
            continue
        subscripted.add(id(sub.value))
        r = role(last_name(dotted(sub.value)) or "_")
        if r in DONE:
            parts = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
            offs = [o for o in (offset(p, loop_vars) for p in parts) if o is not None]
            refs.add((r, offs[0] if offs else "indexed"))
    for sub in ast.walk(mask):
        if isinstance(sub, ast.Name) and id(sub) not in subscripted and role(sub.id) in DONE:
            refs.add((role(sub.id) or "dones", "plain"))
    return refs


# calls that hand their operand on as it is (a cast, a reshape): `x * dones.float()` multiplies by the dones
_CONVERSIONS = {"float", "double", "int", "long", "bool", "to", "type", "astype", "reshape", "view", "unsqueeze",
                "squeeze", "expand_dims", "flatten", "detach", "clone", "as_tensor", "tensor", "array", "asarray",
                "from_numpy", "cast", "type_as", "expand_as", "view_as"}


def done_factor(expr: ast.AST) -> bool:
    """A factor that is a done signal: it names one (`dones[t + 1]`, `self.masks`, `gamma * not_done`), through
    conversions (`dones.float()`, `torch.as_tensor(masks)`). A call of any other function is its result, not
    its arguments: `value_mask(buffer, terminal)` multiplies by what the function returns, whatever its
    argument is named (tianshou's `terminal` holds buffer indices; renamed `indices_after_n_steps_I`, the
    same call read as "done masking removed")."""
    while isinstance(expr, ast.Call) and last_name(call_name(expr)) in _CONVERSIONS:
        if isinstance(expr.func, ast.Attribute) and not (isinstance(expr.func.value, ast.Name)
                                                        and expr.func.value.id in {"torch", "np", "numpy", "jnp", "tf"}):
            expr = expr.func.value  # `dones.float()`
        elif expr.args:
            expr = expr.args[0]  # `torch.as_tensor(dones)`
        else:
            return False
    if isinstance(expr, ast.Call):
        return role(last_name(call_name(expr)) or "_") in DONE
    return any(mentions_role(part, DONE) for part in _operands(expr))


def _operands(expr: ast.AST) -> list[ast.AST]:
    """The leaves of an arithmetic expression, calls kept whole (their arguments are not operands). A sum
    or difference of a done signal and something that is none (`terminal - current`) is no done signal:
    arithmetic on positions, not a flag (`index_difference`)."""
    if isinstance(expr, ast.BinOp) and index_difference(expr):
        return []
    if isinstance(expr, ast.BinOp):
        return _operands(expr.left) + _operands(expr.right)
    if isinstance(expr, ast.UnaryOp):
        return _operands(expr.operand)
    if isinstance(expr, ast.Call):
        return [expr] if done_factor(expr) else []
    return [expr]


def index_difference(expr: ast.BinOp) -> bool:
    """`terminal - current`, `done_idx + offset`: a done-named value added to or subtracted from a value that
    names no done signal and is no constant. A flag is masked with `1 - done` (a constant) or multiplied;
    an episode's last index minus the current one is a length. Real shape: tianshou v0.4.11..v0.5.0 rewrote
    HER's `np.random.uniform(size=n) * (terminal - current)` (`terminal`: buffer indices of episode ends)
    as `* episodes_len`, one of three places of a false "Done masking removed" (critical)."""
    if not isinstance(expr.op, ast.Add | ast.Sub):
        return False
    sides = (expr.left, expr.right)
    if any(isinstance(side, ast.Constant) for side in sides):
        return False
    named = [mentions_role(side, DONE) for side in sides]
    return named[0] != named[1]


def derives_termination(roles: tuple[str, ...], mask: ast.AST, loop_vars: set[str]) -> bool:
    """A done signal assigned from a mask of truncations only: `terminated = logical_and(done, ~truncated)`
    makes the termination flag out of the done and time-limit flags (gym's old four-value step), it masks
    no bootstrapped value. Real shape: tianshou v0.4.11..v0.5.0 dropped that legacy branch of
    `Collector.collect` (gymnasium's step returns `terminated` itself), two of three places of a false
    "Done masking removed" (critical). A mask of dones assigned to a done-named value (`masks = 1 - dones`)
    stays a mask."""
    refs = masked_refs(mask, loop_vars)
    return roles == ("dones",) and bool(refs) and all(r == "truncations" for r, _ in refs)


def _augmented_value(node: ast.stmt, value: ast.expr) -> ast.expr:
    """`x *= m` is `x = x * m`: the product is what the masking reads."""
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Mult):
        return ast.copy_location(ast.BinOp(left=as_load(node.target), op=ast.Mult(), right=value), node)
    return value


_AGGREGATES = {"sum", "mean", "nansum", "nanmean"}
_ARRAY_LIBS = {"torch", "np", "numpy", "jnp", "tf", "jax"}


def aggregated(call: ast.Call) -> ast.expr | None:
    """The operand a call reduces to one number (`x.sum()`, `x.mean()`, `torch.sum(x)`, `np.mean(x)`;
    no axis), else None."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in _AGGREGATES or any(k.arg in {"dim", "axis"} for k in call.keywords):
        return None
    if isinstance(func, ast.Attribute) and not (isinstance(func.value, ast.Name) and func.value.id in _ARRAY_LIBS):
        return None if call.args else func.value
    return call.args[0] if len(call.args) == 1 else None


class ScalarTerms:
    """Which products of a walk only weight the terms of a whole-batch sum or mean: `(loss * mask).sum() /
    mask.sum()`, or `w = weights * mask` read (on its path, after it) only inside such sums. That masks the
    terms of one number (a loss, a statistic), never a per-step bootstrapped value (torchrl 0.13.3: a
    loss-reduction helper's optional validity mask, `_reduce(loss, mask=...)`, read as the done mask of a
    return; its call moved into a base-class method, a false critical "Done masking removed"). Computed on
    first use."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self._inside: set[int] | None = None
        self._loads: dict[tuple[int, str], list[tuple[int, Site]]] = {}
        self._order: dict[int, int] = {}

    def _build(self) -> set[int]:
        inside: set[int] = set()
        for i, site in enumerate(self.sites):
            self._order.setdefault(id(site.node), i)
            n = site.node
            if isinstance(n, ast.Call) and (operand := aggregated(n)) is not None:
                inside.update(id(sub) for sub in ast.walk(operand))
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                self._loads.setdefault((id(site.fn), n.id), []).append((i, site))
        self._inside = inside
        return inside

    def weights_a_sum(self, product: ast.BinOp, site: Site, node: ast.stmt, value: ast.expr) -> bool:
        """`product` is summed whole, or is the value of a name read only inside whole sums."""
        inside = self._inside if self._inside is not None else self._build()
        if id(product) in inside:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else []
        if product is not value or len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return False
        at = self._order.get(id(node), -1)
        arms = dict(site.branches)
        reads = [s for i, s in self._loads.get((id(site.fn), targets[0].id), [])
                 if i > at and all(arms.get(k, v) == v for k, v in s.branches)]
        return bool(reads) and all(id(s.node) in inside for s in reads)


# what a policy reads, reset (zeroed) where an episode ends: a stacked frame, a recurrent state
_EPISODE_INPUT = re.compile(r"obs|observ|frame|hidden|(^|_)[hc](xs?)?($|_)|states?($|_)|rnn|lstm|gru|memor|recurrent")


def input_resets(value: ast.expr) -> list[ast.BinOp]:
    """Products of `value` that multiply an input of the policy by a done signal: `current_obs * masks`
    clears a frame stack, `hxs * masks` (or `states * masks`) a recurrent state, where an episode ended.
    That resets what the policy sees next, not a bootstrapped value (pytorch-a2c-ppo-acktr-gail
    11efdeb..12c3934: the frame-stack reset moved into a vector-env wrapper, "Done masking removed from the
    return/advantage computation", critical). The input is a name with no role of its own (not a value,
    return, reward)."""
    out = []
    for sub in ast.walk(value):
        if not (isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mult)):
            continue
        for mask, other in ((sub.left, sub.right), (sub.right, sub.left)):
            if (done_factor(mask) or is_mask(mask)) and _episode_input(other):
                out.append(sub)
                break
    return out


def _episode_input(expr: ast.AST) -> bool:
    while isinstance(expr, ast.Subscript | ast.Call):
        expr = expr.value if isinstance(expr, ast.Subscript) else expr.func
        if isinstance(expr, ast.Attribute) and isinstance(expr.ctx, ast.Load) and expr.attr in _CONVERSIONS:
            expr = expr.value
    name = last_name(dotted(expr)) if isinstance(expr, ast.Name | ast.Attribute) else ""
    return bool(name) and role(name) is None and bool(_EPISODE_INPUT.search(name.lower()))


_FILL_CALLS = {"masked_fill", "masked_fill_", "where"}


def _large_negative(expr: ast.AST) -> bool:
    """`-inf`, `float('-inf')`, `-torch.finfo(x.dtype).max`, `-1e9`, `torch.finfo(x.dtype).min`,
    `-np.inf`, `max_neg_value(sim)`: a fill that removes a logit from a softmax, never a masked return."""
    text = unparse(expr, 200).replace(" ", "").lower()
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = expr.operand
        if isinstance(inner, ast.Constant) and isinstance(inner.value, int | float) and inner.value >= 1e4:
            return True
        return bool(re.search(r"inf|max|finfo", text))
    return bool(re.search(r"-inf|finfo\(.*\)\.min|max_neg|neg_inf|large_neg", text))


def logit_fill_masks(value: ast.expr) -> set[int]:
    """The nodes of masks that only pick which logits a softmax ignores: the condition of
    `sim.masked_fill(~mask, -torch.finfo(sim.dtype).max)` or `torch.where(mask, logits, -inf)` (a fill by a
    large negative number). That is an attention key-padding (or causal, or action) mask, not a done mask
    of a bootstrapped value: a return is never filled with minus infinity. Real shape: PaLM-rlhf-pytorch
    (2bb47d4 -> 9945933, palm_rlhf_pytorch/palm.py:248) moved the key-padding `masked_fill(~mask, ...)` of
    `ParallelTransformerBlock.forward` into an `Attend` module: a false critical "Done masking removed from
    the return/advantage computation"."""
    out: set[int] = set()
    for sub in ast.walk(value):
        if not (isinstance(sub, ast.Call) and last_name(call_name(sub)) in _FILL_CALLS):
            continue
        args = list(sub.args)
        method = isinstance(sub.func, ast.Attribute) and not (
            isinstance(sub.func.value, ast.Name) and sub.func.value.id in _ARRAY_LIBS)
        if last_name(call_name(sub)) == "where":
            if len(args) == 3 and any(_large_negative(a) for a in args[1:]):
                out.update(id(n) for n in ast.walk(args[0]))
        elif method and len(args) >= 2 and _large_negative(args[1]):
            out.update(id(n) for n in ast.walk(args[0]))
        elif not method and len(args) >= 3 and _large_negative(args[2]):
            out.update(id(n) for n in ast.walk(args[1]))
    return out


INHERITED = "inherited"
RETURNED = "returned"  # a done factor in a returned product (`DoneMaskDetector.describe`)


def inherited_masks(read: list, found: list[Feature]) -> list[Feature]:
    """A quantity assigned as a sum of quantities masked in the same function carries their mask:
    `returns = values + advantages` after a GAE recursion that masks `advantages` with `masks[i]` masks
    the returns as much as the Monte-Carlo recursion `returns[i] = rewards[i] + gamma * prev_return *
    masks[i]` it replaced. Without this the rewrite read as a removed mask. Real shape: PyTorch-RL
    aaaf0f8..15afe79, core/common.py `estimate_advantages`: the MC returns became
    `returns = values + advantages`): a false critical "Done masking removed from the return/advantage
    computation". Only names read as operands of arithmetic count, never a call's arguments. These features only
    answer a removal at the other commit (`DoneMaskDetector.describe`): they never report one themselves."""
    masked = {str(r) for f in found if f.key[0] == "masked_by" and isinstance(f.key[1], tuple)
              for r in f.key[1] if r != "other"}
    out: list[Feature] = []
    if not masked:
        return out
    for site, node, value, returned in read:
        roles = tuple(sorted(set(target_roles(node))))
        if returned or not roles or set(roles) & (masked | {"dones", "truncations", "loss"}):
            continue
        if not isinstance(value, ast.BinOp):
            continue
        leaves = _sum_leaves(value)
        names = {role(last_name(dotted(leaf)) or "_") for leaf in leaves}
        if names & masked and not any(done_factor(leaf) for leaf in leaves):
            inherited = sorted(str(r) for r in names & masked)
            out.append(Feature((INHERITED, roles), site, f"{unparse(value, 60)} (masked through {', '.join(inherited)})"))
    return out


def _sum_leaves(expr: ast.AST) -> list[ast.AST]:
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        return _sum_leaves(expr.left) + _sum_leaves(expr.right)
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    return [expr] if isinstance(expr, ast.Name | ast.Attribute) else []


TRUNCATION_FIX = (
    "A fix when a truncated step bootstraps from its true final observation (the textbook form: a time "
    "limit is not a terminal state; off-policy replay stores that observation, or the code adds "
    "`gamma * V(final obs) * truncated` to the reward); a regression when auto-resetting environments hand "
    "back the next episode's first observation. Check which one the candidate does."
)


def truncation_only(only_base: list[Feature], cand: list[Feature]) -> bool:
    """Only truncation signals left the masks, and the candidate still masks with a termination signal:
    the change is *which* episode ends stop the bootstrap, not whether any do (skrl 2.0:
    `logical_not(terminated | truncated)` -> `logical_not(terminated)`)."""
    gone = {_masked_signal(f) for f in only_base}
    kept = {_masked_signal(f) for f in cand}
    return gone == {"truncations"} and "dones" in kept


def _masked_signal(f: Feature) -> str | None:
    """The role a mask feature reads (`("mask", ("dones", "+1"))` -> "dones"); None for other features."""
    ref = f.key[1] if f.key[0] == "mask" else None
    return str(ref[0]) if isinstance(ref, tuple) else None


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def went_with_the_return(pair: FunctionPair, only_base: list[Feature], ctx: DetectorContext) -> bool:
    """Every removed mask is a generic `mask` (named for no episode end) inside a helper the baseline called
    and the candidate no longer reaches, and the candidate discounts nothing: the whole discounted return was
    replaced (returns_target reports that), no mask was taken out of a return that is still computed. Real
    shape: planet 27e776cd..c04226b6 (planet/control/planning.py:46): the planner's
    `discounted_return(reward, length, discount)` (its `mask` from `timestep < length`, all ones over the
    horizon) became `objective_fn(state)`, an undiscounted sum: read as "Done masking removed" (critical)."""
    from investigator.detectors.roles import generic_mask
    from investigator.detectors.rules.gae_index import DISCOUNT

    helpers = set()
    for f in only_base:
        if f.site.depth == 0 or f.site.fn is pair.base:
            return False
        names = [n for n in _IDENT.findall(f.text) if role(last_name(n) or "_") == "dones"]
        if not names or not all(generic_mask(last_name(n) or n) for n in names):
            return False
        helpers.add((f.site.fn.path, f.site.fn.qualname))
    reached: dict[tuple[str, str], FunctionInfo] = {}
    for s in ctx.sites(pair.cand):
        reached.setdefault((s.fn.path, s.fn.qualname), s.fn)
    if helpers & set(reached):
        return False
    for fn in reached.values():  # the whole text of each function reached (a lambda is no site of the walk)
        for n in ast.walk(fn.node):
            name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else \
                n.arg if isinstance(n, ast.arg) else ""
            if name and DISCOUNT.search(name):
                return False
    return True


class DoneMaskDetector(FeatureDetector):
    set_semantics = True  # which done signals are masked, and which quantities are masked
    meta = DetectorMeta(
        id="done_mask",
        title="Done masking of bootstrapped values",
        subsystem="ppo",
        severity=Severity.critical,
        severity_note="moved into a compiled extension: low; only a truncation dropped while terminations still mask: significant",
        rationale=(
            "Without `(1 - done)` masking the return of a finished episode bootstraps from the first "
            "state of the next episode: value targets leak across episode boundaries."
        ),
        fix="Restore the `(1 - done)` factor on the bootstrapped value and on the GAE recursion.",
        hypotheses=["ppo.gae_changed", "vecenv.done_handling_changed"],
        confidence=0.85,
        keywords=r"1(\.0)?\s*-\s*\w*(done|terminal)",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        terms = ScalarTerms(sites)
        read = [(site, node, value, False) for site, node, value in assigns(sites)]
        read += [(site, node, value, True) for site, node, value in returned_as_assigns(sites)]
        for site, node, value, returned in read:
            # a returned value has no name of its own (the function's name stands for it): only its masks
            # are read, not which quantity a done flag multiplies
            value = _augmented_value(node, value)
            # a loss weighted by a named mask (`loss *= mask.float()`: padding, valid steps, an ensemble's
            # bootstrap sample) masks the loss, not a bootstrapped value: no `masked_by` feature (d3rlpy 2.0
            # removed its ensemble's bootstrap masks, read as "Done masking removed", critical)
            roles = tuple(sorted(set(target_roles(node)))) or ("other",)
            # `timeouts = logical_and(logical_not(terminals), episode_ends)` derives which episode ends are
            # time limits (d3rlpy 2.0's dataset loader): a truncation signal made, not a bootstrap masked
            derived = roles == ("truncations",)
            resets = input_resets(value) if not returned else []
            out += [Feature(("reset", "inputs"), site, unparse(r, 60)) for r in resets]
            skip = {id(n) for r in resets for n in ast.walk(r)}
            skip |= logit_fill_masks(value)
            for sub in ast.walk(value):
                if id(sub) in skip:
                    continue
                if is_mask(sub) and (derived or derives_termination(roles, sub, site.loop_vars)):
                    continue
                if is_mask(sub):
                    for ref in masked_refs(sub, site.loop_vars):
                        out.append(Feature(("mask", ref), site, unparse(sub, 60)))
                elif (
                    isinstance(sub, ast.BinOp)
                    and isinstance(sub.op, ast.Mult)
                    and not ({"dones", "loss"} & set(roles))
                    and any(done_factor(side) for side in (sub.left, sub.right))
                    and not any(is_mask(side) for side in (sub.left, sub.right))
                    and not terms.weights_a_sum(sub, site, node, value)
                ):
                    # a returned product is kept apart (its quantity has no name): `RETURNED` below
                    out.append(Feature((RETURNED, "return") if returned else ("masked_by", roles), site,
                                       unparse(sub, 60)))
        return out + inherited_masks(read, out)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        # a quantity masked at one commit and built from masked quantities at the other keeps its mask
        kept_c = {f.key[1] for f in cand if f.key[0] == INHERITED}
        kept_b = {f.key[1] for f in base if f.key[0] == INHERITED}
        only_base = [f for f in only_base if f.key[0] != INHERITED
                     and not (f.key[0] == "masked_by" and f.key[1] in kept_c)]
        only_cand = [f for f in only_cand if f.key[0] != INHERITED
                     and not (f.key[0] == "masked_by" and f.key[1] in kept_b)]
        cand = [f for f in cand if f.key[0] != INHERITED]
        # `target_q = r + (1 - dones) * g * q; return target_q` at one commit, `return r + (1 - dones) * g * q` at
        # the other: the done factor is kept, only the local is gone. Real shape: sac-discrete.pytorch
        # d48f9e10..cf2295cd, `SacDiscreteAgent.calc_target_q` (code/agent.py) paired with the split class's
        # `SacdAgent.calc_target_q` (sacd/agent/sacd.py), read as "Done masking removed" (critical)
        returned_b = any(f.key[0] == RETURNED for f in base)
        returned_c = any(f.key[0] == RETURNED for f in cand)
        only_base = [f for f in only_base if f.key[0] != RETURNED and not (f.key[0] == "masked_by" and returned_c)]
        only_cand = [f for f in only_cand if f.key[0] != RETURNED and not (f.key[0] == "masked_by" and returned_b)]
        cand = [f for f in cand if f.key[0] != RETURNED]
        resets_b = [f for f in only_base if f.key[0] == "reset"]
        resets_c = [f for f in only_cand if f.key[0] == "reset"]
        only_base = [f for f in only_base if f.key[0] != "reset"]
        only_cand = [f for f in only_cand if f.key[0] != "reset"]
        hits = self._describe(pair, only_base, cand, only_cand, ctx) if only_base or only_cand else []
        if resets_b or resets_c:
            verb = "removed" if not resets_c else "added" if not resets_b else "changed"
            hits.append(feature_hit(
                f"Episode-end reset of the policy's inputs {verb} (observations or recurrent state)", pair,
                resets_b, resets_c, severity=Severity.significant, confidence=0.5,
                fix="Zero the stacked observations / recurrent state where an episode ended, as the baseline did "
                    "(or check that a wrapper or the model now does it).",
            ))
        return hits

    def _describe(self, pair: FunctionPair, only_base, cand, only_cand, ctx) -> list[Hit]:
        moved = moved_to_native_hit("Done masking", pair, ctx, only_base, DONE | {"values", "rewards"})
        if moved is not None and not only_cand:
            return [moved]
        if only_base and not only_cand and truncation_only(only_base, cand):
            return [feature_hit(
                "Truncation no longer masks the bootstrap (terminations still do)", pair, only_base, [],
                severity=Severity.significant, confidence=0.6, fix=TRUNCATION_FIX,
            )]
        if only_base and not only_cand and went_with_the_return(pair, only_base, ctx):
            return []
        if only_base and not only_cand:
            return [feature_hit("Done masking removed from the return/advantage computation", pair, only_base, [])]
        if only_cand and not only_base:
            return [feature_hit("Done masking added to the return/advantage computation", pair, [], only_cand,
                                severity=Severity.significant, confidence=0.6)]
        return [feature_hit("Done masking changed", pair, only_base, only_cand, severity=Severity.significant,
                            confidence=0.6)]
