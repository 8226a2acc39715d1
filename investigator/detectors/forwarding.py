"""A project callable that only forwards to a library call is that call.

Real shape (coach ba20396f..2c60cb5a, precision set 19 #1 "Layer changed: `-` -> `Flatten()`"): the embedder's
`self.output = tf.contrib.layers.flatten(self.layers[-1])` became `Flatten()(self.layers[-1])`, a new project class
whose `__call__(self, input_layer, **kwargs)` is `return tf.contrib.layers.flatten(input_layer)`. The network is the
same: the wrapper's body, with its parameters bound to the call's arguments, is the baseline's call.

`forwarded(call, fn)` expands `W(...)(args)` (a class whose own `__call__` / `call` / `forward` is one `return
lib(...)`) and `w(args)` (a module function of that form) into the forwarded call, or None. The forwarded call may
read only the method's parameters and constants (not `self`: what the constructor stored could differ), and names
the library by an import the wrapper's module binds like the caller's module (`tf` -> `tensorflow` in both).
"""

from __future__ import annotations

import ast
import copy
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.flow.wrappers import _classes, _imported_module
from investigator.pyast import dotted

MAX_DEPTH = 5
CALL_METHODS = ("__call__", "call", "forward")


def _class(name: str, module: Any, depth: int = 0) -> tuple[ast.ClassDef, Any] | None:
    """The project class `name` seen from `module` (followed through imports and re-exports) with its module."""
    if depth > MAX_DEPTH:
        return None
    cls = _classes(module).get(name)
    if cls is not None:
        return cls, module
    other = _imported_module(module, name, module.index)
    return _class(name, other, depth + 1) if other is not None and other is not module else None


def _function(name: str, module: Any, depth: int = 0) -> tuple[ast.FunctionDef, Any] | None:
    """The module-level function `name` seen from `module` (followed through imports) with its module."""
    if depth > MAX_DEPTH:
        return None
    for node in module.tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node, module
    other = _imported_module(module, name, module.index)
    return _function(name, other, depth + 1) if other is not None and other is not module else None


def _body(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body


def _forwarding_return(fn: ast.FunctionDef, params: list[str]) -> ast.Call | None:
    """`lib(...)` of a body that is only `return lib(...)`, reading only `params` and constants."""
    body = _body(fn)
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return None
    call = body[0].value
    if not dotted(call.func) or any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords):
        return None
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Name) and node.id not in params:
                return None
    return call


def _bind(fn: ast.FunctionDef, call: ast.Call, skip_self: bool) -> dict[str, ast.expr] | None:
    """Parameter -> the caller's argument (or the parameter's default); None when the call does not fit plainly."""
    args = fn.args
    if args.posonlyargs or any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    names = [a.arg for a in args.args][1 if skip_self else 0:]
    if len(call.args) > len(names):
        return None
    bound: dict[str, ast.expr] = dict(zip(names, call.args, strict=False))
    kwonly = [a.arg for a in args.kwonlyargs]
    for k in call.keywords:
        if k.arg in bound or (k.arg not in names and k.arg not in kwonly):
            return None
        bound[str(k.arg)] = k.value
    defaults = dict(zip(names[len(names) - len(args.defaults):], args.defaults, strict=False)) if args.defaults else {}
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False) if d is not None})
    for name in [*names, *kwonly]:
        if name not in bound:
            if name not in defaults:
                return None
            bound[name] = defaults[name]
    return bound


class _Substitute(ast.NodeTransformer):
    def __init__(self, bound: dict[str, ast.expr]) -> None:
        self.bound = bound

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copy.deepcopy(self.bound[node.id]) if node.id in self.bound else node


def _same_library(name: str, wrapper_module: Any, caller_module: Any) -> bool:
    root = name.split(".", 1)[0]
    return wrapper_module.imports.get(root) == caller_module.imports.get(root) and root in wrapper_module.imports


def _expand(fn: ast.FunctionDef, module: Any, call: ast.Call, skip_self: bool, caller: Any) -> ast.Call | None:
    names = [a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]][1 if skip_self else 0:]
    inner = _forwarding_return(fn, names)
    bound = _bind(fn, call, skip_self) if inner is not None else None
    if inner is None or bound is None or not _same_library(dotted(inner.func), module, caller):
        return None
    out = _Substitute(bound).visit(copy.deepcopy(inner))
    return out if isinstance(out, ast.Call) else None


def forwarded(call: ast.Call, fn: FunctionInfo) -> ast.Call | None:
    """The library call `call` forwards to (see the module doc), or None."""
    caller = fn.module
    if caller.index is None:
        return None
    if isinstance(call.func, ast.Call) and isinstance(call.func.func, ast.Name):
        found = _class(call.func.func.id, caller)
        if found is None:
            return None
        cls, module = found
        method = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name in CALL_METHODS), None)
        return _expand(method, module, call, True, caller) if method is not None else None
    if isinstance(call.func, ast.Name):
        found_fn = _function(call.func.id, caller)
        return _expand(found_fn[0], found_fn[1], call, False, caller) if found_fn is not None else None
    return None


def applied(node: ast.Call, fn: FunctionInfo) -> ast.Call | None:
    """The call that applies `node`'s result at once (`W()(x)` for `node` = `W()`), or None."""
    for sub in ast.walk(fn.node):
        if isinstance(sub, ast.Call) and sub.func is node:
            return sub
    return None
