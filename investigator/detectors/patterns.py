"""Small AST helpers shared by the detector rules."""

from __future__ import annotations

import ast
import re
import weakref
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from contextvars import ContextVar

from investigator import fastwalk
from investigator.detectors.configref import resolve_config
from investigator.detectors.flow import Site, SiteList, assignment, substitute
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.libsignatures import GYM, TORCH_NN, Param
from investigator.detectors.roles import is_coefficient, role
from investigator.pyast import call_name, copy_tree, dotted, last_name, method_name, receiver, unparse
from investigator.trainstep import OPTIMIZER_RECEIVER, SCHEDULER_RECEIVER

ENV_RECEIVER = re.compile(r"env|sim|game|world", re.IGNORECASE)


def calls(sites: list[Site]) -> Iterator[tuple[Site, ast.Call, str]]:
    if isinstance(sites, SiteList):
        yield from sites.calls
        return
    for site in sites:
        if isinstance(site.node, ast.Call):
            yield site, site.node, call_name(site.node)


def assigns(sites: list[Site]) -> Iterator[tuple[Site, ast.stmt, ast.expr]]:
    """Assignment statements with their value expression."""
    if isinstance(sites, SiteList):
        yield from sites.assigns
        return
    for site in sites:
        found = assignment(site.node)
        if found is not None:
            yield site, found[0], found[1]


def returned_as_assigns(sites: list[Site]) -> Iterator[tuple[Site, ast.Assign, ast.expr]]:
    """`return <expr>` (not a bare name: a returned local is already seen where it is assigned) read as
    `<function name> = <expr>`: a function that returns its result directly computes what one that
    assigns it to a local and returns the local does. Real shape (tianshou v0.4.9..v0.4.10, the gym 0.26
    migration): `value_mask` did `mask = ~buffer.done[indices]` (then or-ed in the time-limit flag) and
    now does `return ~buffer.terminated[indices]`, the same bootstrap mask; the returned one was not
    read at all: "Done masking removed from the return/advantage computation" (critical) and "Done flag
    no longer includes dones". An inlined callee's return bound to its caller's target is also listed
    under that target (detectors/flow.py)."""
    for site in sites:
        node = site.node
        if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Name):
            target = ast.Name(id=site.fn.name, ctx=ast.Store())
            yield site, ast.copy_location(ast.Assign(targets=[target], value=node.value), node), node.value


def assigned_names(node: ast.stmt) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    out: list[str] = []
    for t in targets:
        elts = t.elts if isinstance(t, ast.Tuple | ast.List) else [t]
        for e in elts:
            base = e
            while isinstance(base, ast.Subscript | ast.Starred):
                base = base.value
            name = dotted(base)
            if name:
                out.append(last_name(name))
    return out


def target_roles(node: ast.stmt) -> list[str]:
    return [r for r in (role(n) for n in assigned_names(node)) if r]


def _is_num(node: ast.AST, value: float) -> bool:
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, int | float)
        and not isinstance(node.value, bool) and node.value == value
    )


def identity_free(node: ast.AST) -> ast.AST:
    """`1 * x`, `x * 1`, `x / 1`, `x + 0`, `0 + x`, `x - 0` -> `x` (one level; see `simplify`)."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mult):
            if _is_num(node.left, 1):
                return node.right
            if _is_num(node.right, 1):
                return node.left
        if isinstance(node.op, ast.Div) and _is_num(node.right, 1):
            return node.left
        if isinstance(node.op, ast.Add) and _is_num(node.left, 0):
            return node.right
        if isinstance(node.op, ast.Add | ast.Sub) and _is_num(node.right, 0):
            return node.left
    return node


ACTIVATION = re.compile(
    r"^(relu|relu6|tanh|gelu|silu|swish|elu|selu|celu|sigmoid|leaky_relu|softplus|mish|hardtanh|hardswish|"
    r"ReLU|ReLU6|Tanh|GELU|SiLU|Swish|ELU|SELU|CELU|Sigmoid|LeakyReLU|Softplus|Mish|Hardtanh|Hardswish)$"
)
# a functional activation passed by reference (`return torch.relu`, `activation=F.tanh`) is the same
# nonlinearity as the module (`nn.ReLU()`): both are keyed by the normalised name
FUNCTIONAL_OWNER = re.compile(r"^(torch|F|nn\.functional|torch\.nn\.functional|jnp|jax\.nn|nn|np)$")
SAME_ACTIVATION = {"silu": "swish"}
MODULE_OWNER = re.compile(r"^(nn|torch\.nn)$")  # `nn.ReLU()`, `torch.nn.ReLU()`


def activation_key(name: str) -> str:
    """`ReLU`, `relu`, `leaky_relu`/`LeakyReLU`, `silu`/`Swish`: one key per nonlinearity."""
    key = name.lower().replace("_", "")
    return SAME_ACTIVATION.get(key, key)


def activation_call(node: ast.AST) -> tuple[str, ast.expr] | None:
    """`torch.relu(x)`, `F.relu(x)`, `nn.functional.relu(x, inplace=True)`, `nn.ReLU()(x)`: the
    nonlinearity's key and its input, when the call applies a parameter-free activation to one
    tensor (a module built with arguments, `nn.LeakyReLU(0.2)`, is not matched: its slope could
    differ; `inplace` changes no value)."""
    if not isinstance(node, ast.Call) or len(node.args) != 1 or any(k.arg != "inplace" for k in node.keywords):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr.islower() and ACTIVATION.match(func.attr) \
            and FUNCTIONAL_OWNER.match(dotted(func.value) or ""):
        return activation_key(func.attr), node.args[0]
    if isinstance(func, ast.Call) and not func.args and all(k.arg == "inplace" for k in func.keywords):
        name = dotted(func.func) or ""
        owner, _, tail = name.rpartition(".")
        if not tail.islower() and ACTIVATION.match(tail) and (not owner or MODULE_OWNER.match(owner)):
            return activation_key(tail), node.args[0]
    return None


class _Simplify(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return identity_free(node)


def simplify(expr: ast.AST) -> ast.AST:
    """The expression without arithmetic identities (a copy when anything changes): `1 * value_loss`
    is `value_loss`."""
    if not any(isinstance(sub, ast.BinOp) and identity_free(sub) is not sub for sub in ast.walk(expr)):
        return expr
    return _Simplify().visit(copy_tree(expr))


# NumPy's deprecated aliases of the builtin types (`np.bool is bool` until NumPy 1.24, which removed
# them; NumPy 2 brought back `np.bool` as `np.bool_`, the same dtype): as a dtype or a cast, one type.
NUMPY_BUILTIN_ALIASES = frozenset({"bool", "int", "float", "complex", "object", "str"})
NUMPY_MODULE = frozenset({"np", "numpy"})


def numpy_builtin_alias(node: ast.AST) -> str | None:
    """`np.bool` / `numpy.float` (a deprecated alias of a builtin type): the builtin's name; else None.
    Real shape: rl_games replaced `np.zeros(size, dtype=np.bool)` by `dtype=bool` for NumPy 1.24, which
    read as a behavioural change of its replay buffer. `np.bool_`, `np.float32`, `np.int64` are NumPy's
    own types and stay distinct."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in NUMPY_MODULE \
            and node.attr in NUMPY_BUILTIN_ALIASES and isinstance(node.ctx, ast.Load):
        return node.attr
    return None


