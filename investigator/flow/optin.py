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

An option may also be handed to a call as a keyword argument, when the argument is decided by options
and constants alone. Real shape (rsl_rl): `PPO` gains `normalize_advantage_per_mini_batch=False`,
stored and passed as `self.storage.compute_returns(..., normalize_advantage=not
self.normalize_advantage_per_mini_batch)` to a method whose new parameter defaults to `True`: at the
option's default the callee receives its own default, which is what the baseline's call (without the
argument) gave it. With the options at their defaults such an argument is its value (`True`), and
left out when that value is the callee's parameter default (`neutral_arguments`); one that differs
from the callee's default (`normalize=self.flag` with `flag=False`, callee default `True`) stays a
change. Such an option is judged by value: a configuration that sets it to anything but its default
keeps the severity.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import parameter_defaults

_READS = {"pop", "get"}  # kwargs.pop('flatten_obs', False), cfg.get('log_val', False)


@dataclass(frozen=True)
class Option:
    """An opt-in option: `self.<attr>`, its literal default and where the default is written."""

    attr: str
    default: object
    where: str  # "path:line"
    spelled: str  # how the default is written: "log_val=False", "kwargs.pop('flatten_obs', False)"
    passed: bool = False  # also handed to calls as a keyword argument (judged by value, not truth)


@dataclass
class ConfigValues:
    """Effective configuration values by leaf key, at each commit (config forensics' effective
    configuration), for judging whether a configuration turns an option on."""

    baseline: dict[str, Any] = field(default_factory=dict)
    candidate: dict[str, Any] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # candidate key -> "path:line"

    def verdict(self, option: Option) -> tuple[bool, str]:
        """(keeps its severity, what the configuration says about the option)."""
        named = [k for k in self.candidate if k.rsplit(".", 1)[-1] == option.attr]
        on = [k for k in named if _turns_on(self.candidate[k], option)]
        if not on:
            if named:
                return False, (f"the configuration sets `{option.attr}` only to its default (`{named[0]}`"
                               + (f", {self.where[named[0]]}" if named[0] in self.where else "")
                               + (f", +{len(named) - 1} more" if len(named) > 1 else "") + ")")
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
    if option.passed or isinstance(option.default, str):  # a mode (`"scalar"` vs `"log"`) is read by value
        return repr(value) != repr(option.default) and value != option.default
    return value != option.default and bool(value) != bool(option.default)


def new_options(base_fn: FunctionInfo, cand_fn: FunctionInfo) -> dict[str, Option]:
    """The candidate class's options (see the module doc) that its baseline class does not set."""
    cand_cls = enclosing_class(cand_fn)
    if cand_cls is None:
        return {}
    base_cls = enclosing_class(base_fn)
    key = f"{cand_cls.name}@{base_fn.path}:{base_cls.name if base_cls is not None else ''}"
    options = _cached(cand_fn.module, ("options", key), lambda: _options(cand_cls, cand_fn.path, base_cls))
    if not options:
        return {}
    had = _cached(base_fn.module, ("assigned", base_cls.name), lambda: _assigned_attrs(base_cls)) \
        if base_cls is not None else set()
    return {attr: option for attr, option in options.items() if attr not in had}


def _cached(module: Any, key: tuple[str, str], compute: Callable[[], Any]) -> Any:
    """`compute()` kept on the parsed module (its classes do not change during an analysis)."""
    store = module.__dict__.setdefault("_optin_cache", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def enclosing_class(fn: FunctionInfo) -> ast.ClassDef | None:
    """The class a method is defined in, at its module's top level (the first class of that name)."""
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
    return {a for n in ast.walk(cls) for a in _self_targets(n)} | set(_body_fields(cls))


def _body_fields(cls: ast.ClassDef) -> dict[str, ast.AnnAssign]:
    """Annotated class-body fields with a value (`inputs_preprocessed: bool = False`)."""
    return {s.target.id: s for s in cls.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name) and s.value is not None}


