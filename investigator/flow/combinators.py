"""JAX's combinators call the function they are handed, with operands the code shows.

`jax.lax.scan(f, init, xs)` runs `f(carry, x)` with `init` and the slices of `xs`; `fori_loop(lo, hi, body,
init)` runs `body(i, val)`; `while_loop(cond, body, init)` runs `body(val)`; `lax.map(f, xs)` runs `f(x)`;
`cond(pred, t, f, *ops)` runs `t(*ops)` or `f(*ops)`; `jax.vmap(f)(x, y)`, `jax.jit(f)(x)` and
`jax.value_and_grad(f)(p, b)` (also through a local: `grad_fn = jax.value_and_grad(f)`) run `f(x, y)`.
A library call is opaque to the flow: without these readings a value handed to a scanned update stopped
there. Real shape (purejaxrl's PPO, held-out 3): the transitions a scanned `_env_step` returns are the
`traj_batch` that a scanned GAE and a scanned minibatch update read; the stored done flag changed and
reached nothing. `functools.partial(f, a)` hands `f` on with its first positions taken.
"""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import call_name, last_name

# loop combinator of `jax.lax` -> ((function position, keyword), ((operand position, keyword, parameter position), ...))
LOOPS: dict[str, tuple[tuple[int, str], tuple[tuple[int, str, int], ...]]] = {
    "scan": ((0, "f"), ((1, "init", 0), (2, "xs", 1))),
    "fori_loop": ((2, "body_fun"), ((3, "init_val", 1),)),
    "while_loop": ((1, "body_fun"), ((2, "init_val", 0),)),
    "map": ((0, "f"), ((1, "xs", 0),)),
}
# `jax.lax.cond(pred, true_fun, false_fun, *operands)`: the branches take the operands from position 3 on
BRANCHES = {"cond": ((1, 2), 3)}
# transforms whose result, called, calls the function with the same arguments
TRANSFORMS = {"vmap", "pmap", "jit", "pjit", "checkpoint", "remat", "grad", "value_and_grad", "named_call",
              "filter_jit", "filter_vmap", "filter_pmap", "filter_grad", "filter_value_and_grad"}
TRANSFORM_ROOTS = ("jax.", "equinox.")


@dataclass(frozen=True)
class Invocation:
    """A call of `function` that a combinator makes: operands by parameter position (after what a
    `functools.partial` took) and by keyword."""

    function: ast.expr
    positional: tuple[tuple[int, ast.expr], ...]
    keywords: tuple[tuple[str, ast.expr], ...] = ()


def invocations(call: ast.Call, fn: FunctionInfo) -> list[Invocation]:
    """The calls of project-visible functions `call` makes through a JAX combinator (none for others)."""
    imports = fn.module.imports
    func = call.func
    if isinstance(func, ast.Call) and _transform(func, imports):
        return _applied(func, call)
    if isinstance(func, ast.Name):
        made = _local_transform(fn, func.id, imports)
        return _applied(made, call) if made is not None else []
    full = _expanded(call_name(call), imports)
    if ".lax." not in f".{full}" or not full.startswith("jax"):
        return []
    name = last_name(full)
    if name in LOOPS:
        (where, keyword), operands = LOOPS[name]
        target = _argument(call, where, keyword)
        if target is None:
            return []
        bound = tuple((param, op) for pos, kw, param in operands if (op := _argument(call, pos, kw)) is not None)
        return [_through_partial(target, bound)]
    if name in BRANCHES:
        positions, first = BRANCHES[name]
        bound = tuple(enumerate(a for a in call.args[first:] if not isinstance(a, ast.Starred)))
        return [_through_partial(t, bound) for p in positions if p < len(call.args)
                for t in [call.args[p]]]
    return []


def _applied(transform: ast.Call, call: ast.Call) -> list[Invocation]:
    if not transform.args:
        return []
    bound = tuple((i, a) for i, a in enumerate(call.args) if not isinstance(a, ast.Starred))
    keywords = tuple((k.arg, k.value) for k in call.keywords if k.arg)
    inv = _through_partial(transform.args[0], bound)
    return [Invocation(inv.function, inv.positional, keywords)]


def _through_partial(target: ast.expr, bound: tuple[tuple[int, ast.expr], ...]) -> Invocation:
    """`functools.partial(f, a, b)` as the function: `f`, its first two positions taken by `a`, `b`."""
    if isinstance(target, ast.Call) and last_name(call_name(target)) == "partial" and target.args:
        taken = target.args[1:]
        shifted = tuple((i + len(taken), op) for i, op in bound)
        own = tuple((i, a) for i, a in enumerate(taken) if not isinstance(a, ast.Starred))
        keywords = tuple((k.arg, k.value) for k in target.keywords if k.arg)
        return Invocation(target.args[0], own + shifted, keywords)
    return Invocation(target, bound)


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == keyword:
            return k.value
    if position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:position + 1]):
        return call.args[position]
    return None


def _expanded(name: str, imports: dict[str, str]) -> str:
    """`lax.scan` -> `jax.lax.scan` after `from jax import lax` (the import's dotted name for the root)."""
    root, _, rest = name.partition(".")
    full = imports.get(root, root)
    return f"{full}.{rest}" if rest else full


def _transform(call: ast.Call, imports: dict[str, str]) -> bool:
    full = _expanded(call_name(call), imports)
    return last_name(full) in TRANSFORMS and full.startswith(TRANSFORM_ROOTS)


def _local_transform(fn: FunctionInfo, name: str, imports: dict[str, str]) -> ast.Call | None:
    """`grad_fn = jax.value_and_grad(_loss_fn)` in `fn`: the transform a later `grad_fn(...)` calls."""
    if name not in fn.local_names:
        return None
    found = _TRANSFORMS_OF.get(fn)
    if found is None or found[0] is not imports:
        found = _TRANSFORMS_OF[fn] = (imports, _local_transforms(fn, imports))
    return found[1].get(name)


# function -> (the imports it was read with, `_local_transforms`): the flow asks about every call of a local
# name of a function, and each question walked the whole function
_TRANSFORMS_OF: weakref.WeakKeyDictionary[FunctionInfo, tuple[dict[str, str], dict[str, ast.Call]]] = \
    weakref.WeakKeyDictionary()


def _local_transforms(fn: FunctionInfo, imports: dict[str, str]) -> dict[str, ast.Call]:
    """Local name -> the first transform assigned to it in `fn` (walk order), in one walk."""
    out: dict[str, ast.Call] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id not in out and isinstance(node.value, ast.Call) \
                and _transform(node.value, imports):
            out[node.targets[0].id] = node.value
    return out


GRADIENTS = {"grad", "value_and_grad", "filter_grad", "filter_value_and_grad"}


def differentiated_operands(call: ast.Call, fn: FunctionInfo) -> list[ast.expr]:
    """The operands of a call of a differentiated function (`jax.grad(loss_fn)(params, batch)`, or
    `grad_fn(params, batch)` after `grad_fn = jax.value_and_grad(loss_fn)`): what the loss is computed from,
    beside the parameters differentiated (the first operand: a change there is the parameters', placed as
    before). Empty for any other call."""
    imports = fn.module.imports
    func = call.func
    made = func if isinstance(func, ast.Call) and _transform(func, imports) else \
        _local_transform(fn, func.id, imports) if isinstance(func, ast.Name) else None
    if made is None or last_name(_expanded(call_name(made), imports)) not in GRADIENTS:
        return []
    return [*call.args[1:], *(k.value for k in call.keywords)]