# One library function under the names its releases gave it: JAX's tree utilities moved from `jax.tree_map`
# (deprecated, removed in 0.6) and `jax.tree_util.tree_map` to `jax.tree.map`, same function and arguments.
_TREE_FUNCTIONS = ("map", "leaves", "flatten", "unflatten", "structure", "reduce", "transpose", "all")
LIBRARY_ALIASES: dict[str, str] = {
    **{f"jax.tree_{f}": f"jax.tree.{f}" for f in _TREE_FUNCTIONS},
    **{f"jax.tree_util.tree_{f}": f"jax.tree.{f}" for f in _TREE_FUNCTIONS},
    **{f"tree_util.tree_{f}": f"jax.tree.{f}" for f in _TREE_FUNCTIONS},
    # TensorFlow 2 moved `tf.data.experimental` dataset constructors onto `tf.data.Dataset` (same arguments and
    # defaults; the experimental names are deprecated aliases). Real shape: TF-Agents v0.18.0..v0.19.0 replay buffer
    # `tf.data.experimental.Counter()` -> `tf.data.Dataset.counter()`, its range's only finding (significant).
    "tf.data.experimental.Counter": "tf.data.Dataset.counter",
    "tf.data.experimental.sample_from_datasets": "tf.data.Dataset.sample_from_datasets",
    "tf.data.experimental.choose_from_datasets": "tf.data.Dataset.choose_from_datasets",
    # NumPy 2 removed these exact aliases of other NumPy functions (same arguments, same values). Real shape:
    # morl-baselines v1.2.0..v1.3.0 `linear_support.py:305` `A = np.round_(A, decimals=4)` -> `np.round(...)`
    # ("Behavioural change in the sampling path" once the value of the loop-carried `A` was compared)
    **{f"{np_}.{old}": f"{np_}.{new}" for np_ in ("np", "numpy") for old, new in (
        ("round_", "round"), ("product", "prod"), ("cumproduct", "cumprod"), ("sometrue", "any"),
        ("alltrue", "all"))},
}
# keyword arguments a library renamed without changing them: NumPy 2.1 / JAX's `clip(x, min=, max=)` for
# `a_min=` / `a_max=`
_RENAMED_KEYWORDS: dict[str, dict[str, str]] = {"clip": {"a_min": "min", "a_max": "max"}}
_ARRAY_MODULES = frozenset({"np", "numpy", "jnp", "jax.numpy"})
# Deprecated keyword aliases: the old keyword names the SAME parameter, so `f(x, old=v)` is `f(x, new=v)`.
# TensorFlow 1.x reads each pair through `deprecation.deprecated_argument_lookup(new, new_value, old, old_value)`
# (the old value is the new parameter's value; both given raises). Real shape: maddpg e110c9e2..3ceefa0a
# `maddpg/common/tf_util.py:24` `tf.nn.softmax(x, dim=axis)` -> `tf.nn.softmax(x, axis=axis)`, "Behavioural change in
# the sampling path: `softmax`", #1 of its range (precision set 16, N4).
_TF_SOFTMAX_DIM = {"dim": "axis"}
_TF_REDUCTION = {"keep_dims": "keepdims", "reduction_indices": "axis"}
_TF_DEPRECATED_KEYWORDS: dict[str, dict[str, str]] = {
    **{f"tf.{ns}{f}": _TF_SOFTMAX_DIM for ns in ("nn.", "math.") for f in ("softmax", "log_softmax")},
    "tf.nn.l2_normalize": _TF_SOFTMAX_DIM, "tf.math.l2_normalize": _TF_SOFTMAX_DIM, "tf.expand_dims": _TF_SOFTMAX_DIM,
    "tf.nn.softmax_cross_entropy_with_logits_v2": _TF_SOFTMAX_DIM,
    **{f"tf.{ns}{f}": {"dimension": "axis"} for ns in ("", "math.") for f in ("argmax", "argmin")},
    **{f"tf.{ns}reduce_{f}": _TF_REDUCTION for ns in ("", "math.")
       for f in ("sum", "mean", "max", "min", "prod", "all", "any", "logsumexp")},
    "tf.count_nonzero": _TF_REDUCTION, "tf.math.count_nonzero": _TF_REDUCTION,
    "tf.norm": {"keep_dims": "keepdims"}, "tf.linalg.norm": {"keep_dims": "keepdims"},
}
_TF_OWNERS = ("tf.compat.v1.", "tensorflow.compat.v1.", "tensorflow.", "tf.")
# PyTorch's argument parser (torch/csrc/utils/python_arg_parser.cpp `numpy_compatibility_arg_names`) accepts NumPy's
# `axis=` for `dim=` and `keepdims=` for `keepdim=` in every native function; only the module functions whose
# parameters are `dim` / `keepdim` (checked on torch 2.x: `torch.sum(x, axis=1, keepdims=True)` ==
# `torch.sum(x, dim=1, keepdim=True)`), not Python-level ones (`torch.norm`, `torch.split` raise on `axis=`) nor
# methods (the receiver may be a NumPy array, whose `sum` has no `dim`).
_TORCH_NUMPY_NAMED = frozenset({
    "sum", "mean", "amax", "amin", "prod", "std", "var", "argmax", "argmin", "logsumexp", "all", "any", "cumsum",
    "cumprod", "softmax", "log_softmax", "nansum", "nanmean", "count_nonzero", "cat", "concat", "stack", "squeeze",
    "unsqueeze", "max", "min", "median"})
_TORCH_NUMPY_KEYWORDS = {"axis": "dim", "keepdims": "keepdim"}


def _keyword_renames(node: ast.Call) -> dict[str, str]:
    """The library's {old keyword: current keyword} renames for this call (`_RENAMED_KEYWORDS`,
    `_TF_DEPRECATED_KEYWORDS`, `_TORCH_NUMPY_KEYWORDS`); empty for any other callee."""
    name = dotted(node.func) or ""
    owner, _, function = name.rpartition(".")
    if owner in _ARRAY_MODULES and function in _RENAMED_KEYWORDS:
        return _RENAMED_KEYWORDS[function]
    if owner in ("torch", "th") and function in _TORCH_NUMPY_NAMED:
        return _TORCH_NUMPY_KEYWORDS
    for prefix in _TF_OWNERS:
        if name.startswith(prefix):
            return _TF_DEPRECATED_KEYWORDS.get("tf." + name[len(prefix):], {})
    return {}


# Library helpers a release replaced by a class called with the same arguments, returning the same values:
# stable-baselines3 2.7 deprecated `get_schedule_fn(x)` (a constant or a callable schedule as a function of
# the remaining progress) for `FloatSchedule(x)` and `get_linear_fn(start, end, fraction)` for
# `LinearSchedule(start, end, fraction)`. Matched by the callee's last name and the argument count.
RENAMED_HELPERS: dict[str, tuple[str, int]] = {"get_schedule_fn": ("FloatSchedule", 1),
                                              "get_linear_fn": ("LinearSchedule", 3)}


def renamed_helper(node: ast.AST) -> str | None:
    """The current name of a library helper called under its deprecated name with its arguments
    (`get_linear_fn(a, b, f)` -> `LinearSchedule`); None for anything else. Real shape:
    stable-baselines3-contrib v2.6.0..v2.7.0 moved every algorithm to SB3 2.7's schedule classes, "behavioural
    changes in the loss and sampling paths" (two of the top five, significant)."""
    if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args) or node.keywords:
        return None
    found = RENAMED_HELPERS.get(last_name(dotted(node.func) or ""))
    return found[0] if found is not None and len(node.args) == found[1] else None


def library_alias(node: ast.AST) -> str | None:
    """The current name of a library function spelled by an older alias (`jax.tree_map`,
    `jax.tree_util.tree_map` -> `jax.tree.map`); None for anything else. Real shape: acme replaced every
    `jax.tree_map` by `jax.tree.map` or `jax.tree_util.tree_map` over twenty commits, each a "behavioural
    change in the loss path" (the top five findings of the range)."""
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
        return LIBRARY_ALIASES.get(dotted(node))
    return None


def renamed_keywords(node: ast.AST) -> bool:
    """A library call with an older name of one of its keywords: NumPy/JAX `clip(a_min=, a_max=)`, TensorFlow 1's
    deprecated aliases (`tf.nn.softmax(dim=)`, `tf.reduce_sum(keep_dims=, reduction_indices=)`, `tf.argmax(dimension=)`)
    and PyTorch's NumPy names (`torch.sum(x, axis=, keepdims=)`). Not when the current name is given as well (the
    library raises then)."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return False
    renames = _keyword_renames(node)
    given = {k.arg for k in node.keywords}
    return any(k.arg in renames and renames[k.arg] not in given for k in node.keywords)


# Idioms of array and deep-learning libraries that compute the same values (issue 11, noise class N4 "an equivalent
# idiom / API migration", the largest class on code the engine had never seen: 10 of 28 noise seats of precision
# held-out 11). Each is context-free: it reads one expression, so detectors and the flow's comparison agree.

# conversions to an array or tensor that keep the values (no dtype, no copy semantics the code could observe):
# bsuite 0.3.2..0.3.3 (8d524105..cf2b5cba) `bsuite/baselines/tf/dqn/agent.py:118` added
# `o_tm1 = tf.convert_to_tensor(o_tm1)` before the online network (which converted the NumPy batch anyway):
# "Behavioural change in the loss path" (significant, #1 of the range)
VALUE_CONVERSIONS = frozenset({"tf.convert_to_tensor", "tensorflow.convert_to_tensor", "torch.as_tensor",
                               "th.as_tensor", "np.asarray", "numpy.asarray", "jnp.asarray", "jax.numpy.asarray"})


def value_conversion(node: ast.AST) -> bool:
    """`tf.convert_to_tensor(x)`, `torch.as_tensor(x)`, `np.asarray(x)`, `jnp.asarray(x)` with the value alone: `x`'s
    values as an array or tensor. With a `dtype`, a `device` or a second argument it stays (the values or their
    precision may change); `torch.tensor(x)` / `np.array(x)` (copies) are not read this way."""
    return (isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords
            and not isinstance(node.args[0], ast.Starred) and dotted(node.func) in VALUE_CONVERSIONS)


_ARRAY_OWNERS = frozenset({"np", "numpy", "jnp", "jax.numpy", "torch", "th"})


def dtype_info(node: ast.AST) -> bool:
    """`jnp.finfo(x.dtype)` / `np.iinfo(x.dtype)`: the limits of `x`'s type, what `jnp.finfo(x)` returns (JAX deprecated
    passing the array). Real shape: mctx v0.0.5..v0.0.6 (d40d32e1..f8cd07bc) `mctx/_src/policies.py:388`
    `jnp.finfo(probs).tiny` -> `jnp.finfo(probs.dtype).tiny`, the range's only finding (significant)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("finfo", "iinfo")
            and dotted(node.func.value) in _ARRAY_OWNERS and len(node.args) == 1 and not node.keywords
            and isinstance(node.args[0], ast.Attribute) and node.args[0].attr == "dtype")


# array methods whose function form `np.f(x, ...)` is the method `x.f(...)` with the same arguments and defaults, and
# that NumPy 2 removed as a method (`ndarray.ptp`), so ports rewrite them. Deliberately narrow: the same rewrite for
# `torch.sum(x, ...)` -> `x.sum(...)` (tried) changed how the flow reads a reduction of a locally mutated tensor and
# regrouped rsl_rl v4.0.1..v5.0.0's findings (`RolloutStorage.recurrent_mini_batch_generator`'s
# `torch.sum(last_was_done[:, start:stop])` no longer cancelled its container change: a new significant seat #2).
ARRAY_METHOD_FORMS = frozenset({"ptp"})


