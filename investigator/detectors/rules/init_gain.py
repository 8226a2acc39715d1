"""Weight initialisation scheme and gains (orthogonal sqrt(2) / 0.01 / 1.0 convention).

`normal_`, `uniform_` and `trunc_normal_` are also tensor methods that draw random numbers into any
tensor: d3rlpy's CQL draws its random actions with `torch.zeros(shape).uniform_(-1, 1)`. Such a draw is
sampling, not initialisation: a method-form call counts only when its receiver names a parameter
(`layer.weight.data.normal_`, `p.data.uniform_`, `self.bias.uniform_`); the function form
(`nn.init.normal_(w)`, a `layer_init` helper) always counts.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from investigator.detectors.applied_init import applied_inits
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
from investigator.detectors.patterns import calls, canon
from investigator.models import Severity
from investigator.pyast import default_values, dotted, last_name, parameter_defaults, unparse

INIT = re.compile(r"^(layer_init|init_layer|init_weights|orthogonal_|xavier_uniform_|xavier_normal_|kaiming_uniform_|"
                  r"kaiming_normal_|normal_|uniform_|constant_|zeros_|ones_|trunc_normal_|orthogonal_init)$")
TENSOR_METHODS = {"normal_", "uniform_", "trunc_normal_"}  # also `Tensor` methods: random draws into any tensor
INIT_MODULES = {"init", "nn.init", "torch.nn.init"}
PARAMETER = re.compile(r"(^|_)(weight|weights|bias|biases|param|params|parameter|parameters|data|kernel|embedding|emb|w|b|p)"
                       r"($|_|\d)", re.IGNORECASE)

# Keras / TF (`kernel_initializer=`), flax (`kernel_init=`) and haiku (`w_init=`) layers take their
# initialisation as a constructor argument; `tf.keras.initializers.Orthogonal(gain)`,
# `nn.initializers.orthogonal(np.sqrt(2))` build one (the PPO gain convention in JAX code)
INIT_KEYWORDS = {"kernel_initializer", "bias_initializer", "recurrent_initializer", "embeddings_initializer",
                 "kernel_init", "bias_init", "recurrent_kernel_init", "embedding_init", "w_init", "b_init"}
INITIALIZER_MODULE = re.compile(r"(^|\.)initializers\.\w+$")
# methods of a list that happens to be named `initializers` (dreamerv3's `Process.initializers.append(init)`
# registers a subprocess start-up hook): no initialiser is called
CONTAINER_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "copy", "index", "count"})


def _initializer_arguments(site: Site, call: ast.Call, tail: str) -> list[Feature]:
    """One feature per initialiser argument of a layer constructor (`Dense(64, kernel_init=orthogonal(1.0))`).
    `kernel_initializer=None` is the layer library's own default (tf.layers, haiku; Keras reads None as its
    glorot default): no initialisation is chosen, no feature. A parameter of the function handed on
    (`kernel_initializer=kernel_initializer`) whose default is None is a `Forwarded` feature: `describe` drops it
    where the parameter is new (see `_library_default_forwards`)."""
    out: list[Feature] = []
    for k in call.keywords:
        if k.arg in INIT_KEYWORDS:
            if isinstance(k.value, ast.Constant) and k.value.value is None:
                continue
            value = canon(k.value, site)
            text = f"{tail}(..., {k.arg}={unparse(k.value, 60)})"
            param = _none_default_parameter(k.value, site)
            out.append(Forwarded(("init", k.arg, (value,), ()), site, text, param=param) if param
                       else Feature(("init", k.arg, (value,), ()), site, text))
    return out


def _none_default_parameter(value: ast.expr, site: Site) -> str:
    """The name of the analysed function's own parameter `value` hands on when it defaults to None, else ''."""
    node = site.fn.node
    if site.depth != 0 or not isinstance(value, ast.Name) or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return ""
    default = default_values(node).get(value.id)
    return value.id if isinstance(default, ast.Constant) and default.value is None else ""


