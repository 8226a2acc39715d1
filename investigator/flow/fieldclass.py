"""A class converted to a dataclass: fields that carry what the old class held the same way.

A common refactor turns `__init__(self, n_quantiles=32)` storing `self._n_quantiles = n_quantiles`
(often with a read-only `n_quantiles` property) into a dataclass field `n_quantiles: int = 32`, and
read-only properties over arrays an `__init__` computed into bare fields filled by a constructor
function (`observations: torch.Tensor`, set by `from_batch`). The class-body pair then shows new
field statements, which the flow places on the loss path although every instance holds the same
values as before. Real shapes: d3rlpy v1 -> v2 (`QRQFunctionFactory`, `IQNQFunctionFactory`,
`TorchMiniBatch`).

A field counts as carried over only when the baseline class (or a base class in its module) had
 - an `__init__` parameter of the field's name, with the same default (both absent, or the same
   text), stored unchanged as `self.<name>` or `self._<name>` (a parameter scaled, clipped or
   rebound before it is stored is a computation, and the field is compared as before); or
 - for a field without a default, a read-only property of the field's name that returns
   `self._<name>` or `self.<name>` as it is (a property that computes, `self._obs / 255.0`, is not).
Whatever fills a bare field (the new constructor function) is code of its own, compared in its pair.
"""

from __future__ import annotations

import ast

from investigator.flow.classbody import field_class, with_local_bases
from investigator.pyast import parameter_defaults


def carried_fields(base_cls: ast.ClassDef, cand_cls: ast.ClassDef, base_tree: ast.Module | None
                   ) -> dict[str, str]:
    """Field name of the candidate class -> what it carries over from the baseline class."""
    if not field_class(cand_cls) or field_class(base_cls):
        return {}
    classes = with_local_bases(base_cls, base_tree)
    init = next((s for cls in classes for s in cls.body
                 if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    params = _stored_parameters(init) if init is not None else {}
    props = {name for cls in classes for name in _plain_properties(cls)}
    out: dict[str, str] = {}
    for stmt in cand_cls.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
            continue
        name = stmt.target.id
        value = _default_text(stmt.value) if stmt.value is not None else None
        if name in params and _same_default(params[name][0], value):
            out[name] = (f"`__init__` parameter `{name}`" + (f" (default `{value}`)" if value is not None else "")
                         + (" stored as given where stored, else left at that default" if params[name][1]
                            else " stored unchanged"))
        elif value is None and name in props:
            out[name] = f"read-only property `{name}` returning the stored attribute"
    return out


def _stored_parameters(init: ast.FunctionDef) -> dict[str, tuple[str | None, bool]]:
    """Parameters of `__init__` stored unchanged on `self` (as `self.p` or `self._p`) and never
    rebound: name -> (its default as text, None without one; whether the attribute is also set to
    that default literal, e.g. `self._p = None` before a conditional `self._p = p`)."""
    defaults = {p.arg: ast.unparse(d) if d is not None else None for p, d in parameter_defaults(init)[1:]}
    stored: dict[str, str] = {}  # parameter -> the attribute it is stored in
    written: dict[str, int] = {}  # attribute of `self` -> how many statements write it
    literal: dict[str, list[str]] = {}  # attribute -> the constants written into it
    rebound: set[str] = set()
    for node in ast.walk(init):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.NamedExpr) else []
        for t in targets:
            rebound.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
            for n in ast.walk(t):
                if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self":
                    written[n.attr] = written.get(n.attr, 0) + 1
                    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                        literal.setdefault(n.attr, []).append(ast.unparse(node.value))
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" \
                    and t.attr in (node.value.id, "_" + node.value.id):
                stored[node.value.id] = t.attr
    out: dict[str, tuple[str | None, bool]] = {}
    replaced = _none_replaced(init)
    for name, attr in stored.items():
        if defaults.get(name) == "None" and name in replaced and name not in rebound and written.get(attr) == 2 \
                and replaced[name][0] == attr:
            out[name] = (replaced[name][1], True)  # `None` stood for that value: the attribute's real default
            continue
        others = literal.get(attr, [])
        # besides the parameter, only its own default is ever written (`self._x = None` before a
        # conditional `self._x = x`, default None): the attribute holds what was given or the default
        if name in defaults and name not in rebound and written.get(attr) == 1 + len(others) \
                and all(o == defaults[name] for o in others):
            out[name] = (defaults[name], bool(others))
    return out


def _same_default(a: str | None, b: str | None) -> bool:
    """Equal default texts, or literals equal once tuples are read as lists (`[(32, 8, 4)]` and
    `[[32, 8, 4]]`: the same layer sizes whichever sequence holds them)."""
    if a == b or a is None or b is None:
        return a == b
    try:
        return bool(_as_lists(ast.literal_eval(a)) == _as_lists(ast.literal_eval(b)))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _as_lists(value: object) -> object:
    if isinstance(value, list | tuple):
        return [_as_lists(v) for v in value]
    return value


def _default_text(value: ast.expr) -> str:
    """A field default as the value it gives: `field(default=X)` and `field(default_factory=lambda: X)`
    read as `X` (a fresh list per instance is the list a constructor stored)."""
    if isinstance(value, ast.Call) and ast.unparse(value.func).rsplit(".", 1)[-1] == "field" and not value.args:
        for kw in value.keywords:
            if kw.arg == "default":
                return ast.unparse(kw.value)
            if kw.arg == "default_factory" and isinstance(kw.value, ast.Lambda) and not kw.value.args.args:
                return ast.unparse(kw.value.body)
    return ast.unparse(value)


def _none_replaced(init: ast.FunctionDef) -> dict[str, tuple[str, str]]:
    """Parameters whose `None` the constructor replaces by a literal, `if p is None: self._p = [256, 256]
    else: self._p = p`: parameter -> (attribute, the literal's text)."""
    out: dict[str, tuple[str, str]] = {}
    for node in ast.walk(init):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
                and isinstance(node.test.ops[0], ast.Is) and isinstance(node.test.left, ast.Name)
                and isinstance(node.test.comparators[0], ast.Constant) and node.test.comparators[0].value is None
                and len(node.body) == 1 and len(node.orelse) == 1):
            continue
        param = node.test.left.id
        then, other = node.body[0], node.orelse[0]
        if not (isinstance(then, ast.Assign) and isinstance(other, ast.Assign) and len(then.targets) == 1
                and len(other.targets) == 1 and ast.dump(then.targets[0]) == ast.dump(other.targets[0])):
            continue
        target = then.targets[0]
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
                and isinstance(other.value, ast.Name) and other.value.id == param):
            continue
        try:
            ast.literal_eval(then.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        out[param] = (target.attr, ast.unparse(then.value))
    return out


def _plain_properties(cls: ast.ClassDef) -> set[str]:
    """Names of the class's `@property` methods whose whole body returns `self._<name>` or `self.<name>`
    (a docstring aside)."""
    out: set[str] = set()
    for s in cls.body:
        if not isinstance(s, ast.FunctionDef) or not any(isinstance(d, ast.Name) and d.id == "property"
                                                         for d in s.decorator_list):
            continue
        body = [b for b in s.body if not (isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Attribute):
            ret = body[0].value
            if isinstance(ret.value, ast.Name) and ret.value.id == "self" and ret.attr in (s.name, "_" + s.name):
                out.add(s.name)
    return out