def array_function_form(node: ast.AST) -> bool:
    """`np.ptp(x, axis=0)`: the method call `x.ptp(axis=0)` (`ARRAY_METHOD_FORMS`). Real shape:
    morl-baselines v1.2.0..v1.3.0 (408ac6b5..7de840c6) `morl_baselines/multi_policy/pcn/pcn.py:25`
    `points.ptp(axis=0)` -> `np.ptp(points, axis=0)` (NumPy 2 removed `ndarray.ptp`): "Behavioural change in the
    sampling path" (significant, #4)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ARRAY_METHOD_FORMS
            and dotted(node.func.value) in _ARRAY_OWNERS and bool(node.args)
            and not any(isinstance(a, ast.Starred) for a in node.args)
            and not isinstance(node.args[0], ast.Constant | ast.List | ast.Tuple | ast.ListComp | ast.GeneratorExp))


def rng_free_transform(node: ast.AST) -> ast.Call | None:
    """`hk.without_apply_rng(hk.transform(f, apply_rng=True))`: Haiku's spelling (since 0.0.3) of what `hk.transform(f)`
    built before: an `apply` that takes no random key. The `hk.transform(f)` call it stands for; None otherwise. Real
    shape: bsuite 0.3.2..0.3.3 (8d524105..cf2b5cba) `bsuite/baselines/jax/boot_dqn/agent.py:82` and `jax/dqn/agent.py:65`:
    "Behavioural change in the sampling path" (significant, #5)."""
    if not (isinstance(node, ast.Call) and last_name(dotted(node.func) or "") == "without_apply_rng"
            and len(node.args) == 1 and not node.keywords):
        return None
    inner = node.args[0]
    if not (isinstance(inner, ast.Call) and last_name(dotted(inner.func) or "") in ("transform", "transform_with_state")
            and len(inner.args) == 1):
        return None
    if any(k.arg != "apply_rng" or not (isinstance(k.value, ast.Constant) and k.value.value is True)
           for k in inner.keywords):
        return None
    return ast.Call(func=inner.func, args=inner.args, keywords=[])


_TORCH_NN_OWNERS = frozenset({"nn", "torch.nn"})


def _signature(node: ast.Call) -> tuple[Param, ...] | None:
    name = dotted(node.func) or ""
    owner, _, tail = name.rpartition(".")
    if tail in TORCH_NN and owner in _TORCH_NN_OWNERS:
        return TORCH_NN[tail]
    return GYM.get(tail)


def _is_default(value: ast.expr, param: Param) -> bool:
    if len(param) < 2 or not isinstance(value, ast.Constant):
        return False
    default = param[1]
    same_kind = isinstance(default, bool | int | float) and isinstance(value.value, bool | int | float) \
        or type(default) is type(value.value)
    return same_kind and value.value == default


def known_call_arguments(node: ast.AST) -> list[ast.keyword] | None:
    """The arguments of a call of a library callable whose signature is known (detectors/libsignatures.py: torch.nn
    modules, Gym's `EnvSpec`) as keywords in signature order, those passing the parameter's default left out; None
    when the call is not one, cannot be bound (`*args`, `**kw`, too many arguments) or is already written so. Real
    shapes: pytorch-rl b9b87d89..8f953c0a `core/models/a3c_mlp_con.py:38` `nn.LSTMCell(h, h, 1)` -> `nn.LSTMCell(h, h)`
    (the third parameter is `bias`, default True; "Layer changed", significant, 2 seats); nnabla-rl 81c18337..a8f12f96
    `nnabla_rl/environments/dummy.py:31` `EnvSpec(id='dummy-v0', ...)` -> `EnvSpec('dummy-v0', ...)`."""
    if not isinstance(node, ast.Call):
        return None
    params = _signature(node)
    if params is None or len(node.args) > len(params) or any(isinstance(a, ast.Starred) for a in node.args) \
            or any(k.arg is None for k in node.keywords):
        return None
    given: dict[str, ast.expr] = {p[0]: a for p, a in zip(params, node.args, strict=False)}
    for k in node.keywords:
        if k.arg in given:
            return None  # a TypeError at run time: left as written
        given[str(k.arg)] = k.value
    order = {p[0]: i for i, p in enumerate(params)}
    by_name = {p[0]: p for p in params}
    kept = sorted(((n, v) for n, v in given.items() if n not in by_name or not _is_default(v, by_name[n])),
                  key=lambda nv: (order.get(nv[0], len(order)), nv[0]))
    if not node.args and [k.arg for k in node.keywords] == [n for n, _v in kept]:
        return None
    return [ast.keyword(arg=n, value=v) for n, v in kept]


def _spelled_alike(node: ast.Call) -> ast.expr:
    """The call as a literal (`literal_constructor`), its commuting steps in order (`commuted_chain`), a host
    export without its cpu/detach steps (`host_export`), or its deprecated positional scalar as the
    keyword (`deprecated_scalar_form`); else the node itself."""
    literal = literal_constructor(node)
    if literal is not None:
        return literal
    if commuted_chain(node):
        return _commuted(node)
    if host_export(node):
        return _exported_value(node)
    return _current_scalar_form(node) if deprecated_scalar_form(node) else node


def _library_idiom(node: ast.Call) -> ast.Call:
    """The call with the library idioms above read one way (`dtype_info`, `array_function_form`, `rng_free_transform`,
    `known_call_arguments`; `value_conversion` is `_plain_call`'s): the node itself (changed in place) or another call."""
    if dtype_info(node):
        dtype = node.args[0]
        assert isinstance(dtype, ast.Attribute)
        node.args = [dtype.value]
    if array_function_form(node):
        assert isinstance(node.func, ast.Attribute)
        node = ast.copy_location(ast.Call(func=ast.Attribute(value=node.args[0], attr=node.func.attr, ctx=ast.Load()),
                                          args=node.args[1:], keywords=node.keywords), node)
    transform = rng_free_transform(node)
    if transform is not None:
        node = transform
    bound = known_call_arguments(node)
    if bound is not None:
        node = ast.copy_location(ast.Call(func=node.func, args=[], keywords=bound), node)
    return node


def checked_only(node: ast.AST) -> bool:
    """A call whose extra argument only checks or annotates: `typing.cast(T, x)` is `x`, and `zip(a, b,
    strict=True)` yields what `zip(a, b)` yields (it raises on unequal lengths instead), and
    `torch.load(f, weights_only=...)` loads what `torch.load(f)` loads (it refuses to unpickle anything
    but tensors and plain containers instead). Real shapes: pfrl 0.4 wrapped a statistic in
    `typing.cast(float, np.mean(xs))`, rl-baselines3-zoo 2.8 added `strict=True` to its wrapper `zip`:
    both "behavioural changes" (significant); stable-baselines3 v2.2.1..v2.3.0 added `weights_only=True` /
    `weights_only=False` to its two `th.load` calls, the only two findings of the range (significant)."""
    if not isinstance(node, ast.Call):
        return False
    name = dotted(node.func)
    if name == "typing.cast":
        return len(node.args) == 2 and not node.keywords
    if last_name(name) in _CHECKED_ZIPS and not node.keywords:
        return True
    if last_name(name) == "load" and any(k.arg == "weights_only" for k in node.keywords):
        return True
    return name == "zip" and any(k.arg == "strict" for k in node.keywords)


def wrapper_lookup(node: ast.AST) -> bool:
    """`env.get_wrapper_attr(name)`: Gymnasium's lookup of an attribute through an environment's wrappers,
    what `getattr(env, name)` did through `Wrapper.__getattr__` before Gymnasium 1.0 removed that forwarding
    (where the old spelling raises, it cannot compute another value). Real shape: stable-baselines3
    v2.3.2..v2.4.0 replaced `getattr(env_i, attr_name)` by `env_i.get_wrapper_attr(attr_name)` in its
    vector environments, three "Behavioural change in the sampling/environment path" findings of the top
    five. Not `get_wrapper_attr` with more or other arguments."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr == "get_wrapper_attr" and len(node.args) == 1 and not node.keywords \
        and not isinstance(node.args[0], ast.Starred)


_TORCH_LOADS = frozenset({"torch.load", "th.load"})


def _loaded(node: ast.AST) -> ast.Call | None:
    """The `torch.load(...)` call a `load_state_dict` argument is, or whose entry it reads
    (`torch.load(p, map_location=d)["actor"]`); None for anything else."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call) and dotted(node.func) in _TORCH_LOADS:
        return node
    return None


def _placement(load: ast.Call) -> bool:
    """The load names where its tensors land: `map_location=`, or the second positional argument."""
    return any(k.arg == "map_location" for k in load.keywords) or len(load.args) == 2


def placed_state_load(node: ast.AST) -> bool:
    """`m.load_state_dict(torch.load(p, map_location=d))`: the checkpoint's tensors are copied into the module's
    own parameters, on the module's device, so where `map_location` put them first does not change what the
    module holds (the same state as `m.load_state_dict(torch.load(p))`; only a checkpoint saved on a device
    the machine lacks now loads instead of raising). Real shape: DRL-Pytorch 7d5a9a03..75892e8c added
    `map_location=self.dvc` to every agent's `load()` helper, five significant "Behavioural change in the
    target/optimizer path" findings (precision held-out 9). Not a loaded object used as it is
    (`self.q = torch.load(p, map_location="cpu")` computes where it was put)."""
    return isinstance(node, ast.Call) and method_name(node) == "load_state_dict" and len(node.args) == 1 \
        and (load := _loaded(node.args[0])) is not None and _placement(load)


def _without_placement(node: ast.Call) -> None:
    """Drops the `map_location` of the `torch.load` a `placed_state_load` call reads (in place)."""
    load = _loaded(node.args[0])
    assert load is not None
    load.keywords = [k for k in load.keywords if k.arg != "map_location"]
    load.args = load.args[:1]


# project and library spellings of a length-checked `zip` (stable-baselines3's `zip_strict`, more-itertools'
# `zip_equal`): each yields the pairs `zip` yields. Real shape: stable-baselines3-contrib v2.7.1..v2.8.0
# replaced `zip_strict(a, b)` by `zip(a, b, strict=True)`, "Behavioural change in the loss path" (first).
_CHECKED_ZIPS = frozenset({"zip_strict", "zip_equal"})


def _plain_call(node: ast.Call) -> ast.expr:
    """The call without what only checks or renames (`checked_only`, `wrapper_lookup`, `renamed_keywords`,
    `renamed_helper`):
    `typing.cast(T, x)` is `x`, `env.get_wrapper_attr(n)` is `getattr(env, n)`; the others keep their
    node, their keywords rewritten. A value conversion (`value_conversion`) is its argument. A builtin
    constructor is its literal, a commuting chain is in order, a deprecated scalar form is the keyword form
    (`_spelled_alike`)."""
    spelled = _spelled_alike(node)
    if spelled is not node:
        return spelled
    if value_conversion(node):
        return node.args[0]
    if checked_only(node):
        if dotted(node.func) == "typing.cast":
            return node.args[1]
        if last_name(dotted(node.func)) in _CHECKED_ZIPS:
            return ast.copy_location(ast.Call(func=ast.Name(id="zip", ctx=ast.Load()), args=node.args, keywords=[]), node)
        dropped = "weights_only" if last_name(dotted(node.func)) == "load" else "strict"
        node.keywords = [k for k in node.keywords if k.arg != dropped]
    if wrapper_lookup(node):
        assert isinstance(node.func, ast.Attribute)
        return ast.copy_location(ast.Call(func=ast.Name(id="getattr", ctx=ast.Load()),
                                          args=[node.func.value, *node.args], keywords=[]), node)
    if placed_state_load(node):
        _without_placement(node)
    if renamed_keywords(node):
        assert isinstance(node.func, ast.Attribute)
        renames = _keyword_renames(node)
        node.keywords = [ast.keyword(arg=renames.get(k.arg or "", k.arg), value=k.value) for k in node.keywords]
    helper = renamed_helper(node)
    if helper is not None:
        return ast.copy_location(ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=node.args, keywords=[]), node)
    return node


