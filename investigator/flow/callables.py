"""A closure factory replaced by a callable class (or the reverse): the same callable, from the same arguments.

Real shape (stable-baselines3 and its contrib, v2.5.0..v2.7.0): `get_linear_fn(start, end, end_fraction)`
returned a nested `func(progress_remaining)` reading the three captured arguments; v2.7.0 calls
`LinearSchedule(start, end, end_fraction)`, whose `__init__` stores each argument as `self.<attr>` and
whose `__call__(progress_remaining)` computes what `func` computed. `get_schedule_fn(x)` ->
`FloatSchedule(x)` likewise (`return lambda p: float(value_schedule(p))` and `__call__` returning
`float(self.value_schedule(p))`). Each call site (DQN's exploration schedule, PPO's clip range) read as
a significant "behavioural change in the loss path".

Each form is reduced to its callable's body with the captured names (the factory's parameters) and the
`self.<attr>` the class's `__init__` sets replaced by the position of the constructor parameter they come
from, and the callable's own parameters by their position. Two calls are the same when those bodies are
equal and the calls pass the same arguments to the same positions. A captured argument the factory
uses as passed must be stored as passed (`self.end = end`); one the factory rebinds first (`value_schedule
= constant_fn(...)` for a number) must be stored from that parameter alone. A different body, an
attribute computed from another argument or from several, or a class that keeps other state is a change.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.detectors.flow import Flow
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import SideIndex
from investigator.pyast import call_name, copy_tree, default_values, last_name

CALL = "__call__"
NOTICES = frozenset({"warn", "deprecated"})  # `warnings.warn(...)`: a deprecation notice is no behaviour


@dataclass(frozen=True)
class BuiltCallable:
    """A callable built from constructor arguments: its parameters and its body, reduced (see module doc)."""

    params: tuple[str, ...]  # the factory's / `__init__`'s parameters (without `self`)
    defaults: dict[str, ast.expr]
    body: str  # the callable's body with captured values and its own parameters by position


def same_callable(base_stmt: ast.stmt, cand_stmt: ast.stmt, base_fn: FunctionInfo, cand_fn: FunctionInfo,
                  resolvers: tuple[Flow, Flow], sides: tuple[SideIndex, SideIndex]) -> bool:
    """The two statements are alike but for calls of another callable factory or class that builds the
    same callable from the same arguments (at least one such call)."""
    found: list[bool] = []
    ok = _same(base_stmt, cand_stmt, (base_fn, cand_fn), resolvers, sides, found)
    return ok and bool(found)


def _same(a: object, b: object, fns: tuple[FunctionInfo, FunctionInfo], resolvers: tuple[Flow, Flow],
          sides: tuple[SideIndex, SideIndex], found: list[bool]) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, fns, resolvers, sides, found) for x, y in zip(a, b, strict=True))
    if not isinstance(a, ast.AST) or not isinstance(b, ast.AST):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, ast.Call) and isinstance(b, ast.Call) and call_name(a) != call_name(b):
        ca = built_callable(a, fns[0], resolvers[0], sides[0])
        cb = built_callable(b, fns[1], resolvers[1], sides[1])
        if ca is None or cb is None or ca.body != cb.body:
            return False
        ba, bb = _bound(a, ca), _bound(b, cb)
        if ba is None or bb is None or len(ba) != len(bb):
            return False
        if all(_same(x, y, fns, resolvers, sides, found) for x, y in zip(ba, bb, strict=True)):
            found.append(True)
            return True
        return False
    for name in a._fields:
        if name == "ctx":
            continue
        if not _same(getattr(a, name, None), getattr(b, name, None), fns, resolvers, sides, found):
            return False
    return True


def _bound(call: ast.Call, made: BuiltCallable) -> list[ast.expr] | None:
    """The call's arguments in the constructor's parameter order (defaults filled in)."""
    if any(isinstance(x, ast.Starred) for x in call.args) or any(k.arg is None for k in call.keywords):
        return None
    if len(call.args) > len(made.params):
        return None
    given: dict[str, ast.expr] = dict(zip(made.params, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg not in made.params or kw.arg in given:
            return None
        given[kw.arg] = kw.value
    out = []
    for p in made.params:
        value = given.get(p, made.defaults.get(p))
        if value is None:
            return None
        out.append(value)
    return out


def built_callable(call: ast.Call, fn: FunctionInfo, resolver: Flow, side: SideIndex) -> BuiltCallable | None:
    """The callable `call` builds: a project function returning a nested function or a lambda, or a
    project class with `__call__`; None otherwise."""
    callee = resolver.resolve(call, fn)
    if callee is not None and callee.class_name is None and isinstance(callee.node, ast.FunctionDef):
        return _factory(callee.node)
    name = last_name(call_name(call))
    if not name[:1].isupper():
        return None
    if name not in fn.module.imports and not any(
            isinstance(n, ast.ClassDef) and n.name == name for n in fn.module.tree.body):
        return None
    classes = side.class_defs(name)
    return _class(classes[0]) if len(classes) == 1 else None


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The body without its docstring and deprecation notices."""
    out = list(body)
    if out and isinstance(out[0], ast.Expr) and isinstance(out[0].value, ast.Constant) \
            and isinstance(out[0].value.value, str):
        out = out[1:]
    return [s for s in out if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                                   and last_name(call_name(s.value)) in NOTICES)]