def _field_options(cls: ast.ClassDef, path: str) -> dict[str, Option]:
    """Options of a class without `__init__` whose fields are its constructor's parameters (a dataclass, a flax
    `nn.Module`): a field with a literal default that no method assigns and that methods read only in branch tests.
    Real shape (dopamine 7ec9c158..a9911ec0): every flax network gained `inputs_preprocessed: bool = False` and
    `if not self.inputs_preprocessed: x = x / 255.` around the baseline's scaling."""
    stored = {a for n in ast.walk(cls) for a in _self_targets(n)}
    switches, passed = _decided_reads(cls)
    out: dict[str, Option] = {}
    for attr, stmt in _body_fields(cls).items():
        if attr in stored or attr not in switches or not isinstance(stmt.value, ast.Constant):
            continue
        out[attr] = Option(attr, stmt.value.value, f"{path}:{stmt.lineno}", ast.unparse(stmt), attr in passed)
    return out


def _asserted_arm_options(cls: ast.ClassDef, path: str, base_cls: ast.ClassDef | None) -> dict[str, Option]:
    """Switches the candidate class sets only in the two arms of an `if T: ... else: ...` at the top level of a
    method whose baseline asserted `T` there (detectors/newcases.py `asserted_arms`), to a constant in the `if`
    arm: every run the baseline accepted stores that constant. Real shape (pomdp-baselines 8d188955..c16ac3db,
    policies/learner.py:437): `init_env` replaced `assert ... == "Box"` by `if ... == "Box": self.act_continuous =
    True else: ... self.act_continuous = False`, and `collect_rollouts` gained `if not self.act_continuous:
    action = F.one_hot(...)` ("Behavioural change in the sampling path", significant): no Box run takes it."""
    from investigator.detectors.newcases import asserted_arms

    if base_cls is None:
        return {}
    base_methods = {n.name: n for n in base_cls.body if isinstance(n, ast.FunctionDef)}
    counts: dict[str, int] = {}
    for n in ast.walk(cls):
        for attr in _self_targets(n):
            counts[attr] = counts.get(attr, 0) + 1
    out: dict[str, Option] = {}
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef) or method.name not in base_methods:
            continue
        tests = asserted_arms(base_methods[method.name], method)
        for stmt in method.body:
            if not (isinstance(stmt, ast.If) and ast.unparse(stmt.test) in tests):
                continue
            inside: dict[str, int] = {}
            for n in ast.walk(stmt):
                for attr in _self_targets(n):
                    inside[attr] = inside.get(attr, 0) + 1
            for arm_stmt in stmt.body:
                if not (isinstance(arm_stmt, ast.Assign) and len(arm_stmt.targets) == 1
                        and isinstance(arm_stmt.value, ast.Constant)):
                    continue
                attrs = _self_targets(arm_stmt)
                if len(attrs) == 1 and counts.get(attrs[0]) == inside.get(attrs[0]):
                    out[attrs[0]] = Option(attrs[0], arm_stmt.value.value, f"{path}:{arm_stmt.lineno}",
                                           f"{ast.unparse(arm_stmt)} (the baseline asserted `{ast.unparse(stmt.test)}`)")
    return out


def _options(cls: ast.ClassDef, path: str, base_cls: ast.ClassDef | None = None) -> dict[str, Option]:
    switches, passed = _decided_reads(cls)
    asserted = {a: Option(o.attr, o.default, o.where, o.spelled, a in passed)
                for a, o in _asserted_arm_options(cls, path, base_cls).items() if a in switches}
    return {**asserted, **_init_options(cls, path, base_cls)}


def _init_options(cls: ast.ClassDef, path: str, base_cls: ast.ClassDef | None = None) -> dict[str, Option]:
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        return _field_options(cls, path)
    exempt = _new_case_stores(init, base_cls)
    counts: dict[str, int] = {}
    for n in ast.walk(cls):
        for attr in _self_targets(n):
            if id(n) not in exempt:
                counts[attr] = counts.get(attr, 0) + 1
    switches, passed = _decided_reads(cls)
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
            out[target.attr] = Option(target.attr, value, f"{path}:{stmt.lineno}", spelled, target.attr in passed)
    return out