class _Equivalent(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        spread = spread_concat(node)  # before the children: `list(e)` is about to read as `sequence(e)`
        if spread is not None:
            return self.visit(spread)
        _as_int(node)
        self.generic_visit(node)
        return identity_free(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        _as_int(node)
        self.generic_visit(node)
        table = _lookup_table(node)
        if table is not None:
            node.comparators = [_sorted_table(table)]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        table = _lookup_table(node)
        if table is not None:
            node.value = _sorted_table(table)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        current = library_alias(node)
        if current is not None:
            return ast.copy_location(ast.Name(id=current, ctx=ast.Load()), node)
        builtin = numpy_builtin_alias(node)
        if builtin is not None:
            return ast.copy_location(ast.Name(id=builtin, ctx=ast.Load()), node)
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        node = _library_idiom(node)
        plain = _plain_call(node)
        if plain is not node:
            return plain
        if redundant_cast(node):
            return node.args[0]
        if explicit_super(node):
            return ast.Call(func=node.func, args=[], keywords=[])
        if explicit_forward(node):
            assert isinstance(node.func, ast.Attribute)
            return ast.copy_location(ast.Call(func=node.func.value, args=node.args, keywords=node.keywords), node)
        if diagonal_gaussian(node):
            normal = ast.Name(id="Normal", ctx=ast.Load())
            std = node.keywords[0].value.args[0]  # type: ignore[attr-defined]
            return ast.Call(func=ast.Name(id="Independent", ctx=ast.Load()),
                            args=[ast.Call(func=normal, args=[node.args[0], std], keywords=[]), ast.Constant(1)],
                            keywords=[])
        if summed_density(node):
            assert isinstance(node.func, ast.Attribute)
            inner = _independent_normal(node.func.value)
            assert inner is not None
            return _sum_last(ast.Call(func=ast.Attribute(value=inner, attr=node.func.attr, ctx=ast.Load()),
                                      args=node.args, keywords=node.keywords))
        if last_dim_sum(node):
            assert isinstance(node.func, ast.Attribute)
            return _sum_last(node.func.value)
        if detach_under_detach(node):
            assert isinstance(node.func, ast.Attribute)
            return ast.Call(func=ast.Attribute(value=_StripDetach().visit(node.func.value), attr="detach",
                                               ctx=ast.Load()), args=[], keywords=[])
        if default_zero_grad(node):
            return ast.Call(func=node.func, args=[], keywords=[])
        if reduced_list(node):
            comp = node.args[0]
            assert isinstance(comp, ast.ListComp)
            node = ast.Call(func=node.func, args=[ast.GeneratorExp(elt=comp.elt, generators=comp.generators)],
                            keywords=node.keywords)
        if sequence_copy(node):
            return ast.Call(func=ast.Name(id="sequence", ctx=ast.Load()), args=node.args, keywords=[])
        if shape_list(node):
            node.args = [ast.Tuple(elts=a.elts, ctx=ast.Load()) if isinstance(a, ast.List) else a for a in node.args]
        clamped = clamp_parts(node)
        if clamped is not None:
            return ast.Call(func=ast.Name(id="clamp", ctx=ast.Load()), args=list(clamped), keywords=[])
        found = activation_call(node)
        if found is None:
            return node
        return ast.Call(func=ast.Name(id=f"activation.{found[0]}", ctx=ast.Load()), args=[found[1]], keywords=[])


    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        return unique_keys(node)


def _lookup_table(node: ast.AST) -> ast.Dict | None:
    """The unsorted literal table of a lookup, `{"mse": f, "huber": g}[k]` or `k in {...}`, whose keys
    are distinct constants: where its entries are written does not change what the lookup finds."""
    table = node.value if isinstance(node, ast.Subscript) else node.comparators[0] if isinstance(
        node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn) else None
    if not isinstance(table, ast.Dict) or not all(isinstance(k, ast.Constant) for k in table.keys):
        return None
    keys = [_const_key(k) for k in table.keys]
    return table if len(set(keys)) == len(keys) and keys != sorted(keys) else None


def _const_key(node: ast.expr | None) -> str:
    return repr((type(node.value).__name__, node.value)) if isinstance(node, ast.Constant) else ""


def _sorted_table(table: ast.Dict) -> ast.Dict:
    pairs = sorted(zip(table.keys, table.values, strict=True), key=lambda kv: _const_key(kv[0]))
    return ast.Dict(keys=[k for k, _ in pairs], values=[v for _, v in pairs])


def _called(node: ast.AST) -> str:
    """The last name of a call's callee (`torch.distributions.Normal(...)` -> 'Normal'), '' otherwise."""
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def diagonal_gaussian(node: ast.AST) -> bool:
    """`MultivariateNormal(mu, scale_tril=torch.diag(std))` (or `diag_embed`): the same distribution as
    `Independent(Normal(mu, std), 1)` (one event dimension of independent coordinates): same samples,
    log-probabilities and entropy. Real shape (a CORL IQL fix): the policy's distribution rewritten from
    the first to `Normal(mu, std)` with the log-probability summed over the last dimension."""
    if not isinstance(node, ast.Call) or _called(node) != "MultivariateNormal" or len(node.args) != 1 \
            or len(node.keywords) != 1:
        return False
    kw = node.keywords[0]
    return kw.arg == "scale_tril" and isinstance(kw.value, ast.Call) and _called(kw.value) in ("diag", "diag_embed") \
        and len(kw.value.args) == 1 and not kw.value.keywords


def _independent_normal(node: ast.AST) -> ast.Call | None:
    """The `Normal(...)` of `Independent(Normal(...), 1)`."""
    if isinstance(node, ast.Call) and _called(node) == "Independent" and len(node.args) == 2 and not node.keywords \
            and isinstance(node.args[1], ast.Constant) and node.args[1].value == 1 \
            and isinstance(node.args[0], ast.Call) and _called(node.args[0]) == "Normal":
        return node.args[0]
    return None


def summed_density(node: ast.AST) -> bool:
    """`Independent(Normal(m, s), 1).log_prob(a)` (or `.entropy()`): `Normal(m, s).log_prob(a).sum(-1)`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
        and node.func.attr in ("log_prob", "entropy") and _independent_normal(node.func.value) is not None


def last_dim_sum(node: ast.AST) -> bool:
    """`x.sum(dim=-1)`, `x.sum(-1, keepdim=False)`: torch's `x.sum(-1)` spelled out."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sum"):
        return False
    dims = [*node.args, *(k.value for k in node.keywords if k.arg == "dim")]
    rest = [k for k in node.keywords if k.arg != "dim"]
    minus_one = len(dims) == 1 and isinstance(dims[0], ast.UnaryOp) and isinstance(dims[0].op, ast.USub) \
        and isinstance(dims[0].operand, ast.Constant) and dims[0].operand.value == 1
    return minus_one and bool(node.keywords) and all(
        k.arg == "keepdim" and isinstance(k.value, ast.Constant) and k.value.value is False for k in rest)


def _sum_last(value: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Attribute(value=value, attr="sum", ctx=ast.Load()),
                    args=[ast.UnaryOp(op=ast.USub(), operand=ast.Constant(1))], keywords=[])


def _as_int(node: ast.BinOp | ast.Compare) -> None:
    """Integral float operands (`integral_float`) as int literals, in place (on a copy)."""
    for operand in _float_operands(node):
        assert isinstance(operand, ast.Constant) and isinstance(operand.value, float)
        operand.value = int(operand.value)


def unique_keys(node: ast.Dict) -> ast.Dict:
    """A dict literal without the entries a later one of the same constant key overrides (Python keeps
    the last): rl_games dropped a repeated `'normalize_input': self.normalize_input` from a network
    config dict, which read as a change. The same dict when nothing repeats."""
    last: dict[object, int] = {}
    for i, k in enumerate(node.keys):
        if isinstance(k, ast.Constant):
            last[(type(k.value).__name__, k.value)] = i
    keep = [i for i, k in enumerate(node.keys)
            if not isinstance(k, ast.Constant) or last[(type(k.value).__name__, k.value)] == i]
    if len(keep) == len(node.keys):
        return node
    return ast.Dict(keys=[node.keys[i] for i in keep], values=[node.values[i] for i in keep])


def sequence_copy(node: ast.AST) -> bool:
    """`tuple(xs)` / `list(xs)` of one iterable: the same elements in the same order, read alike
    (sample-factory built its minibatch slices as `tuple(...)`, then `list(...)`: a loss-path change).
    What differs, mutation and hashing, fails loudly where it matters; it does not change what
    training computes. A literal `(a, b)` vs `[a, b]`, or `set(xs)`, stays distinct."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list")
            and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred))


REDUCERS = frozenset({"sum", "min", "max", "any", "all", "sorted", "tuple", "list", "set", "frozenset"})


def reduced_list(node: ast.AST) -> bool:
    """`sum([f(x) for x in xs])` and `sum(f(x) for x in xs)`: a builtin that consumes its one iterable
    argument gets the same elements in the same order from a list comprehension as from a generator
    (the rewrite pyupgrade and ruff's C419 make; a real stable-baselines3 commit made it in an SAC
    critic loss, `sum([F.mse_loss(q, target) for q in qs])`, which read as a loss-path change)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in REDUCERS
            and len(node.args) == 1 and isinstance(node.args[0], ast.ListComp))


# Elementwise min/max pairs that clamp when nested (`torch.min(x, 1)` with an int is a reduction over dim 1,
# and NumPy's `np.min(x, 1)` one over axis 1: those spell a clamp only with `np.minimum`/`np.maximum`).
_ELEMENTWISE_MIN_MAX = {"torch": ("min", "max"), "np": ("minimum", "maximum"), "numpy": ("minimum", "maximum"),
                        "jnp": ("minimum", "maximum"), "": ("min", "max")}
_CLAMP_OWNERS = frozenset({"torch", "np", "numpy", "jnp"})
_BOUND_KEYWORDS = {"min": 0, "a_min": 0, "max": 1, "a_max": 1}


def clamp_parts(node: ast.AST) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    """`(x, low, high)` when `node` clamps `x` to both bounds: `torch.clamp(x, lo, hi)`, `np.clip(x, lo,
    hi)`, `x.clamp(min=lo, max=hi)`, or nested elementwise minimum and maximum in either order,
    `torch.max(torch.min(x, hi), lo)` (real shape: HARL rewrote its TD3 target-noise and action clipping
    from the nested form to `torch.clamp`, which read as two loss-path changes). The two nestings differ
    only when `lo > hi`, which no clamp means."""
    if not isinstance(node, ast.Call) or any(k.arg is None for k in node.keywords):
        return None
    owner, _, tail = (dotted(node.func) or "").rpartition(".")
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("clamp", "clip"):
        return _explicit_clamp(node, owner)  # `torch.clamp(x, ...)`, or a method of any value, `(a + b).clamp(...)`
    return _nested_clamp(node, owner, tail)


def _explicit_clamp(node: ast.Call, owner: str) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    if owner in _CLAMP_OWNERS:
        if not node.args:
            return None
        x, given = node.args[0], list(node.args[1:])
    elif isinstance(node.func, ast.Attribute):
        x, given = node.func.value, list(node.args)
    else:
        return None
    bounds: list[ast.expr | None] = [*given, None, None][:2]
    if len(given) > 2:
        return None
    for k in node.keywords:
        slot = _BOUND_KEYWORDS.get(k.arg or "")
        if slot is None or bounds[slot] is not None:
            return None
        bounds[slot] = k.value
    lo, hi = bounds
    if lo is None or hi is None or any(isinstance(b, ast.Constant) and b.value is None for b in (lo, hi)):
        return None
    return x, lo, hi


def _nested_clamp(node: ast.Call, owner: str, tail: str) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    names = _ELEMENTWISE_MIN_MAX.get(owner)
    if names is None or tail not in names or node.keywords or len(node.args) != 2:
        return None
    inner_tail = names[1] if tail == names[0] else names[0]
    inner = [a for a in node.args if isinstance(a, ast.Call) and not a.keywords and len(a.args) == 2
             and (dotted(a.func) or "").rpartition(".")[::2] == (owner, inner_tail)]
    if len(inner) != 1:
        return None
    outer_bound = node.args[1] if node.args[0] is inner[0] else node.args[0]
    x, inner_bound = inner[0].args
    if owner == "torch" and any(isinstance(b, ast.Constant) and isinstance(b.value, int)
                                for b in (outer_bound, inner_bound)):
        return None  # `torch.min(x, 1)`: a reduction over a dimension
    if tail == names[1]:  # max(min(x, hi), lo)
        return x, outer_bound, inner_bound
    return x, inner_bound, outer_bound  # min(max(x, lo), hi)


def _is_detach(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "detach"
            and not node.args and not node.keywords)


def detach_under_detach(node: ast.AST) -> bool:
    """`(r + g * q.detach()).detach()`: a detach inside a detached value. `x.detach()` cuts every
    gradient of `x` and changes no value, so the inner one is no change (real shape: CORL's CQL added
    `.detach()` to the target Q inside a TD target both losses already read as `td_target.detach()`)."""
    return _is_detach(node) and has_detach(node.func.value)  # type: ignore[attr-defined]


# a large value the flow's comparison names by a digest (flow/symbolic.py): `value@<digest of the value
# without its detaches>`, and `_d<digest of the value as written>` when a `.detach()` is inside it
DETACHED_DIGEST = re.compile(r"^(value@[0-9a-f]+)_d[0-9a-f]+$")


def has_detach(expr: ast.AST) -> bool:
    return any(_is_detach(sub) or (isinstance(sub, ast.Name) and DETACHED_DIGEST.match(sub.id))
               for sub in ast.walk(expr))


def without_detach(expr: ast.AST) -> ast.AST:
    """A copy of `expr` with every `.detach()` removed (digest names read as their detach-free value)."""
    import copy

    return _StripDetach().visit(copy.deepcopy(expr))


class _StripDetach(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return node.func.value if _is_detach(node) else node  # type: ignore[attr-defined]

    def visit_Name(self, node: ast.Name) -> ast.AST:
        found = DETACHED_DIGEST.match(node.id)
        return ast.Name(id=found.group(1), ctx=node.ctx) if found else node


def default_zero_grad(node: ast.AST) -> bool:
    """`x.zero_grad(set_to_none=True)`: the default of `zero_grad()` since torch 2.0, the same call
    spelled out (a real later commit dropped the keyword from every optimizer of a CORL script;
    `set_to_none=False` is another behaviour and stays distinct)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "zero_grad"
            and not node.args and len(node.keywords) == 1 and node.keywords[0].arg == "set_to_none"
            and isinstance(node.keywords[0].value, ast.Constant) and node.keywords[0].value.value is True)


def explicit_super(node: ast.AST) -> bool:
    """`super(C, self)` / `super(C, cls)`: the Python 2 spelling of `super()` (pyupgrade's rewrite; a
    real tianshou range made it in every policy's `__init__`). Read as `super()` without checking that
    `C` is the enclosing class: naming another class to skip part of the MRO is rare, and the
    comparison has the expression alone."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
            and len(node.args) == 2 and not node.keywords and isinstance(node.args[0], ast.Name | ast.Attribute)
            and isinstance(node.args[1], ast.Name) and node.args[1].id in ("self", "cls"))


def explicit_forward(node: ast.AST) -> bool:
    """`model.forward(x)`: calling a module's `forward` by name; `model(x)` runs the same `forward` (through
    `nn.Module.__call__`, which adds only the hooks a model registers). Real shape: stable-baselines3-contrib
    v2.7.1..v2.8.0 changed `self.policy.forward(obs, states, starts)` to `self.policy(obs, states, starts)`
    in `RecurrentPPO.collect_rollouts`, "Behavioural change in the environment path" (significant). Not
    `super().forward(x)` or `self.forward(x)`, whose call form would name another function."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "forward"):
        return False
    owner = node.func.value
    return not (isinstance(owner, ast.Call) and dotted(owner.func) == "super") \
        and not (isinstance(owner, ast.Name) and owner.id in ("self", "cls"))


_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def integral_float(node: ast.AST) -> bool:
    """A float literal with an integral value (`1.0`, `2.`) as an operand of arithmetic with a
    non-literal or of a comparison: `x * 1.0` and `x * 1`, `x > 0.0` and `x > 0` compute the same on
    float tensors and numbers (skrl wrote `1` as `1.0` throughout a release). A literal handed to a
    call (`torch.tensor(1.0)`, whose dtype it decides) stays as written."""
    return isinstance(node, ast.Constant) and type(node.value) is float and node.value.is_integer() \
        and abs(node.value) < 2 ** 53


def _float_operands(sub: ast.AST) -> list[ast.expr]:
    if isinstance(sub, ast.BinOp) and isinstance(sub.op, _ARITHMETIC):
        sides = [sub.left, sub.right]
        return [s for s, other in ((sides[0], sides[1]), (sides[1], sides[0]))
                if integral_float(s) and not isinstance(other, ast.Constant)]
    if isinstance(sub, ast.Compare):
        return [s for s in (sub.left, *sub.comparators) if integral_float(s)]
    return []


def _sequence_of(node: ast.AST, kind: type[ast.List] | type[ast.Tuple]) -> list[ast.expr] | None:
    """The elements of `node` as a `kind` literal: `[a, b]` itself, `list(e)` as `[*e]`."""
    if isinstance(node, kind):
        return list(node.elts)
    name = "list" if kind is ast.List else "tuple"
    if sequence_copy(node) and node.func.id == name:  # type: ignore[attr-defined]
        return [ast.Starred(value=node.args[0], ctx=ast.Load())]  # type: ignore[attr-defined]
    return None


SHAPE_PART = re.compile(r"shape|size|dims?$", re.IGNORECASE)


def _shape_value(node: ast.AST) -> bool:
    """A value that is a shape tuple (`x.shape`, `x.shape[1:]`, `x.size()`, `obs_shape`): `(b,) + x.shape[1:]`
    concatenates. Other values stay as written: an array or tensor added to a tuple literal broadcasts
    (`(1,) + np.array([2, 3])` is `array([3, 4])`), it does not concatenate."""
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Call) and not node.args and isinstance(node.func, ast.Attribute):
        node = node.func  # `x.size()`
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return bool(name) and bool(SHAPE_PART.search(name))


def spread_concat(node: ast.AST) -> ast.List | ast.Tuple | None:
    """`[n, -1] + list(shape)` as `[n, -1, *shape]` (ruff's RUF005 rewrite; a real Mava commit made it in a
    reshape of its recurrent trajectories, stable-baselines3-contrib in `(batch,) + x.shape[1:]` ->
    `(batch, *x.shape[1:])`): concatenating a literal with a copy of an iterable, or a tuple literal with a
    shape (`_shape_value`), builds the same sequence as one literal that unpacks it. `[a] + xs` stays as
    written: it needs `xs` to be a list, which the spread form does not."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)):
        return None
    for kind in (ast.List, ast.Tuple):
        left, right = _sequence_of(node.left, kind), _sequence_of(node.right, kind)
        if left is None and right is not None and isinstance(node.right, kind) and _shape_value(node.left):
            left = [ast.Starred(value=node.left, ctx=ast.Load())]
        if right is None and left is not None and isinstance(node.left, kind) and _shape_value(node.right):
            right = [ast.Starred(value=node.right, ctx=ast.Load())]
        if left is not None and right is not None and (isinstance(node.left, kind) or isinstance(node.right, kind)):
            return kind(elts=[*left, *right], ctx=ast.Load())
    return None


# builtins whose result always has the type a cast would give it: `int(len(x))` is `len(x)`
_RESULT_TYPE = {"len": "int", "int": "int", "float": "float", "str": "str", "bool": "bool", "isinstance": "bool",
                "callable": "bool", "hasattr": "bool", "ord": "int", "repr": "str"}


# names of counts and sizes of dimensions, which are whole numbers wherever the code runs
COUNT_NAME = re.compile(r"^(n|num_\w+|n_\w+|\w+_dims?|\w+_count|count)$")


def _count_value(node: ast.AST) -> bool:
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return bool(COUNT_NAME.match(name))


def redundant_cast(node: ast.AST) -> bool:
    """A cast of a builtin's result that already has that type (`int(len(nvec))`, `float(float(x))`,
    `int(round(x))` with no digits), or an `int` of a count (`int(action_space.n)`, `int(num_envs)`,
    `int(obs_dim)`: named as a count of things or a dimension, a whole number wherever the code runs,
    e.g. as a size of an array): the same value (stable-baselines3 2.6 dropped `int(...)` around
    `len(space.nvec)`; its contrib added one around `action_space.n`). A cast that changes the type
    (`float(len(x))`, `int(round(x, 2))`) or of any other value (`int(step_size)`) stays."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1
            and not node.keywords):
        return False
    inner = node.args[0]
    if not isinstance(inner, ast.Call):
        return node.func.id == "int" and _count_value(inner)  # `int(action_space.n)`: a count already
    if not isinstance(inner.func, ast.Name):
        return False
    made = "int" if inner.func.id == "round" and len(inner.args) == 1 and not inner.keywords \
        else _RESULT_TYPE.get(inner.func.id)
    return made is not None and made == node.func.id


# callables whose shape argument may be any sequence: `reshape(x, [n, -1])` is `reshape(x, (n, -1))`
SHAPE_CALLS = frozenset({"reshape", "view", "broadcast_to", "zeros", "ones", "empty", "full", "tile"})


def shape_list(node: ast.AST) -> bool:
    """A shape handed as a list literal to a call that reads it only as a shape (`jnp.reshape(x, [n, -1])`,
    `x.view([n, -1])`, `np.zeros([a, b])`): the same shape as the tuple literal. Any other list stays a
    list (`torch.cat([a, b])` is not a shape)."""
    return (isinstance(node, ast.Call) and last_name(dotted(node.func) or "") in SHAPE_CALLS
            and any(isinstance(a, ast.List) for a in node.args))


# Deprecated positional-scalar overloads of torch arithmetic (torch/_C deprecated.yaml: `add(Tensor self, Scalar
# alpha, Tensor other)`, `sub(...)`, `addcmul(Tensor self, Scalar value, Tensor t1, Tensor t2)`, `addcdiv(...)`, and
# their in-place and method forms): the scalar written first and positionally is the `alpha=`/`value=` keyword of
# the current signature, whose scalar is keyword-only (`x.add_(t, 2)` is no valid call), so a call with one more
# positional argument than the current signature takes can only be the deprecated form. The same computation.
# Real seat: cherry v0.1.3..v0.1.4 `cherry/models/utils.py:64` `polyak_average`: `s.data.mul_(alpha).add_(1.0 -
# alpha, t.data)` -> `.add_(t.data, alpha=1.0 - alpha)` (significant "optimizer path", #1 of set 15's cherry).
# name -> (keyword of the scalar, positional count of the deprecated method form; the function form takes one more)
_SCALAR_FIRST = {"add": ("alpha", 2), "add_": ("alpha", 2), "sub": ("alpha", 2), "sub_": ("alpha", 2),
                 "addcmul": ("value", 3), "addcmul_": ("value", 3), "addcdiv": ("value", 3), "addcdiv_": ("value", 3)}
_TORCH_MODULES = frozenset({"torch", "th"})


def deprecated_scalar_form(node: ast.AST) -> bool:
    """`x.add_(a, t)` / `torch.add(x, a, t)` / `x.addcmul_(v, t1, t2)`: a deprecated positional-scalar call."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or node.func.attr not in _SCALAR_FIRST:
        return False
    keyword, count = _SCALAR_FIRST[node.func.attr]
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg in (None, keyword) for k in node.keywords):
        return False
    if dotted(node.func.value) in _TORCH_MODULES:
        return not node.func.attr.endswith("_") and len(node.args) == count + 1
    if node.func.attr in ("add", "sub") and not _numeric_expression(node.args[0] if node.args else None):
        return False  # `buffer.add(obs, action)`: only torch's in-place and addc* names are torch's alone
    return len(node.args) == count


def _numeric_expression(node: ast.AST | None) -> bool:
    """A number, or arithmetic with a number in it (`1.0 - alpha`, `-step_size * 2`): a scalar, not a tensor."""
    return node is not None and any(isinstance(n, ast.Constant) and isinstance(n.value, int | float)
                                    and not isinstance(n.value, bool) for n in ast.walk(node)) \
        and all(isinstance(n, ast.Constant | ast.Name | ast.Attribute | ast.BinOp | ast.UnaryOp | ast.operator
                           | ast.unaryop | ast.expr_context) for n in ast.walk(node))


def _current_scalar_form(node: ast.Call) -> ast.Call:
    """The deprecated call (`deprecated_scalar_form`) in its current spelling: `x.add_(t, alpha=a)`."""
    assert isinstance(node.func, ast.Attribute)
    keyword = _SCALAR_FIRST[node.func.attr][0]
    at = 1 if dotted(node.func.value) in _TORCH_MODULES else 0  # `torch.add(x, a, t)`: the scalar is second
    args = [*node.args[:at], *node.args[at + 1:]]
    return ast.copy_location(ast.Call(func=node.func, args=args,
                                      keywords=[*node.keywords, ast.keyword(arg=keyword, value=node.args[at])]), node)


# Builtin constructors with a literal spelling: `dict()` is `{}`, `dict(a=1)` is `{"a": 1}`, `list()` is `[]`,
# `tuple()` is `()`, `set([a, b])` is `{a, b}` (the rewrite ruff's C408/C405 make). The same new object. `set()`
# (no empty-set literal), `dict(**kw)`, `dict(pairs)` and `list(xs)` (`sequence_copy`) are not touched. Real seats:
# rlgraph 70b14a64..428fc136 `rlgraph/components/layers/preprocessing/grayscale.py:61` and `transpose.py:47` (`ret
# = dict()` -> `ret = {}`, `self.output_time_majors = dict()` -> `{}`: "target path" #2 and "architecture path" #5).
def literal_constructor(node: ast.AST) -> ast.expr | None:
    """The literal a builtin constructor call spells, None for any other node."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return None
    name, args, keywords = node.func.id, node.args, node.keywords
    if name == "dict" and not args and all(k.arg is not None for k in keywords):
        return ast.copy_location(ast.Dict(keys=[ast.Constant(k.arg) for k in keywords],
                                          values=[k.value for k in keywords]), node)
    if keywords or (args and name != "set"):
        return None
    if name == "list" and not args:
        return ast.copy_location(ast.List(elts=[], ctx=ast.Load()), node)
    if name == "tuple" and not args:
        return ast.copy_location(ast.Tuple(elts=[], ctx=ast.Load()), node)
    if name == "set" and len(args) == 1 and isinstance(args[0], ast.List | ast.Tuple) and args[0].elts \
            and not any(isinstance(e, ast.Starred) for e in args[0].elts):
        return ast.copy_location(ast.Set(elts=list(args[0].elts)), node)
    return None


# Tensor methods that change only how a value is held and commute with each other as values: `.detach()` (no
# gradient) commutes with everything here, a device move (`.cpu()`, `.cuda()`, `.to(device=d)`) with a dtype cast
# (`.float()`, `.long()`, ...: IEEE conversion rounds alike on every device). Casts keep their order among
# themselves (`.half().float()` is not `.float().half()`), and so do moves. `.to(d)` with a positional argument
# may be a dtype and is not in the run. Real shape: cherry v0.1.3..v0.1.4 `cherry/envs/torch_wrapper.py:40`
# writes `.cpu().detach().numpy()` where torch's docs write `.detach().cpu().numpy()`.
_CASTS = frozenset({"float", "double", "half", "bfloat16", "long", "int", "short", "bool"})
_MOVES = frozenset({"cpu", "cuda"})


def _chain_step(node: ast.AST) -> str | None:
    """'detach', 'cast' or 'move' for a call that is one step of a commuting run, else None."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or node.args:
        return None
    name = node.func.attr
    if not node.keywords:
        return "detach" if name == "detach" else "cast" if name in _CASTS else "move" if name in _MOVES else None
    if name == "to" and [k.arg for k in node.keywords] == ["device"]:
        return "move"
    return None


def _chain_run(node: ast.AST) -> tuple[list[ast.Call], ast.expr]:
    """The run of commuting steps ending at `node` (innermost first) and the value they apply to."""
    run: list[ast.Call] = []
    while _chain_step(node) is not None:
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        run.append(node)
        node = node.func.value
    run.reverse()
    return run, node  # type: ignore[return-value]


def _chain_order(run: list[ast.Call]) -> list[ast.Call]:
    kinds = [_chain_step(c) for c in run]
    casts = [c for c, k in zip(run, kinds, strict=True) if k == "cast"]
    moves = [c for c, k in zip(run, kinds, strict=True) if k == "move"]
    detach = [c for c, k in zip(run, kinds, strict=True) if k == "detach"][:1]
    return casts + moves + detach


def commuted_chain(node: ast.AST) -> bool:
    """`x.cpu().detach()` (canonically `x.detach()` last), `x.cuda().float()` (casts first): a run of commuting
    steps written in another order than the canonical one, or with a repeated `.detach()`."""
    run, _ = _chain_run(node)
    return len(run) > 1 and [id(c) for c in _chain_order(run)] != [id(c) for c in run]


def _commuted(node: ast.Call) -> ast.expr:
    run, value = _chain_run(node)
    for step in _chain_order(run):
        assert isinstance(step.func, ast.Attribute)
        value = ast.copy_location(ast.Call(func=ast.Attribute(value=value, attr=step.func.attr, ctx=ast.Load()),
                                           args=[], keywords=step.keywords), step)
    return value




# A tensor's host export (`.numpy()`, `.tolist()`, `.item()`) of a value moved to the CPU and detached first: the
# same numbers. `.numpy()` raises on a CUDA tensor and on one that requires grad, so where the shorter form ran the
# value was on the CPU without a graph already; `.item()` and `.tolist()` read CUDA and grad tensors alike; `.data`
# and `.detach()` hold the same storage. Real seat: cherry v0.1.3..v0.1.4 `cherry/envs/torch_wrapper.py:40`
# (`action.view(-1).data.numpy()` -> `action.view(-1).cpu().detach().numpy()`, the action handed to the gym env:
# "Device placement changed", then, with that explained, "Behavioural change in the environment path").
HOST_EXPORTS = frozenset({"numpy", "tolist", "item"})
_HOST_STEPS = frozenset({"cpu", "detach"})


def _host_step(node: ast.AST) -> ast.expr | None:
    """The value under one `.cpu()` / `.detach()` / `.data` step, None for anything else."""
    if isinstance(node, ast.Attribute) and node.attr == "data":
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _HOST_STEPS \
            and not node.args and not node.keywords:
        return node.func.value
    return None


def host_export(node: ast.AST) -> bool:
    """`x.cpu().detach().numpy()`, `x.data.numpy()`, `x.detach().item()`: an export of a CPU/detach/data step."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in HOST_EXPORTS \
        and not node.args and not node.keywords and _host_step(node.func.value) is not None


def _exported_value(node: ast.Call) -> ast.Call:
    assert isinstance(node.func, ast.Attribute)
    value: ast.expr = node.func.value
    while (inner := _host_step(value)) is not None:
        value = inner
    return ast.copy_location(ast.Call(func=ast.Attribute(value=value, attr=node.func.attr, ctx=ast.Load()),
                                      args=[], keywords=[]), node)

# every rewrite `_needs_rewrite` knows starts at one of these node types (a binary operation, a call,
# a dict, a NumPy alias attribute, a comparison, a table lookup): the others are never rewritten, and
# asking them the fourteen questions was most of `equivalent_form`'s time (most nodes are names)
_REWRITABLE = (ast.BinOp, ast.Call, ast.Dict, ast.Attribute, ast.Compare, ast.Subscript)


def _needs_rewrite(sub: ast.AST) -> bool:
    """Whether `equivalent_form` rewrites at `sub`, asked once per node (`_REWRITES`)."""
    known = _REWRITES.get(sub)
    if known is None:
        known = _REWRITES[sub] = _rewrite_at(sub)
    elif fastwalk.CHECK:
        assert known == _rewrite_at(sub), f"a tree was changed after equivalent_form read it: {ast.dump(sub)[:200]}"
    return known


# Why remembered: the flow's symbolic values share their parts (a substituted local, an operand kept in a
# rebuilt expression), so `equivalent_form` asks the same nodes again: on d3rlpy v1.1.1..v2.0.2 37,794 of
# 52,604 questions were repeats. The answer depends only on the node's own subtree (every question below
# reads the node, never a context variable or a setting), and trees are never changed once read (tests:
# `fastwalk.CHECK` compares each remembered answer with a fresh one). Weak keys: a tree no longer used
# drops its answers.
_REWRITES: weakref.WeakKeyDictionary[ast.AST, bool] = weakref.WeakKeyDictionary()


def _rewrite_at(sub: ast.AST) -> bool:
    return (isinstance(sub, ast.BinOp) and identity_free(sub) is not sub) or activation_call(sub) is not None \
        or default_zero_grad(sub) or (isinstance(sub, ast.Dict) and unique_keys(sub) is not sub) \
        or numpy_builtin_alias(sub) is not None or sequence_copy(sub) or reduced_list(sub) \
        or detach_under_detach(sub) or explicit_super(sub) or explicit_forward(sub) or bool(_float_operands(sub)) \
        or diagonal_gaussian(sub) or summed_density(sub) or last_dim_sum(sub) \
        or _lookup_table(sub) is not None or clamp_parts(sub) is not None or spread_concat(sub) is not None \
        or shape_list(sub) or redundant_cast(sub) or library_alias(sub) is not None or renamed_keywords(sub) \
        or checked_only(sub) or wrapper_lookup(sub) or renamed_helper(sub) is not None \
        or placed_state_load(sub) or value_conversion(sub) or dtype_info(sub) or array_function_form(sub) \
        or rng_free_transform(sub) is not None or known_call_arguments(sub) is not None \
        or deprecated_scalar_form(sub) or literal_constructor(sub) is not None or commuted_chain(sub) \
        or host_export(sub)


def equivalent_form(expr: ast.AST) -> ast.AST:
    """The expression with equivalent spellings made one: arithmetic identities removed (`1 * x`,
    `x + 0`), parameter-free activations written one way (`torch.relu(x)`, `F.relu(x)` and
    `nn.ReLU()(x)` all become `activation.relu(x)`), `zero_grad(set_to_none=True)` as `zero_grad()`, a
    `.detach()` inside a detached value dropped, clamps to both bounds written one way (`clamp(x, lo, hi)`) and NumPy's aliases of builtin types (`np.bool`) as the builtin. A copy when anything changes; the input is
    never mutated (trees are shared between detectors). Used wherever two versions of code are
    compared as values, so the detectors and the flow's symbolic comparison agree."""
    for sub in ast.walk(expr):
        if isinstance(sub, _REWRITABLE) and _needs_rewrite(sub):
            return _Equivalent().visit(copy_tree(expr))
    return expr


class _Canon(ast.NodeTransformer):
    def __init__(self, locals_: set[str], loose: bool = False) -> None:
        self.locals = locals_
        self.loose = loose

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.locals:
            return ast.copy_location(ast.Name(id="_v", ctx=node.ctx), node)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if self.loose and isinstance(node.value, ast.Name) and node.value.id == "self":
            return ast.copy_location(ast.Name(id="_v", ctx=node.ctx), node)
        self.generic_visit(node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        if self.loose and not isinstance(node.slice, ast.Slice):
            # `dims[layer_index]` in the loop's last iteration is the moved code's `dims[-1]`
            node.slice = ast.Name(id="_v", ctx=ast.Load())
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        return identity_free(node)


SUBSTITUTE_BINDINGS: ContextVar[bool] = ContextVar("substitute_bindings", default=True)
# code moved into another object's method (detectors/moved.py) reads its state as `self.x` where the
# original read a local or another object's attribute: compared with instance attributes as locals
LOOSE_ATTRIBUTES: ContextVar[bool] = ContextVar("loose_attributes", default=False)
# (id of a function, {parameter: `self.<parameter>`}): that function's own statements read those
# parameters as the instance attributes every caller passed (detectors/paramattr.py)
PARAMETER_ATTRIBUTES: ContextVar[tuple[int, dict[str, ast.expr]] | None] = ContextVar("parameter_attributes", default=None)
# (id of a function, {attribute: parameter}): that function's own statements read `self.<attribute>` as the
# parameter it has just been bound to (detectors/paramattr.py `stored_parameters`)
STORED_PARAMETERS: ContextVar[tuple[int, dict[str, str]] | None] = ContextVar("stored_parameters", default=None)


class _StoredParameters(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.names \
                and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Name(id=self.names[node.attr], ctx=ast.Load()), node)
        self.generic_visit(node)
        return node


def canon(expr: ast.AST | None, where: Site | FunctionInfo | None = None) -> str:
    """Source text of an expression with callee parameters bound to the caller's arguments and
    local variable names replaced by `_v` (tolerant to renames and extracted functions)."""
    if expr is None:
        return ""
    if isinstance(where, Site):
        if SUBSTITUTE_BINDINGS.get():
            expr = substitute(expr, where.bindings)
        attributes = PARAMETER_ATTRIBUTES.get()
        if attributes is not None and attributes[0] == id(where.fn):
            expr = substitute(expr, attributes[1])  # type: ignore[arg-type]
        stored = STORED_PARAMETERS.get()
        if stored is not None and stored[0] == id(where.fn):
            expr = _StoredParameters(stored[1]).visit(copy_tree(expr))
        names: set[str] | frozenset[str] = where.scope_locals
        expr = resolve_config(expr, where.fn)
    else:
        names = where.local_names if where is not None else frozenset()
        expr = resolve_config(expr, where)
    tree = _Canon(set(names), LOOSE_ATTRIBUTES.get()).visit(copy_tree(expr))
    return unparse(tree, limit=200)


def mentions_role(expr: ast.AST, roles: set[str], skip_coefficients: bool = True) -> bool:
    for sub in ast.walk(expr):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if name is None or (skip_coefficients and is_coefficient(name)):
            continue
        if role(name) in roles:
            return True
    return False


def roles_in(expr: ast.AST) -> set[str]:
    out: set[str] = set()
    for sub in ast.walk(expr):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if name and not is_coefficient(name):
            r = role(name)
            if r:
                out.add(r)
    return out


def signed_terms(expr: ast.AST, sign: int = 1) -> list[tuple[int, ast.AST]]:
    """Split a sum into signed terms: `a - c * b` -> [(+1, a), (-1, c * b)]; `+ 0` terms vanish."""
    expr = identity_free(expr)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return signed_terms(expr.left, sign) + signed_terms(expr.right, sign)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Sub):
        return signed_terms(expr.left, sign) + signed_terms(expr.right, -sign)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        return signed_terms(expr.operand, -sign)
    return [(sign, expr)]


def assigned_sign(node: ast.stmt) -> int:
    """The sign an assignment gives its value's terms: `loss -= a + b` subtracts both (`loss = loss - a - b`).
    Real shape: jingweiz/pytorch-rl (b9b87d89..8f953c0a) `a3c_single_process.py` rewrote
    `loss = loss - logp * A - beta * H` as `loss -= logp * A + beta * H`, the same loss, and read as
    "Entropy term sign flipped" (critical)."""
    return -1 if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Sub) else 1