def _library_default_forwards(pair: FunctionPair, only_cand: list[Feature]) -> list[Feature]:
    """The added features that hand on a parameter new at the candidate, defaulting to None, of a function whose
    baseline took no `**kwargs`: no call the baseline could make passes it, so each gets None, the layer
    library's default initialisation. Real shape: coach ba20396f..2c60cb5a, `Conv2d.__call__` gained
    `kernel_initializer=None` handed to `tf.layers.conv2d(..., kernel_initializer=kernel_initializer)` (for a new
    RND head); "Initialisation call added" was significant, third of its range."""
    base = pair.base.node if pair.base is not None else None
    if not isinstance(base, ast.FunctionDef | ast.AsyncFunctionDef) or base.args.kwarg is not None:
        return []
    had = {p.arg for p, _ in parameter_defaults(base)}
    return [f for f in only_cand if isinstance(f, Forwarded) and f.param not in had]


def initialises_parameter(call: ast.Call) -> bool:
    """A tensor-method draw (`x.uniform_(-1, 1)`) initialises only when `x` names a parameter; any
    other init call (`nn.init.normal_(w)`, `layer_init(layer)`) does."""
    tail = last_name(dotted(call.func) or "")
    if tail not in TENSOR_METHODS or not hasattr(call.func, "value"):
        return True
    receiver = dotted(call.func.value)
    if receiver is None:
        return False  # `torch.empty(n).uniform_(...)`: a fresh tensor
    if receiver in INIT_MODULES or receiver.endswith(".init"):
        return True
    return any(PARAMETER.search(part) for part in receiver.split(".")[1:] or receiver.split("."))


