"""Optimizer class and constructor hyperparameters written in code (eps, betas, weight decay)."""

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
from investigator.detectors.configref import factory_choice
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, canon
from investigator.detectors.stored import stored_value
from investigator.models import Severity
from investigator.pyast import copy_tree, last_name, unparse

OPTIMIZERS = re.compile(r"^(Adam|AdamW|SGD|RMSprop|Adagrad|Adamax|NAdam|RAdam|Lion|Adafactor|LAMB|Lamb|SparseAdam)$")


class OptimizerCtorDetector(FeatureDetector):
    meta = DetectorMeta(
        id="optimizer_ctor",
        title="Optimizer construction",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "The optimizer class and its hyperparameters (Adam eps 1e-5 in PPO, betas, weight decay) "
            "set the effective step size; a changed eps or class changes training dynamics."
        ),
        fix="Restore the baseline optimizer class and constructor arguments.",
        hypotheses=["trainer.optimizer_changed"],
        confidence=0.8,
        keywords=r"optim\.\w+\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out: list[Feature] = []
        for site, call, name in calls(sites):
            if isinstance(call.func, ast.Call):  # `resolve_optimizer("adam")(params, lr=lr)`
                resolver = ctx.flows[fn.side].resolve(call.func, site.fn)
                name = factory_choice(call.func, site.fn, site.bindings, resolver) or name
            tail = last_name(name)
            if OPTIMIZERS.match(tail) and ("optim" in name or name == tail):
                kws = tuple(sorted(f"{k.arg}={canon(k.value, site)}" for k in call.keywords if k.arg))
                stored = tuple(sorted(f"{k.arg}={canon(_popped_as_read(stored_value(k.value, site.fn, site.line)), site)}"
                                      for k in call.keywords if k.arg))
                out.append(Optimizer((tail, kws), site, unparse(call, 100), params=_params(call), stored=stored))
        return out + shared_parameters(out)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        shared = [f for f in only_cand if f.key[0] == SHARED]
        hits = []
        if shared:
            hits.append(feature_hit(
                f"Two optimizers built over the same parameters: `{shared[0].key[1]}`", pair, [], shared[:1],
                severity=Severity.significant, confidence=0.75,
                fix="Give each optimizer the parameters of the network it trains, as the baseline did (the network "
                    "whose parameters no optimizer holds any more is no longer trained)."))
        base = [f for f in base if f.key[0] != SHARED]
        cand = [f for f in cand if f.key[0] != SHARED]
        only_base = [f for f in only_base if f.key[0] != SHARED]
        only_cand = [f for f in only_cand if f.key[0] != SHARED]
        return hits + self._describe(pair, base, cand, only_base, only_cand)

    def _describe(self, pair: FunctionPair, base, cand, only_base, only_cand) -> list[Hit]:
        only_base, only_cand = _same_stored(only_base, only_cand, base, cand)
        if not only_base and not only_cand:
            return []
        only_base, only_cand = _pair_by_params(only_base, only_cand)
        if only_base and only_cand and _params_of(only_base[0]) != _params_of(only_cand[0]):
            # equal keys matched two different optimizers: compare each with its own at the other side
            fc = next((f for f in cand if _params_of(f) == _params_of(only_base[0]) and f.key != only_base[0].key), None)
            if fc is not None:
                only_base, only_cand = only_base[:1], [fc]
        b = only_base[0].text if only_base else "-"
        c = only_cand[0].text if only_cand else "-"
        if only_base and only_cand and _params_of(only_base[0]) != _params_of(only_cand[0]):
            title = f"Optimizers changed: `{b}` no longer built, `{c}` built (different parameters)"
        else:
            title = f"Optimizer changed: `{b}` -> `{c}`"
        return [feature_hit(title, pair, only_base, only_cand)]


@dataclass(frozen=True)
class Optimizer(Feature):
    params: str = ""  # what it optimises, as written (the first argument)
    stored: tuple[str, ...] = ()  # the keywords with stored values read where computed (detectors/stored.py)


def _same_stored(only_base: list[Feature], only_cand: list[Feature], base: list[Feature] | None = None,
                 cand: list[Feature] | None = None) -> tuple[list[Feature], list[Feature]]:
    """Optimizers that differ only in where an argument is read from (`model=policy` with the local
    `policy = self.policies[uid]` -> `model=self.policies[uid]`): each such pair is dropped. The key
    pairing may have matched another optimizer with the same written keywords (two `lr=<local>`): the
    same stored values and parameters at the other commit pair it again (rsl_rl's RND optimizer, `lr=rnd_lr`
    beside the policy's `lr=learning_rate`)."""
    left = list(only_cand)
    kept: list[Feature] = []
    for fb in only_base:
        match = next((fc for fc in left if _same_optimizer(fb, fc)), None)
        if match is None:
            match = _repaired(fb, left, base or [], cand or [])
        if match is None:
            kept.append(fb)
        else:
            left.remove(match)
    return kept, left


def _same_optimizer(fb: Feature, fc: Feature, params: bool = False) -> bool:
    return isinstance(fb, Optimizer) and isinstance(fc, Optimizer) and fb.key[0] == fc.key[0] \
        and fb.stored == fc.stored and (not params or fb.params == fc.params)