def factors(expr: ast.AST) -> list[ast.AST]:
    """Factors of a product, without `1` factors (`1 * x` is `x`)."""
    expr = identity_free(expr)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return factors(expr.left) + factors(expr.right)
    return [expr]


def coefficient_text(parts: list[ast.AST]) -> str:
    """Coefficient factors as text, config names collapsed (`args.ent_coef` -> COEF)."""
    out = []
    for p in parts:
        name = dotted(p)
        if name and is_coefficient(last_name(name)):
            out.append("COEF")
        else:
            out.append(unparse(p, limit=60))
    return " * ".join(sorted(out)) or "1"


def optimizer_step(call: ast.Call) -> bool:
    if last_name(call_name(call)) != "step":
        return False
    recv = receiver(call)
    return bool(OPTIMIZER_RECEIVER.search(recv)) and not SCHEDULER_RECEIVER.search(recv)


def scheduler_step(call: ast.Call) -> bool:
    return last_name(call_name(call)) == "step" and bool(SCHEDULER_RECEIVER.search(receiver(call)))


def env_step(call: ast.Call) -> bool:
    recv = receiver(call)
    return last_name(call_name(call)) in {"step", "step_async", "step_wait"} and bool(ENV_RECEIVER.search(recv))


def has_backward(sites: list[Site]) -> bool:
    return any(method_name(call) == "backward" for _, call, _ in calls(sites))