def _params(args: ast.arguments, method: bool) -> tuple[str, ...] | None:
    if args.vararg or args.kwarg or args.kwonlyargs:
        return None
    names = [a.arg for a in [*args.posonlyargs, *args.args]]
    if method:
        if not names or names[0] != "self":
            return None
        names = names[1:]
    return tuple(names)


def _factory(node: ast.FunctionDef) -> BuiltCallable | None:
    """`def f(a, b): [setup rebinding parameters]; def g(x): ...; return g` (or `return lambda x: ...`)."""
    params = _params(node.args, method=False)
    body = _statements(node.body)
    if params is None or not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    returned = body[-1].value
    inner: ast.FunctionDef | ast.Lambda | None = None
    if isinstance(returned, ast.Lambda):
        inner = returned
        setup = body[:-1]
    elif isinstance(returned, ast.Name):
        defs = [s for s in body[:-1] if isinstance(s, ast.FunctionDef) and s.name == returned.id]
        if len(defs) != 1:
            return None
        inner = defs[0]
        setup = [s for s in body[:-1] if s is not inner]
    else:
        return None
    rebound: set[str] = set()
    for stmt in setup:
        assigned = _setup_assigns(stmt)
        if assigned is None or not assigned <= set(params):
            return None
        rebound |= assigned
    if inner.decorator_list if isinstance(inner, ast.FunctionDef) else False:
        return None
    own = _params(inner.args, method=False)
    if own is None:
        return None
    captured = {p: (f"_c{i}" if p not in rebound else f"_d{i}") for i, p in enumerate(params)}
    stmts: list[ast.stmt] = list(inner.body) if isinstance(inner, ast.FunctionDef) else [ast.Return(value=inner.body)]
    text = _reduced(_statements(stmts), {**captured, **{p: f"_a{k}" for k, p in enumerate(own)}}, {})
    return BuiltCallable(params, default_values(node), text) if text is not None else None


def _setup_assigns(stmt: ast.stmt) -> set[str] | None:
    """Names a setup statement of a factory assigns (plain names only: `if`, `assert`, assignments)."""
    if isinstance(stmt, ast.Assert):
        return set()
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        return {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    if isinstance(stmt, ast.If):
        out: set[str] = set()
        for s in [*stmt.body, *stmt.orelse]:
            got = _setup_assigns(s)
            if got is None:
                return None
            out |= got
        return out
    return None


def _class(cls: ast.ClassDef) -> BuiltCallable | None:
    """`class C: def __init__(self, a, b): self.a = a ...; def __call__(self, x): ...` (no base class, or
    `object`: an inherited `__call__` or `__init__` is not read)."""
    if any(not (isinstance(b, ast.Name) and b.id == "object") for b in cls.bases) or cls.keywords:
        return None
    methods = {s.name: s for s in cls.body if isinstance(s, ast.FunctionDef)}
    init, call = methods.get("__init__"), methods.get(CALL)
    if init is None or call is None or init.decorator_list or call.decorator_list:
        return None
    params, own = _params(init.args, method=True), _params(call.args, method=True)
    if params is None or own is None:
        return None
    stored: dict[str, list[ast.expr]] = {}
    for stmt in _statements(init.body):
        if not _stores(stmt, stored):
            return None
    attrs: dict[str, str] = {}
    for attr, values in stored.items():
        sources = [{n.id for n in ast.walk(v) if isinstance(n, ast.Name)} & set(params) for v in values]
        if any(len(s) != 1 for s in sources) or len({p for s in sources for p in s}) != 1:
            continue  # computed from no argument or from several: not one argument's value
        p = next(iter(sources[0]))
        exact = len(values) == 1 and isinstance(values[0], ast.Name)
        attrs[attr] = f"_c{params.index(p)}" if exact else f"_d{params.index(p)}"
    text = _reduced(_statements(call.body), {p: f"_a{k}" for k, p in enumerate(own)}, attrs)
    return BuiltCallable(params, default_values(init), text) if text is not None else None


def _stores(stmt: ast.stmt, stored: dict[str, list[ast.expr]]) -> bool:
    """Record the `self.<attr> = value` of a constructor statement (`if`/`assert` allowed around them)."""
    if isinstance(stmt, ast.Assert):
        return True
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        if len(targets) != 1:
            return False
        t = targets[0]
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
            stored.setdefault(t.attr, []).append(stmt.value)
            return True
        return False
    if isinstance(stmt, ast.If):
        return all(_stores(s, stored) for s in [*stmt.body, *stmt.orelse])
    return False


class _Reduce(ast.NodeTransformer):
    def __init__(self, names: dict[str, str], attrs: dict[str, str]) -> None:
        self.names, self.attrs, self.unknown = names, attrs, False

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "self":
            self.unknown = True  # `self` other than `self.<stored attr>`: the object's other state
        return ast.Name(id=self.names.get(node.id, node.id), ctx=ast.Load())

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "self":
            if node.attr not in self.attrs or not isinstance(node.ctx, ast.Load):
                self.unknown = True
                return node
            return ast.Name(id=self.attrs[node.attr], ctx=ast.Load())
        self.generic_visit(node)
        return node


def _reduced(body: list[ast.stmt], names: dict[str, str], attrs: dict[str, str]) -> str | None:
    if not body:
        return None
    reducer = _Reduce(names, attrs)
    out = [reducer.visit(copy_tree(s)) for s in body]
    if reducer.unknown:
        return None
    return "\n".join(ast.dump(s, annotate_fields=False) for s in out)