def _new_case_stores(init: ast.FunctionDef, base_cls: ast.ClassDef | None) -> set[int]:
    """Constant stores in `__init__` branches that only a case new to the class takes: `elif
    action_space.__class__.__name__ == "MultiDiscrete": self.multidiscrete_action = True` where the
    baseline class never names "MultiDiscrete" and has no `else:` fallback on that subject (a run the
    baseline supported took one of the old branches). Such a store leaves the flag at its top-level
    default for every run the baseline could make. Real shape: HARL's `ACTLayer` gained a MultiDiscrete
    head behind `self.multidiscrete_action = False`, and `forward`/`evaluate_actions` read significant."""
    if base_cls is None:
        return set()
    known = {n.value for n in ast.walk(base_cls) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    fallback = {ast.unparse(n.test.left) for n in ast.walk(base_cls) if isinstance(n, ast.If)
                and isinstance(n.test, ast.Compare) and n.orelse and not isinstance(n.orelse[0], ast.If)}
    out: set[int] = set()
    for node in ast.walk(init):
        if not isinstance(node, ast.If):
            continue
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
                and isinstance(test.comparators[0], ast.Constant) and isinstance(test.comparators[0].value, str)):
            continue
        if test.comparators[0].value in known or ast.unparse(test.left) in fallback:
            continue
        out.update(id(n) for stmt in node.body for n in ast.walk(stmt)
                   if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant))
    return out


def _decided_reads(cls: ast.ClassDef) -> tuple[set[str], set[str]]:
    """(attributes the class reads only in branch tests (`if self.flatten_obs:`) or in keyword
    arguments decided by instance attributes and constants alone (`normalize=not self.per_batch`):
    pure switches, whose store does nothing but choose branches and argument values; those of them
    read in such an argument). A read in a `raise` or `assert` (the error message of an unknown mode,
    `raise ValueError(f"Unknown type: {self.noise_std_type}")`, rsl_rl) chooses nothing either."""
    tests: set[int] = set()
    arguments: set[int] = set()
    loads: dict[str, list[int]] = {}
    for node in ast.walk(cls):
        if isinstance(node, ast.Raise | ast.Assert):  # an error message names the option, computes nothing
            tests.update(id(sub) for sub in ast.walk(node))
        if isinstance(node, ast.If | ast.IfExp | ast.While):
            tests.update(id(sub) for sub in ast.walk(node.test))
            tests.update(_guarded_reads(node))
        if isinstance(node, ast.Call):
            arguments.update(id(sub) for kw in node.keywords if kw.arg and _decidable(kw.value)
                             for sub in ast.walk(kw.value))
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
                and node.value.id == "self":
            loads.setdefault(node.attr, []).append(id(node))
    switches = {attr for attr, ids in loads.items() if all(i in tests or i in arguments for i in ids)}
    return switches, {attr for attr in switches if any(i in arguments for i in loads[attr])}


def _guarded_reads(node: ast.If | ast.IfExp | ast.While) -> set[int]:
    """The reads of `self.X` in the body of a branch that runs only when `self.X` is set (`self.X`, `self.X is
    not None`, alone or in an `and`): at an off default (None, False) that body never reads it, so the read
    chooses nothing either. Real shapes: brax `ki = self.output_kernel_init if is_last and
    self.output_kernel_init else self.kernel_init`; jaxrl `if self.init_mean is not None: means += self.init_mean`."""
    parts = node.test.values if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And) \
        else [node.test]
    guards: set[str] = set()
    for part in parts:
        if isinstance(part, ast.Compare) and len(part.ops) == 1 and isinstance(part.ops[0], ast.IsNot) \
                and isinstance(part.comparators[0], ast.Constant) and part.comparators[0].value is None:
            part = part.left
        if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == "self":
            guards.add(part.attr)
    if not guards:
        return set()
    body = node.body if isinstance(node.body, list) else [node.body]
    return {id(sub) for stmt in body for sub in ast.walk(stmt) if isinstance(sub, ast.Attribute)
            and sub.attr in guards and isinstance(sub.value, ast.Name) and sub.value.id == "self"
            and isinstance(sub.ctx, ast.Load)}


_DECIDABLE = (ast.Constant, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Not, ast.USub, ast.And, ast.Or, ast.Eq,
              ast.NotEq, ast.Is, ast.IsNot, ast.Load)


def _decidable(node: ast.expr) -> bool:
    """An argument built from instance attributes and constants alone (`not self.per_batch`), reading
    at least one attribute."""
    attrs = False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
            attrs = True
        elif not (isinstance(sub, _DECIDABLE) or isinstance(sub, ast.Name) and sub.id == "self"):
            return False
    return attrs