def computes_loss(sites: list[Site]) -> bool:
    if has_backward(sites):
        return True
    return any("loss" in target_roles(node) for _, node, _ in assigns(sites))


def weighted_aliases(sites: list[Site]) -> dict[str, ast.expr]:
    """`bonus = args.ent_coef * entropy` style names: a product with a coefficient or a literal."""
    out: dict[str, ast.expr] = {}
    for _site, node, value in assigns(sites):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        parts = factors(value)
        if len(parts) > 1 and any(
            (isinstance(p, ast.Constant) and isinstance(p.value, int | float))
            or (dotted(p) and is_coefficient(last_name(dotted(p))))
            for p in parts
        ):
            out[node.targets[0].id] = value
    return out


def expand_aliases(expr: ast.expr, aliases: dict[str, ast.expr], depth: int = 3) -> ast.expr:
    """Replace weighted-alias names inside a sum by their definition (rename/extract tolerant)."""
    if depth <= 0:
        return expr
    if isinstance(expr, ast.Name) and expr.id in aliases:
        return expand_aliases(aliases[expr.id], {k: v for k, v in aliases.items() if k != expr.id}, depth - 1)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Sub):
        return ast.BinOp(left=expand_aliases(expr.left, aliases, depth), op=expr.op,
                         right=expand_aliases(expr.right, aliases, depth))
    if isinstance(expr, ast.UnaryOp):
        return ast.UnaryOp(op=expr.op, operand=expand_aliases(expr.operand, aliases, depth))
    return expr


