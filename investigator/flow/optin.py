"""Opt-in options: a new keyword option whose default keeps the old behaviour is not a change of it.

Real shape (rl_games v1.6.0..v1.6.1): a reward shaper gains `log_val=False` and `if self.log_val:
reward = self.log(reward)`; an environment wrapper gains `self.flatten_obs = kwargs.pop('flatten_obs',
False)` and `if self.flatten_obs: obs = flatten(obs)` in `__init__`, `step` and `reset`. With the
default, every run computes what the baseline computed; only a run whose configuration sets the option
takes the new branch, and setting it is a configuration change, reported as one by config forensics.

An *option* of a class is an instance attribute `self.X` that the class's `__init__` sets exactly once
from a literal default: a constant, an `__init__` parameter with a literal default (never reassigned),
or `<mapping>.pop('K', literal)` / `.get('K', literal)` / `getattr(obj, 'K', literal)`. It is *new*
when the baseline's class of that name (in the paired file) never sets `self.X`. The candidate's
function is then compared once more with every branch on such an option taken the way its default
takes it and the option's own store left out (`Expander.effects(..., assume=...)`): when nothing
differs any more, the change is opt-in (reported low, "off unless configured"); when something still
differs, only the statements behind those differences are reported.

What keeps the severity: a configuration key of that name that turns the option on at the candidate
and was already there at the baseline (the configuration did not change, so only the code speaks),
or one configuration file that turns it on (the run's own configuration uses it). Several
configuration files picked at run time that turn it on are those runs' configuration changes, which
config forensics reports; the finding names them.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from investigator.detectors.functions import FunctionInfo

_READS = {"pop", "get"}  # kwargs.pop('flatten_obs', False), cfg.get('log_val', False)


@dataclass(frozen=True)
class Option:
    """An opt-in option: `self.<attr>`, its literal default and where the default is written."""

    attr: str
    default: object
    where: str  # "path:line"
    spelled: str  # how the default is written: "log_val=False", "kwargs.pop('flatten_obs', False)"


@dataclass
class ConfigValues:
    """Effective configuration values by leaf key, at each commit (config forensics' effective
    configuration), for judging whether a configuration turns an option on."""

    baseline: dict[str, Any] = field(default_factory=dict)
    candidate: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # candidate key -> "path:line"

    def verdict(self, option: Option) -> tuple[bool, str]:
        """(keeps its severity, what the configuration says about the option)."""
        on = [k for k, v in self.candidate.items() if k.rsplit(".", 1)[-1] == option.attr and _turns_on(v, option)]
        if not on:
            return False, f"no configuration sets `{option.attr}`"
        unchanged = [k for k in on if k in self.baseline and repr(self.baseline[k]) == repr(self.candidate[k])]
        if unchanged:
            return True, f"`{unchanged[0]}` turns it on at both commits"
        files = sorted({self.where.get(k, k).rpartition(":")[0] or self.where.get(k, k) for k in on})
        if len(files) == 1:
            return True, f"`{on[0]}` turns it on ({self.where.get(on[0], files[0])})"
        shown = ", ".join(f"`{f}`" for f in files[:3]) + (f" (+{len(files) - 3} more)" if len(files) > 3 else "")
        return False, (f"{len(files)} configuration files picked at run time set it, new in this range ({shown}): "
                       f"the configuration changes of those runs are reported as configuration findings")


def _turns_on(value: object, option: Option) -> bool:
    return value != option.default and bool(value) != bool(option.default)


def new_options(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> dict[str, Option]:
    """The candidate class's options (see the module doc) that its baseline class does not set."""
    cand_cls = _class_of(cand_fn)
    if cand_cls is None:
        return {}
    options = _cached(cand_fn.module, ("options", cand_cls.name), lambda: _options(cand_cls, cand_fn.path))
    if not options:
        return {}
    base_cls = _class_of(base_fn)
    had = _cached(base_fn.module, ("assigned", base_cls.name), lambda: _assigned_attrs(base_cls)) \
        if base_cls is not None else set()
    return {attr: option for attr, option in options.items() if attr not in had}


def _cached(module: Any, key: tuple[str, str], compute: Callable[[], Any]) -> Any:
    """`compute()` kept on the parsed module (its classes do not change during an analysis)."""
    store = module.__dict__.setdefault("_optin_cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def _class_of(fn: FunctionInfo) -> ast.ClassDef | None:
    if not fn.class_name:
        return None
    name = fn.class_name.rsplit(".", 1)[-1]
    classes = _cached(fn.module, ("classes", ""), lambda: _first_classes(fn.module.tree))
    return classes.get(name)


def _first_classes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    out: dict[str, ast.ClassDef] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.ClassDef):
            out.setdefault(n.name, n)
    return out


def _self_targets(node: ast.AST) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
        node, ast.AnnAssign | ast.AugAssign) else []
    out = []
    for t in targets:
        for sub in ast.walk(t):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self" \
                    and isinstance(sub.ctx, ast.Store):
                out.append(sub.attr)
    return out


