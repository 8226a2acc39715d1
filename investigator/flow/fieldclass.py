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
        value = ast.unparse(stmt.value) if stmt.value is not None else None
        if name in params and params[name][0] == value:
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
    for name, attr in stored.items():
        others = literal.get(attr, [])
        # besides the parameter, only its own default is ever written (`self._x = None` before a
        # conditional `self._x = x`, default None): the attribute holds what was given or the default
        if name in defaults and name not in rebound and written.get(attr) == 1 + len(others) \
                and all(o == defaults[name] for o in others):
            out[name] = (defaults[name], bool(others))
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