class InitGainDetector(FeatureDetector):
    meta = DetectorMeta(
        id="init_gain",
        title="Weight initialisation",
        subsystem="init",
        severity=Severity.significant,
        rationale=(
            "PPO is sensitive to initialisation: orthogonal init with gain sqrt(2) for hidden layers, "
            "0.01 for the policy head (near-uniform initial policy) and 1.0 for the value head. "
            "Changing a gain or scheme changes the initial policy entropy and value scale."
        ),
        fix="Restore the baseline initialisation call and gain/std.",
        hypotheses=["init.init_scheme_changed", "init.head_gain_changed"],
        confidence=0.8,
        keywords=r"layer_init|orthogonal_|xavier|kaiming|initializer|kernel_init|bias_init|w_init",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out: list[Feature] = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if tail == "apply" and name == "self.apply":
                out += _applied(site, call, ctx)
                continue
            out += _initializer_arguments(site, call, tail)
            if not (INIT.match(tail) and initialises_parameter(call)) and not (
                    INITIALIZER_MODULE.search(name) and tail not in CONTAINER_METHODS):
                continue
            args = [canon(a, site) for a in call.args[1:]]
            kws = [f"{k.arg}={canon(k.value, site)}" for k in call.keywords if k.arg]
            text = f"{tail}(..., {', '.join(args + kws)})" if args or kws else f"{tail}(...)"
            out.append(Feature(("init", tail, tuple(args), tuple(sorted(kws))), site, unparse(call, 100) if site.depth == 0 else text))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        applied = [f for f in only_cand if isinstance(f, Applied)]
        if applied:
            return [_applied_hit(pair, base, cand, only_base, only_cand, applied)]
        defaults = _library_default_forwards(pair, only_cand)
        if defaults:
            only_cand = [f for f in only_cand if f not in defaults]
            if not only_cand and not only_base:
                return []
        if only_base and only_cand:
            return [feature_hit(f"Initialisation changed: `{only_base[0].text}` -> `{only_cand[0].text}`", pair,
                                only_base, only_cand)]
        if only_base:
            return [feature_hit("Initialisation call removed", pair, only_base, [])]
        return [feature_hit("Initialisation call added", pair, [], only_cand, confidence=0.6)]


@dataclass(frozen=True)
class Forwarded(Feature):
    """An initialiser argument that hands on a parameter of the function defaulting to None."""

    param: str = ""


@dataclass(frozen=True)
class Applied(Feature):
    """An init a layer receives through `self.apply(init_fn)` (detectors/applied_init.py)."""

    layer: str = ""
    kind: str = ""
    init: str = ""  # `normal_(mean=0.0, std=0.02)`
    via: str = ""  # `self.apply(_init_weights)`


def _applied(site: Site, call: ast.Call, ctx: DetectorContext) -> list[Feature]:
    """The per-layer inits of `self.apply(init_fn)` in an `__init__` (one feature per layer and init)."""
    fn = site.fn
    if fn.name != "__init__" or len(call.args) != 1 or not isinstance(call.args[0], ast.Name) \
            or not isinstance(fn.node, ast.FunctionDef):
        return []
    target = ctx.flows[fn.side].resolve(ast.Call(func=call.args[0], args=[ast.Name(id="m", ctx=ast.Load())],
                                                 keywords=[]), fn)
    if target is None or not isinstance(target.node, ast.FunctionDef):
        return []
    statement = next((s for s in fn.node.body if any(n is call for n in ast.walk(s))), None)
    if statement is None:
        return []
    via = f"self.apply({call.args[0].id})"
    out: list[Feature] = []
    for li in applied_inits(fn.node, statement, target.node):
        if not INIT.match(li.method) and li.method not in TENSOR_METHODS:
            continue  # `bias.zero_()`, `fill_(1.0)`: named in the text of the layer's other init
        args = [canon(a, site) for a in li.call.args]
        kws = [f"{k.arg}={canon(k.value, site)}" for k in li.call.keywords if k.arg]
        others = [o.text() for o in applied_inits(fn.node, statement, target.node)
                  if o.layer == li.layer and o.param != li.param and not INIT.match(o.method)]
        param = "" if li.param == "*" else f"{li.param} "
        text = f"`{li.layer}` ({li.kind}): {param}{li.text()}" + (f", {', '.join(others)}" if others else "")
        out.append(Applied(("init", li.method, tuple(args), tuple(sorted(kws))), site, text, layer=li.layer,
                           kind=li.kind, init=li.text(), via=via))
    return out


def _target_layer(f: Feature) -> str | None:
    """`_action_embed` for an explicit `nn.init.normal_(self._action_embed.weight, ...)`."""
    node = f.site.node
    if not isinstance(node, ast.Call) or not node.args:
        return None
    first = node.args[0]
    while isinstance(first, ast.Attribute) and isinstance(first.value, ast.Attribute):
        first = first.value
    if isinstance(first, ast.Attribute) and isinstance(first.value, ast.Name) and first.value.id == "self":
        return first.attr
    return None


def _applied_hit(pair: FunctionPair, base: list[Feature], cand: list[Feature], only_base: list[Feature],
                 only_cand: list[Feature], applied: list[Applied]) -> Hit:
    """One finding per `apply`: which layers gain an init, which keep the one they had (moved)."""
    via = applied[0].via
    explicit = {(layer, f.key) for f in base if not isinstance(f, Applied) and (layer := _target_layer(f))}
    kept = sorted({f.layer for f in cand if isinstance(f, Applied) and (f.layer, f.key) in explicit})
    before = {(f.layer, f.key) for f in base if isinstance(f, Applied)}
    gaining = list(dict.fromkeys(f.text for f in cand if isinstance(f, Applied) and f.layer not in kept
                                 and (f.layer, f.key) not in before))
    still = {(_target_layer(f), f.key) for f in cand if not isinstance(f, Applied)}
    removed = [f for f in base if not isinstance(f, Applied) and (_target_layer(f), f.key) not in still
               and _target_layer(f) not in kept]
    # the explicit calls that moved into the init function: located here, so their lines are explained
    moved = [f for f in base if not isinstance(f, Applied) and _target_layer(f) in kept]
    shown = "; ".join(gaining[:4]) + (f" (+{len(gaining) - 4} more)" if len(gaining) > 4 else "")
    title = f"Initialisation applied to more layers: `{via}` now initialises {shown}" if gaining else \
        f"Initialisation moved into `{via}`"
    summary = title + (f"; unchanged (moved into `{via}`): " + ", ".join(f"`{k}`" for k in kept) if kept else "") + \
        ("; no longer initialised explicitly: " + "; ".join(f"`{f.text}`" for f in removed[:3]) if removed else "")
    shown_cand: list[Feature] = [f for f in cand if f.text in gaining] or list(applied)
    return feature_hit(title, pair, removed + moved, shown_cand,
                       summary=summary, confidence=0.6)