def inlined_call_assigns(sites: list[Site]) -> AbstractSet[int]:
    """Ids of `x = helper(...)` statements whose helper was inlined and whose returned expression the
    walk re-reads as `x = <returned expression>` (`return a + b`, `return a, b + c`).

    Such a call site says nothing beyond the inlined body: counting it too would make an extracted
    helper look like one more assignment than the inlined original. Computed once per cached walk
    (`SiteList`): several detectors ask for the same function's."""
    if isinstance(sites, SiteList):
        if sites.inlined_assigns is None:
            sites.inlined_assigns = frozenset(_inlined_call_assigns(sites))
        return sites.inlined_assigns
    return _inlined_call_assigns(sites)


def _inlined_call_assigns(sites: list[Site]) -> set[int]:
    out: set[int] = set()
    n = len(sites)
    for i, site in enumerate(sites):
        node = site.node
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Call):
            continue
        callee = last_name(call_name(node.value))
        own = {id(sub) for sub in ast.walk(node)}
        k = i + 1
        # the statement's own nodes and anything inlined from its arguments, up to the callee's body
        while k < n and (id(sites[k].node) in own or sites[k].depth > site.depth) and not (
            sites[k].depth == site.depth + 1 and last_name(sites[k].fn.qualname) == callee
        ):
            k += 1
        if k >= n or sites[k].depth != site.depth + 1 or last_name(sites[k].fn.qualname) != callee:
            continue
        callee_fn = sites[k].fn
        while k < n and sites[k].depth > site.depth:
            s = sites[k]
            if s.fn is callee_fn and s.depth == site.depth + 1 and isinstance(s.node, ast.Return):
                value = s.node.value
                if value is not None and not isinstance(value, ast.Name) and not (
                    isinstance(value, ast.Tuple | ast.List) and all(isinstance(e, ast.Name) for e in value.elts)
                ):
                    out.add(id(node))
                break
            k += 1
    return out


