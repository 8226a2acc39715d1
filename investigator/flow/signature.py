"""Calls that cannot bind to their callee: code that raised `TypeError` whenever it ran.

Real shape (PufferLib, a classic-control policy): `super().__init__(env, input_size, hidden_size)`
in `Policy(pufferlib.models.Default)`, whose base takes `__init__(self, env, hidden_size=128)`: the
baseline's call passes three positional arguments to a method that takes two, so constructing that
policy raised `TypeError` and no run ever trained with it. A later commit changed the call to
`super().__init__(env, hidden_size)`; the flow analyzer reported "Behavioural change in the
architecture path", significant, above a real regression of the same range. A change from a call
that cannot bind to one that does is a likely fix: it changes no run that worked.

Only what the code proves counts: the callee is the project function the call resolves to (a unique
definition, or the base-class method `super().m(...)` reaches); a callee with decorators other than
`staticmethod`/`classmethod` (they may change the signature), a `*args`/`**kwargs` at the call, or a
callee that takes `*args`/`**kwargs` where that matters, is not judged.
"""

from __future__ import annotations

import ast

from investigator.detectors.flow import Flow
from investigator.detectors.functions import FunctionInfo
from investigator.pyast import default_values

_PLAIN_DECORATORS = {"staticmethod", "classmethod"}


def callee_of(call: ast.Call, fn: FunctionInfo, resolver: Flow) -> FunctionInfo | None:
    """The project function `call` runs: `super().m(...)` through the class's bases, else the
    resolver's unique match."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and \
            isinstance(func.value.func, ast.Name) and func.value.func.id == "super" and not func.value.args:
        if not fn.class_name:
            return None
        return resolver.inherited(fn.module, fn.class_name, func.attr)
    return resolver.resolve(call, fn)


def misfit(call: ast.Call, callee: FunctionInfo) -> str | None:
    """Why `call` cannot bind to `callee`'s parameters (as Python would say it), or None when it
    binds or the code does not show."""
    node = callee.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    decorators = {d.id if isinstance(d, ast.Name) else None for d in node.decorator_list}
    if decorators - _PLAIN_DECORATORS:
        return None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    a = node.args
    positional = [p.arg for p in (*a.posonlyargs, *a.args)]
    bound = bool(callee.class_name) and "staticmethod" not in decorators
    if bound and positional:
        positional = positional[1:]
    if a.vararg is None and len(call.args) > len(positional):
        return (f"takes {len(positional)} positional argument{'s' if len(positional) != 1 else ''} "
                f"but {len(call.args)} were given")
    given = set(positional[:len(call.args)])
    names = {p.arg for p in (*a.args, *a.kwonlyargs)} - {p.arg for p in a.posonlyargs}
    for k in call.keywords:
        assert k.arg is not None
        if k.arg in given:
            return f"got multiple values for argument '{k.arg}'"
        if k.arg not in names and a.kwarg is None:
            return f"got an unexpected keyword argument '{k.arg}'"
        given.add(k.arg)
    with_default = default_values(node)
    required = [p for p in positional if p not in with_default] + \
        [p.arg for p in a.kwonlyargs if p.arg not in with_default]
    missing = [p for p in required if p not in given]
    if missing:
        return f"missing required argument{'s' if len(missing) > 1 else ''} {', '.join(repr(p) for p in missing)}"
    return None


def signature_text(callee: FunctionInfo) -> str:
    node = callee.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return callee.qualname
    return f"{callee.qualname}({ast.unparse(node.args)})"


def fixed_call(base_calls: list[ast.Call], base_fn: FunctionInfo, cand_calls: list[ast.Call], cand_fn: FunctionInfo,
               resolvers: dict[str, Flow]) -> str | None:
    """When a call of the baseline statement cannot bind to its callee there and the candidate's
    call of the same function binds to its callee at the candidate: why the baseline's raised
    (for the finding), else None."""
    for call in base_calls:
        callee = callee_of(call, base_fn, resolvers["baseline"])
        why = misfit(call, callee) if callee is not None else None
        if callee is None or why is None:
            continue
        same = [c for c in cand_calls if ast.unparse(c.func) == ast.unparse(call.func)]
        for other in same:
            target = callee_of(other, cand_fn, resolvers["candidate"])
            if target is not None and target.qualname == callee.qualname and misfit(other, target) is None:
                return (f"the baseline's `{ast.unparse(call)}` cannot bind to `{signature_text(callee)}` "
                        f"({callee.path}:{callee.lineno}): it {why}, so it raised TypeError whenever it ran "
                        f"and no working run executed it; the candidate's `{ast.unparse(other)}` binds")
    return None