def _repaired(fb: Feature, left: list[Feature], base: list[Feature], cand: list[Feature]) -> Feature | None:
    """The leftover candidate optimizer that pairs with the baseline one whose key partner is `fb`'s
    stored twin, when both re-pairings hold (same stored values and parameters), else None."""
    twin = next((fc for fc in cand if fc not in left and _same_optimizer(fb, fc, params=True)), None)
    if twin is None:
        return None
    for other in (f for f in base if f.key == twin.key and f is not fb):
        found = next((fl for fl in left if fl.key == twin.key and _same_optimizer(other, fl, params=True)), None)
        if found is not None:
            return found
    return None


SHARED = "shared_params"


def shared_parameters(optimizers: list[Feature]) -> list[Feature]:
    """One feature per parameter source that two optimizers built by the same code (not in exclusive arms of
    one `if`) both step: `optim_value = Adam(value_net.parameters())` and `optim_discrim =
    Adam(value_net.parameters())`. The second trains the first's network with another loss, and the network it
    was meant for is trained by none. Real shape: PyTorch-RL 392cb65 (bug re-applied), gail/gail_gym.py:79: the
    module-level `optimizer_discrim = torch.optim.Adam(value_net.parameters(), ...)` (was `discrim_net`),
    silent (the statement sits among a script's argument parsing, read as configuration plumbing)."""
    seen: dict[str, list[Feature]] = {}
    calls: set[int] = set()
    for f in optimizers:
        params = _params_of(f)
        if not params or id(f.site.node) in calls or not _names_a_source(params):
            continue
        calls.add(id(f.site.node))
        seen.setdefault(params, []).append(f)
    out: list[Feature] = []
    for params, found in seen.items():
        both = [(a, b) for i, a in enumerate(found) for b in found[i + 1:] if not _exclusive(a.site, b.site)]
        if both:
            out.append(Feature((SHARED, params), both[0][1].site, both[0][1].text))
    return out


def _names_a_source(params: str) -> bool:
    """`value_net.parameters()`, `self.critic.parameters()`: a network's parameters, not a parameter list handed
    in (`params`, the argument of a helper that builds each optimizer). Also a parameter-gathering helper over
    named networks (`get_parameters(self.model_modules)`, `trainable_params(model.encoder)`): a call whose callee
    names parameters, with attribute arguments only (each names a network or a list of networks the object
    holds, so the same call gathers the same parameters). Real shape: dreamer-pytorch 36be1da0..e23d09d2
    `dreamer/algos/dreamer_algo.py:107` `self.value_optimizer = torch.optim.Adam(get_parameters(self.model_modules),
    ...)` (was `model.value_model.parameters()`): the value model is in no optimizer any more, while the
    world model is stepped by two; before, "Behavioural change in the optimizer path" #8 (precision set 16)."""
    if params == "self.parameters()":
        return False
    if params.endswith(".parameters()"):
        return True
    try:
        node = ast.parse(params, mode="eval").body
    except SyntaxError:  # cut at 80 characters
        return False
    return isinstance(node, ast.Call) and "param" in last_name(unparse(node.func, 80)).lower() \
        and bool(node.args) and not node.keywords and all(isinstance(a, ast.Attribute) for a in node.args)


def _exclusive(a: Site, b: Site) -> bool:
    arms = dict(a.branches)
    return any(k in arms and arms[k] != v for k, v in b.branches)


def _params(call: ast.Call) -> str:
    first = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "params"), None)
    return unparse(first, 80) if first is not None else ""


def _params_of(f: Feature) -> str:
    return f.params if isinstance(f, Optimizer) else ""


def _pair_by_params(only_base: list[Feature], only_cand: list[Feature]) -> tuple[list[Feature], list[Feature]]:
    """Both sides reordered so that the first of each optimises the same parameters when any pair
    does: a policy-loss optimizer is not compared with an exploration-bonus (RND) optimizer."""
    for fb in only_base:
        for fc in only_cand:
            if _params_of(fb) == _params_of(fc):
                return [fb, *(f for f in only_base if f is not fb)], [fc, *(f for f in only_cand if f is not fc)]
    return only_base, only_cand


def _popped_as_read(value: ast.AST) -> ast.AST:
    """`cfg.pop(key, default)` read as `cfg.get(key, default)`: the same value (the key's, else the
    default); taking the key out only changes what later reads of `cfg` see, which their own statements
    show. Real shape (rsl_rl d38a378b..c49573e4): `optim.Adam(params, lr=rnd_cfg.get("learning_rate",
    1e-3))` became `rnd_lr = rnd_cfg.pop("learning_rate", 1e-3)` then `optim.Adam(params, lr=rnd_lr)`
    ("Optimizer changed", low), so that the RND module no longer receives the key."""
    class AsGet(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            node = self.generic_visit(node)  # type: ignore[assignment]
            if isinstance(node.func, ast.Attribute) and node.func.attr == "pop" and len(node.args) == 2 \
                    and not node.keywords:
                return ast.Call(ast.Attribute(node.func.value, "get", ast.Load()), node.args, [])
            return node

    return AsGet().visit(copy_tree(value))