_PARENTS: dict[int, tuple[ast.AST, dict[int, ast.AST]]] = {}


def parent_map(fn: FunctionInfo) -> dict[int, ast.AST]:
    """id(node) -> parent node inside a function (cached, bounded: detectors look at a few at a time)."""
    cached = _PARENTS.get(id(fn.node))
    if cached is None or cached[0] is not fn.node:
        table: dict[int, ast.AST] = {}
        for parent in ast.walk(fn.node):
            for child in ast.iter_child_nodes(parent):
                table[id(child)] = parent
        cached = (fn.node, table)
        if len(_PARENTS) > 256:
            _PARENTS.clear()
        _PARENTS[id(fn.node)] = cached
    return cached[1]


LOG_SINK_CALL = re.compile(
    r"^(print|pprint|log|info|debug|warning|warn|add_scalars?|add_histogram|add_text|set_description|"
    r"set_postfix|log_dict|log_metrics|record)$"
)
LOG_SINK_RECEIVER = re.compile(r"(^|\.)(log|logger|logging|writer|wandb|tensorboard|tb|summary_writer|pbar|tqdm|console)$",
                               re.IGNORECASE)


def in_log_sink(site: Site) -> bool:
    """Whether a node is an argument of a print / logger / summary-writer call (it reaches a log, not
    training)."""
    parents = parent_map(site.fn)
    cur = parents.get(id(site.node))
    while cur is not None and not isinstance(cur, ast.stmt):
        if isinstance(cur, ast.Call) and (
            LOG_SINK_CALL.match(last_name(call_name(cur)) or "") or LOG_SINK_RECEIVER.search(receiver(cur))
        ):
            return True
        cur = parents.get(id(cur))
    return False
