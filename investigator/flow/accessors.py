"""A one-parameter module read through an accessor: `m()` and `next(m.parameters())` are `m.<p>`.

Real shape: d3rlpy v2.3.0..v2.4.0 replaced every `self._modules.log_temp()` (a `Parameter` module whose
`forward` returned its one `nn.Parameter`) by `get_parameter(self._modules.log_temp)` (`return
next(parameter.parameters())`), so that CUDA graphs could capture the update: the same tensor, read as a
behavioural change of the SAC, BEAR and CQL losses (four of the range's top five).

Both forms read as the attribute they return when the receiver's class is the repository's own
`nn.Module` subclass and the code says so (a parameter's annotation, an attribute its class builds or
declares, a dataclass field's annotation, a few attributes deep):
- `m()` with no argument, where the class's own `forward(self)` is `return self.<p>` and its `__call__`,
  if it has one, only hands on to `super().__call__()`;
- `next(m.parameters())`, where the class (no base of the repository's) registers one parameter, at the
  top level of `__init__`, as `self.<p> = nn.Parameter(...)`: `parameters()` yields a module's own
  parameters first.
A subclass that overrides `forward` or `__init__` may be what the receiver holds: then nothing is read.
Anything else (arguments, a `forward` that computes, a parameter registered under a branch, several
parameters) stays a call."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from investigator.detectors.attrs import annotated_classes, attribute_class, class_attributes
from investigator.detectors.functions import FunctionInfo, ParsedModule
from investigator.pyast import class_base, last_name, super_method

if TYPE_CHECKING:
    from investigator.detectors.flow import Flow

_Class = tuple[ParsedModule, ast.ClassDef]
_HOPS = 3  # attributes deep (`self._modules.log_temp`), and base classes up


def accessed(call: ast.Call, fn: FunctionInfo, resolver: Flow) -> ast.expr | None:
    """`<receiver>.<p>` for a call that only reads a one-parameter module's parameter (receiver as
    written in `fn`); None for any other call."""
    if isinstance(call.func, ast.Name) and call.func.id == "next" and len(call.args) == 1 and not call.keywords:
        inner = call.args[0]
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "parameters" \
                and not inner.args and not inner.keywords:
            return _read(inner.func.value, fn, resolver, _first_parameter, "__init__")
        return None
    if call.args or call.keywords or not isinstance(call.func, ast.Attribute | ast.Name):
        return None
    return _read(call.func, fn, resolver, _returned_attribute, "forward")


def _read(receiver: ast.expr, fn: FunctionInfo, resolver: Flow, reader, method: str) -> ast.expr | None:
    found = receiver_class(receiver, fn, resolver)
    if found is None or not _is_module(found, resolver) or resolver.overridden_below(found[1].name, method):
        return None
    attr = reader(found, resolver)
    return ast.Attribute(value=receiver, attr=attr, ctx=ast.Load()) if attr else None


def receiver_class(expr: ast.expr, fn: FunctionInfo, resolver: Flow, hops: int = _HOPS) -> _Class | None:
    """The repository's class the code says `expr` holds: an annotated parameter of `fn`, an attribute
    of `self` its class builds or declares, a field of such an object's class (or of its bases)."""
    if isinstance(expr, ast.Name):
        return _annotated_parameter(expr.id, fn, resolver)
    if not isinstance(expr, ast.Attribute):
        return None
    if isinstance(expr.value, ast.Name) and expr.value.id == "self":
        known = attribute_class(fn, expr.attr)
        return resolver.class_def(fn.module, known.written) if known is not None and known.written else None
    if hops <= 0:
        return None
    outer = receiver_class(expr.value, fn, resolver, hops - 1)
    return _field_class(outer, expr.attr, resolver, _HOPS) if outer is not None else None


def _annotated_parameter(name: str, fn: FunctionInfo, resolver: Flow) -> _Class | None:
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    args = node.args
    annotation = next((a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.arg == name), None)
    written = annotated_classes(annotation)
    return resolver.class_def(fn.module, next(iter(written))) if len(written) == 1 else None


def _field_class(owner: _Class, attr: str, resolver: Flow, hops: int) -> _Class | None:
    """The class of attribute `attr` of an object of class `owner`, declared there or in its bases."""
    module, cls = owner
    known = class_attributes(cls).get(attr)
    if known is not None:
        return resolver.class_def(module, known.written) if known.written else None
    if hops <= 0:
        return None
    for base in cls.bases:
        up = resolver.class_def(module, class_base(base))
        found = _field_class(up, attr, resolver, hops - 1) if up is not None else None
        if found is not None:
            return found
    return None


def _is_module(owner: _Class, resolver: Flow, hops: int = _HOPS) -> bool:
    """A subclass of `nn.Module`, directly or through the repository's own classes."""
    module, cls = owner
    for base in cls.bases:
        written = class_base(base)
        if last_name(written) == "Module":
            return True
        up = resolver.class_def(module, written) if hops > 0 else None
        if up is not None and _is_module(up, resolver, hops - 1):
            return True
    return False


def _methods(cls: ast.ClassDef) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}


def _code(fn: ast.FunctionDef) -> list[ast.stmt]:
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def _self_only(fn: ast.FunctionDef) -> bool:
    args = fn.args
    return len(args.args) == 1 and not args.posonlyargs and not args.kwonlyargs and args.vararg is None \
        and args.kwarg is None


def _returned_attribute(owner: _Class, resolver: Flow) -> str | None:
    """`p` where the class's `forward(self)` is `return self.<p>` and its `__call__` (if any) is
    `return super().__call__()`."""
    methods = _methods(owner[1])
    forward, call = methods.get("forward"), methods.get("__call__")
    if forward is None or not _self_only(forward):
        return None
    if call is not None:
        body = _code(call)
        if not (_self_only(call) and len(body) == 1 and isinstance(body[0], ast.Return)
                and isinstance(body[0].value, ast.Call) and super_method(body[0].value.func, "__call__")
                and not body[0].value.args and not body[0].value.keywords):
            return None
    body = _code(forward)
    if len(body) == 1 and isinstance(body[0], ast.Return) and _self_attribute(body[0].value):
        return body[0].value.attr  # type: ignore[union-attr]
    return None


def _first_parameter(owner: _Class, resolver: Flow) -> str | None:
    """`p` where the class registers one parameter, `self.<p> = nn.Parameter(...)` at the top level of
    its `__init__`, and has no base class of the repository's (whose `__init__` could register more)."""
    module, cls = owner
    if any(resolver.class_def(module, class_base(b)) is not None for b in cls.bases):
        return None
    init = _methods(cls).get("__init__")
    if init is None:
        return None
    registered = [n for n in ast.walk(init) if _registers(n)]
    if len(registered) != 1 or registered[0] not in init.body:
        return None
    target = registered[0].targets[0]  # type: ignore[attr-defined]
    return target.attr if isinstance(target, ast.Attribute) else None


def _registers(node: ast.AST) -> bool:
    """A statement that registers a parameter: `self.<p> = nn.Parameter(...)`, `register_parameter(...)`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register_parameter":
        return True
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and _self_attribute(node.targets[0]) \
        and isinstance(node.value, ast.Call) and last_name(_called(node.value)) == "Parameter"


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _self_attribute(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