def _default(value: ast.expr, init: ast.FunctionDef) -> tuple[object, str] | None:
    """(literal default, its spelling) of an option's defining value, or None."""
    if isinstance(value, ast.Constant):
        return value.value, ast.unparse(value)
    if isinstance(value, ast.Name):
        for param, default in parameter_defaults(init):
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


def neutral_arguments(options: dict[str, Option], cls_path: str, cls_name: str | None, resolver: Any
                      ) -> Callable[[ast.Call, FunctionInfo], ast.Call]:
    """A call of a function of the options' class as it runs with every option at its default: a
    keyword argument decided by the options is its value, and is left out when that value is the
    callee's own default for the parameter (see the module doc)."""
    def rewrite(call: ast.Call, fn: FunctionInfo) -> ast.Call:
        if fn.path != cls_path or fn.class_name != cls_name or not call.keywords:
            return call
        keywords: list[ast.keyword] = []
        changed = False
        for kw in call.keywords:
            value = _evaluated(kw.value, options) if kw.arg and _reads_option(kw.value, options) else _UNKNOWN
            if value is _UNKNOWN or kw.arg is None:
                keywords.append(kw)
                continue
            changed = True
            default = callee_default(resolver, call, fn, kw.arg)
            if default is _UNKNOWN or type(default) is not type(value) or default != value:
                keywords.append(ast.keyword(arg=kw.arg, value=ast.Constant(value)))  # type: ignore[arg-type]
        return ast.Call(call.func, call.args, keywords) if changed else call
    return rewrite


def _reads_option(node: ast.expr, options: dict[str, Option]) -> bool:
    return any(isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self"
               and sub.attr in options for sub in ast.walk(node))


def _evaluated(node: ast.expr, options: dict[str, Option]) -> object:
    """The value of an argument built from options and constants, with the options at their defaults."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        inner = _evaluated(node.operand, options)
        if inner is _UNKNOWN:
            return _UNKNOWN
        if isinstance(node.op, ast.Not):
            return not inner
        return -inner if isinstance(inner, int | float) and not isinstance(inner, bool) else _UNKNOWN
    if isinstance(node, ast.BoolOp | ast.Compare):
        truth = _truth(node, options)
        return _UNKNOWN if truth is None else truth
    return _value(node, options)


def callee_default(resolver: Any, call: ast.Call, fn: FunctionInfo, name: str) -> object:
    """The literal default of parameter `name` of the function `call` runs: the resolved callee, else
    (a method on an attribute whose class is not followed, `self.storage.compute_returns(...)`) every
    project function of that name that has the parameter, when they all agree; `_UNKNOWN` otherwise."""
    callee = resolver.resolve(call, fn)
    if callee is not None:
        return _parameter_default(callee, name)
    if not isinstance(call.func, ast.Attribute):
        return _UNKNOWN
    found = [d for f in resolver.side.find_defs(call.func.attr) if (d := _parameter_default(f, name)) is not _ABSENT]
    if not found or any(d is _UNKNOWN for d in found) or len({repr(d) for d in found}) != 1:
        return _UNKNOWN
    return found[0]


_ABSENT = object()


def _parameter_default(fn: FunctionInfo, name: str) -> object:
    """The literal default of `fn`'s parameter `name`: `_ABSENT` when it has no such parameter (and no
    `**kwargs`), `_UNKNOWN` when it is not a literal or cannot be told."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return _UNKNOWN
    for param, default in parameter_defaults(node):
        if param.arg == name:
            return default.value if isinstance(default, ast.Constant) else _UNKNOWN
    return _UNKNOWN if node.args.kwarg is not None else _ABSENT


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


def used_in_arguments(fn: FunctionInfo, options: dict[str, Option]) -> dict[str, Option]:
    """The options that a keyword argument of a call in `fn` is decided by."""
    out: dict[str, Option] = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg and _decidable(kw.value):
                    for sub in ast.walk(kw.value):
                        if isinstance(sub, ast.Attribute) and sub.attr in options and options[sub.attr].passed:
                            out[sub.attr] = options[sub.attr]
    return out


def describe(options: list[Option]) -> str:
    return ", ".join(f"`{o.attr}` (default `{o.spelled}`, {o.where})" for o in options)
