"""Default values that are built objects: `AdamFactory(weight_decay=1e-4)` as a keyword default, and
dataclass fields whose default comes from a field maker.

Real shape (d3rlpy v1.1.1 -> v2.0.2): `AWAC.__init__(..., actor_optim_factory=AdamFactory(weight_decay=1e-4))`
became the field `actor_optim_factory: OptimizerFactory = make_optimizer_field()` of `AWACConfig`, where
`register_optimizer_factory, make_optimizer_field = generate_config_registration(OptimizerFactory,
lambda: AdamFactory())` and the helper's inner maker returns `dataclasses.field(...,
default_factory=default_factory)`: the actor's weight decay went 1e-4 -> 0 (and DiscreteSAC's Adam
`eps` 1e-4 -> 1e-8) with no literal on either side to compare. A default is read here as

 - a literal (`ast.literal_eval`);
 - `Built`: a call of a named callable whose arguments are such values (`AdamFactory(eps=1e-4)`);
 - for a field, `field(default=v)`, `field(default_factory=lambda: v)`, `field(default_factory=C)` (C()),
   or a call of a field maker: a module-level function returning such a `field(...)`, or a name bound by a
   module-level call of a helper whose nested `field(...)` takes its default from one of the helper's
   parameters (the argument the binding call gives it; a branch whose parameter is not given is not taken).
Anything else is `NO_VALUE` (not compared).
"""

from __future__ import annotations

import ast
import re
from typing import NamedTuple

from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.pyast import parameter_defaults

NO_VALUE = object()
_FIELD_CALLS = ("field", "Field", "ib")
_MAX_DEPTH = 3


class Built(NamedTuple):
    """A call of a named callable with literal (or built) arguments: the object a default builds."""

    name: str
    args: tuple[object, ...]
    kwargs: tuple[tuple[str, object], ...]

    def render(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"{self.name}({', '.join(parts)})"

    def __repr__(self) -> str:
        return self.render()


def _callee(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def value_of(node: ast.expr | None, depth: int = 0) -> object:
    """A literal, a `Built` call of literals, or `NO_VALUE`."""
    if node is None:
        return NO_VALUE
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if not isinstance(node, ast.Call) or depth > _MAX_DEPTH:
        return NO_VALUE
    name = _callee(node.func)
    if name is None or any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return NO_VALUE
    args = tuple(value_of(a, depth + 1) for a in node.args)
    kwargs = tuple(sorted((k.arg, value_of(k.value, depth + 1)) for k in node.keywords if k.arg is not None))
    if any(v is NO_VALUE for v in args) or any(v is NO_VALUE for _, v in kwargs):
        return NO_VALUE
    return Built(name, args, kwargs)


def _factory(node: ast.expr) -> object:
    """What a `default_factory` expression builds: `lambda: v` -> v, a bare name `C` -> `C()`."""
    if isinstance(node, ast.Lambda) and not node.args.args:
        return value_of(node.body)
    if isinstance(node, ast.Name):
        if node.id in ("list", "dict", "tuple"):
            return {"list": [], "dict": {}, "tuple": ()}[node.id]
        return Built(node.id, (), ())
    return NO_VALUE


def _is_field_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _callee(node.func) in _FIELD_CALLS


def field_call_default(call: ast.Call, bound: dict[str, ast.expr] | None = None) -> object:
    """The default of a `field(...)` call; `bound` maps an enclosing helper's parameters to the
    arguments of the call that made the maker (a parameter not given -> `NO_VALUE`)."""
    for kw in call.keywords:
        if kw.arg not in ("default", "default_factory"):
            continue
        value = kw.value
        if bound is not None and isinstance(value, ast.Name) and value.id in bound:
            value = bound[value.id]
            if isinstance(value, ast.Constant) and value.value is None:
                return NO_VALUE
        return value_of(value) if kw.arg == "default" else _factory(value)
    return NO_VALUE


class FieldMakers:
    """Resolves calls of field makers (`make_optimizer_field()`) at one commit, by name."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self._cache: dict[str, object] = {}

    def default(self, value: ast.expr | None) -> object:
        """A field's default expression -> its value (see the module docstring)."""
        if value is None:
            return NO_VALUE
        if _is_field_call(value):
            assert isinstance(value, ast.Call)
            return field_call_default(value)
        if isinstance(value, ast.Call) and not value.args and not value.keywords:
            name = _callee(value.func)
            if name is not None:
                if name not in self._cache:
                    self._cache[name] = self._maker(name)
                found = self._cache[name]
                if found is not NO_VALUE:
                    return found
        return value_of(value)

    def _modules_binding(self, name: str) -> list[ast.Module]:
        pattern = re.compile(rf"^(?:def\s+{name}\b|[\w\s,(]*\b{name}\b[\w\s,)]*=)|^\s+{name},?\s*$", re.MULTILINE)
        out = []
        for path, text in self.side.texts().items():
            if path.endswith(PY_SUFFIXES) and name in text and pattern.search(text):
                module = self.side.module(path)
                if module is not None:
                    out.append(module.tree)
        return out

    def _maker(self, name: str) -> object:
        """The default made by the module-level maker `name` (one definition in the commit)."""
        found: list[object] = []
        for tree in self._modules_binding(name):
            for stmt in tree.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name == name and not stmt.args.args:
                    found.append(self._returned_field(stmt, None))
                elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and any(
                        name in _target_names(t) for t in stmt.targets):
                    found.append(self._helper_default(stmt.value))
        return found[0] if len(found) == 1 else NO_VALUE

    @staticmethod
    def _returned_field(func: ast.FunctionDef, bound: dict[str, ast.expr] | None) -> object:
        values = [field_call_default(n, bound) for n in ast.walk(func) if _is_field_call(n)]  # type: ignore[arg-type]
        usable = {repr(v): v for v in values if v is not NO_VALUE}
        return next(iter(usable.values())) if len(usable) == 1 else NO_VALUE

    def _helper_default(self, call: ast.Call) -> object:
        """`a, maker = helper(Base, lambda: C())`: the default of the `field(...)` the helper nests,
        its parameters bound to the call's arguments."""
        helper = _callee(call.func)
        defs = [s for tree in self._modules_binding(helper) for s in tree.body
                if isinstance(s, ast.FunctionDef) and s.name == helper] if helper else []
        if len(defs) != 1:
            return NO_VALUE
        params = [p for p, _ in parameter_defaults(defs[0])]
        # a parameter the call does not give is its default, or None (the branch for it is not taken)
        bound: dict[str, ast.expr] = {p.arg: d if d is not None else ast.Constant(None)
                                      for p, d in parameter_defaults(defs[0])}
        for param, arg in zip(params, call.args, strict=False):
            bound[param.arg] = arg
        bound.update({k.arg: k.value for k in call.keywords if k.arg is not None})
        return self._returned_field(defs[0], bound)


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {n for e in target.elts for n in _target_names(e)}
    return set()