def _assigned_attrs(cls: ast.ClassDef) -> set[str]:
    return {a for n in ast.walk(cls) for a in _self_targets(n)}


def _options(cls: ast.ClassDef, path: str) -> dict[str, Option]:
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        return {}
    counts: dict[str, int] = {}
    for n in ast.walk(cls):
        for attr in _self_targets(n):
            counts[attr] = counts.get(attr, 0) + 1
    switches = _switch_only(cls)
    out: dict[str, Option] = {}
    for stmt in init.body:  # top level of `__init__` only: a conditional default is no default
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Attribute)):
            continue
        target = stmt.targets[0]
        if not (isinstance(target.value, ast.Name) and target.value.id == "self") or counts.get(target.attr) != 1 \
                or target.attr not in switches:
            continue
        found = _default(stmt.value, init)
        if found is not None:
            value, spelled = found
            out[target.attr] = Option(target.attr, value, f"{path}:{stmt.lineno}", spelled)
    return out


def _switch_only(cls: ast.ClassDef) -> set[str]:
    """Attributes the class reads only in branch tests (`if self.flatten_obs:`): pure switches, whose
    store does nothing but choose branches."""
    tests: set[int] = set()
    loads: dict[str, list[int]] = {}
    for node in ast.walk(cls):
        if isinstance(node, ast.If | ast.IfExp | ast.While):
            tests.update(id(sub) for sub in ast.walk(node.test))
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
                and node.value.id == "self":
            loads.setdefault(node.attr, []).append(id(node))
    return {attr for attr, ids in loads.items() if all(i in tests for i in ids)}


def _default(value: ast.expr, init: ast.FunctionDef) -> tuple[object, str] | None:
    """(literal default, its spelling) of an option's defining value, or None."""
    if isinstance(value, ast.Constant):
        return value.value, ast.unparse(value)
    if isinstance(value, ast.Name):
        a = init.args
        positional = [*a.posonlyargs, *a.args]
        pairs = list(zip(positional[len(positional) - len(a.defaults):], a.defaults, strict=True))
        pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None]
        for param, default in pairs:
            if param.arg == value.id and isinstance(default, ast.Constant):
                rebound = any(isinstance(n, ast.Name) and n.id == value.id and isinstance(n.ctx, ast.Store)
                              for n in ast.walk(init))
                return None if rebound else (default.value, f"{value.id}={ast.unparse(default)}")
        return None
    if isinstance(value, ast.Call) and len(value.args) in (2, 3) and not value.keywords:
        func = value.func
        key_pos = 0 if isinstance(func, ast.Attribute) and func.attr in _READS else \
            1 if isinstance(func, ast.Name) and func.id == "getattr" else None
        if key_pos is None or len(value.args) != key_pos + 2:
            return None
        key, default = value.args[key_pos], value.args[key_pos + 1]
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(default, ast.Constant):
            return default.value, ast.unparse(value)
    return None


def assumption(options: dict[str, Option], cls_path: str, cls_name: str | None
               ) -> Callable[[ast.expr, FunctionInfo], bool | None]:
    """The truth of a branch test when every option in it is at its default (None: not decided), for
    tests read in functions of the options' class (an inlined helper of another class has its own)."""
    def truth(test: ast.expr, fn: FunctionInfo) -> bool | None:
        if fn.path != cls_path or fn.class_name != cls_name:
            return None
        return _truth(test, options)
    return truth


def _truth(node: ast.expr, options: dict[str, Option]) -> bool | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _truth(node.operand, options)
        return None if inner is None else not inner
    if isinstance(node, ast.BoolOp):
        stop = isinstance(node.op, ast.Or)  # `or` stops at a true value, `and` at a false one
        values = [_truth(v, options) for v in node.values]
        if any(v is stop for v in values):
            return stop
        return None if any(v is None for v in values) else not stop
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.comparators[0], ast.Constant):
        left = _value(node.left, options)
        if left is _UNKNOWN:
            return None
        right = node.comparators[0].value
        ops: dict[type, Callable[[object, object], bool]] = {
            ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b,
            ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}
        fn = ops.get(type(node.ops[0]))
        return fn(left, right) if fn else None
    value = _value(node, options)
    return None if value is _UNKNOWN else bool(value)


_UNKNOWN = object()


def _value(node: ast.expr, options: dict[str, Option]) -> object:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" \
            and node.attr in options:
        return options[node.attr].default
    return _UNKNOWN


def used_in_tests(fn: FunctionInfo, options: dict[str, Option]) -> dict[str, Option]:
    """The options that a branch test of `fn` reads."""
    out: dict[str, Option] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.If | ast.IfExp | ast.While):
            for sub in ast.walk(node.test):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self" \
                        and sub.attr in options:
                    out[sub.attr] = options[sub.attr]
    return out


def describe(options: list[Option]) -> str:
    return ", ".join(f"`{o.attr}` (default `{o.spelled}`, {o.where})" for o in options)
