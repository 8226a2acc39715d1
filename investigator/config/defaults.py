"""The implicit default of a key one commit does not set: what applied there instead of a value.

A key present at one commit only is not by itself a change: `lr: 0.001` written into a config at the
candidate changes nothing when the baseline's code read `cfg.get("lr", 0.001)`, and `eps=1e-8` given
to `torch.optim.Adam` is Adam's own default. This module finds, at one commit, the value a key takes
when nothing sets it:
- a library default, for the keyword arguments of well-known library calls (`adam.eps` 1e-8);
- a code default: `x.get("leaf", <literal>)`, `getattr(x, "leaf", <literal>)`, `x.pop(...)`,
  `x.setdefault(...)`, or a parameter `leaf=<literal>` of a function (how `**cfg` binds values).
Several different code defaults for the same name are ambiguous: then none is taken.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from investigator.config.model import ConfigEntry, EntryKind, same_value
from investigator.pyast import parameter_defaults

# Defaults of well-known library callables, by the callee's builder segment (`torch.optim.Adam` -> `adam`).
LIBRARY_DEFAULTS: dict[str, dict[str, object]] = {
    "adam": {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
             "foreach": None, "maximize": False, "capturable": False, "differentiable": False, "fused": None},
    "adamw": {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False,
              "foreach": None, "maximize": False, "capturable": False, "differentiable": False, "fused": None},
    "sgd": {"momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False, "maximize": False},
    "rms_prop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": False},
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": False},
    "clip_grad_norm": {"norm_type": 2.0, "error_if_nonfinite": False},
    "clip_grad_norm_": {"norm_type": 2.0, "error_if_nonfinite": False},
    "linear": {"bias": True},
    "layer_norm": {"eps": 1e-5, "elementwise_affine": True},
    "batch_norm1d": {"eps": 1e-5, "momentum": 0.1, "affine": True},
    "step_lr": {"gamma": 0.1},
    "exponential_lr": {},
    "cosine_annealing_lr": {"eta_min": 0.0},
}

_GETTERS = frozenset({"get", "getattr", "pop", "setdefault"})


@dataclass(frozen=True)
class Default:
    """An implicit default: the value, and where it comes from (`path:line`, or the library call).

    `weak`: only parameter defaults (`def f(batch_size=1)`) give it; any function may have such a
    parameter, so a weak default proves a value identical but never proves it changed."""

    value: object
    where: str
    weak: bool = False

    def entry(self, like: ConfigEntry) -> ConfigEntry:
        return ConfigEntry(like.key, self.value, self.where, None, like.format, like.kind)


class Unknown:
    """No default found, or several different ones (then which applied cannot be told)."""

    def __init__(self, why: str) -> None:
        self.why = why


def library_default(entry: ConfigEntry) -> Default | None:
    """Adam's `eps`, for a keyword argument `adam.eps` of a library call."""
    if entry.kind is not EntryKind.call_kwarg or "." not in entry.key:
        return None
    section, leaf = entry.key.rsplit(".", 1)
    table = LIBRARY_DEFAULTS.get(section.rsplit(".", 1)[-1])
    if table is None or leaf not in table:
        return None
    return Default(table[leaf], f"the library default of `{section.rsplit('.', 1)[-1]}({leaf}=…)`")


def code_defaults(tree: ast.Module) -> dict[str, list[tuple[object, int, bool]]]:
    """name -> (value, line) of every literal default the module gives a name: getter defaults
    (`x.get("lr", 0.1)`, `getattr(x, "lr", 0.1)`) and parameter defaults (`def f(lr=0.1)`). One walk
    per module, whatever the number of names asked about."""
    out: dict[str, list[tuple[object, int, bool]]] = {}  # name -> (value, line, is a parameter default)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _getter_default(node, out)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _parameter_defaults(node.args, out)
    return out


def _getter_default(node: ast.Call, out: dict[str, list[tuple[object, int, bool]]]) -> None:
    """`x.get("lr", 0.1)`, `getattr(x, "lr", 0.1)`: the literal default of a named getter."""
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in _GETTERS:
        return
    args = node.args
    at = 1 if name == "getattr" else 0
    if len(args) > at + 1 and isinstance(key := args[at], ast.Constant) and type(key.value) is str:
        found = _literal_value(args[at + 1])
        if found is not None and found[0] is not None:  # `.get("x", None)`: the code handles absence
            out.setdefault(key.value, []).append((found[0], node.lineno, False))


def _parameter_defaults(a: ast.arguments, out: dict[str, list[tuple[object, int, bool]]]) -> None:
    """`def f(lr=0.1)`: literal parameter defaults (`x=None` means "not given", not a value)."""
    for arg, default in parameter_defaults(a):
        if default is None:
            continue
        found = _literal_value(default)
        if found is not None and found[0] is not None:
            out.setdefault(arg.arg, []).append((found[0], default.lineno, True))


def _literal_value(node: ast.AST) -> tuple[object] | None:
    """The literal value of an expression (`1e-8`, `(0.9, 0.999)`, `-1`), or None when it is not one."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, tuple):
        value = list(value)
    return (value,)


def implicit_default(entry: ConfigEntry, mentioning: Callable[[set[str]], list[str]],
                     module_defaults: Callable[[str], dict[str, list[tuple[object, int, bool]]]]) -> Default | Unknown:
    """The value `entry`'s key takes at a commit that does not set it.

    `mentioning(names)` gives the modules whose text names the leaf, `module_defaults(path)` their
    `code_defaults` (memoised by the caller). Getter defaults (`cfg.get("lr", 0.1)`) come first; only
    without them do parameter defaults count, and then as a weak default."""
    lib = library_default(entry)
    if lib is not None:
        return lib
    leaf = entry.key.rsplit(".", 1)[-1]
    getters: list[tuple[object, str]] = []
    params: list[tuple[object, str]] = []
    for path in mentioning({leaf}):
        for value, line, is_param in module_defaults(path).get(leaf, ()):
            (params if is_param else getters).append((value, f"{path}:{line}"))
    found, weak = (getters, False) if getters else (params, True)
    if not found:
        return Unknown(f"no code default (`.get(\"{leaf}\", …)`, a parameter `{leaf}=…`) or known library "
                       "default was found")
    probe = [ConfigEntry(entry.key, v, w, None, entry.format, entry.kind) for v, w in found]
    if all(same_value(probe[0], p) for p in probe[1:]):
        return Default(found[0][0], found[0][1], weak)
    shown = ", ".join(f"{p.render_value()} ({p.path})" for p in probe[:3])
    return Unknown(f"the code gives `{leaf}` different defaults ({shown}{', …' if len(probe) > 3 else ''})")


def setting_targets(tree: ast.Module) -> dict[str, set[str]]:
    """leaf -> targets assigned that setting's value (`self.min_lr = cfg.lr_adaptive_min`: `lr_adaptive_min`
    -> {`self.min_lr`}). One walk per module."""
    out: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            leaf = _leaf_read(node.value)
            if leaf is not None:
                out.setdefault(leaf, set()).update(
                    ast.unparse(t) for t in node.targets if isinstance(t, ast.Attribute | ast.Name))
    return out


def _leaf_read(node: ast.AST) -> str | None:
    """The setting an expression takes: `cfg.leaf`, `cfg["leaf"]`, `cfg.get("leaf", …)`."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _GETTERS \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def hard_coded(tree: ast.Module) -> dict[str, list[tuple[object, int]]]:
    """target -> (value, line) of its literal assignments (`self.min_lr = 1e-6`). One walk per module."""
    out: dict[str, list[tuple[object, int]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute | ast.Name):
                found = _literal_value(node.value)
                if found is not None and found[0] is not None:
                    out.setdefault(ast.unparse(target), []).append((found[0], node.lineno))
    return out


def promoted_constant(entry: ConfigEntry, here: list[tuple[str, dict[str, set[str]]]],
                      there: Callable[[str], dict[str, list[tuple[object, int]]] | None],
                      there_reads: Callable[[str], dict[str, set[str]]] | None = None) -> Default | None:
    """A constant the other commit hard-coded where this one reads the setting: a literal promoted to an
    option (`self.min_lr = 1e-6` at the baseline, `self.min_lr = cfg.lr_adaptive_min` with the option's
    default 1e-6 at the candidate). `here`: (path, `setting_targets`) of this commit's modules that
    mention the leaf; `there(path)`: `hard_coded` of the other commit's module at the same path;
    `there_reads(path)`: its `setting_targets`. A target the other commit also assigns from the setting
    was not promoted: its literal is a placeholder until the read (rl-baselines3-zoo's callback,
    `self.batch_size = 0` then `self.batch_size = self._model.batch_size` at both commits, gave every new
    `batch_size` key of the range an "implicit default 0")."""
    leaf = entry.key.rsplit(".", 1)[-1]
    found: list[tuple[object, str]] = []
    for path, targets_by_leaf in here:
        targets = targets_by_leaf.get(leaf)
        if not targets:
            continue
        other = there(path)
        if not other:
            continue
        read_there = (there_reads(path) or {}).get(leaf, set()) if there_reads is not None else set()
        for target in sorted(targets - read_there):
            found.extend((value, f"{path}:{line} (`{target} = …` hard-coded)") for value, line in other.get(target, ()))
    if not found:
        return None
    probe = [ConfigEntry(entry.key, v, w, None, entry.format, entry.kind) for v, w in found]
    if all(same_value(probe[0], p) for p in probe[1:]):
        return Default(found[0][0], found[0][1])
    return None


def omitted_arguments(tree: ast.Module, leaf: str) -> list[tuple[str, int]]:
    """(callee's last name, position) of each call that leaves out a positional argument when the key
    `leaf` is absent: `v = cfg.get("leaf")` (or `.get("leaf", None)`) handed on as `f(*([v] if v else []))`,
    directly or through a local `args = [v] if v else []` and `f(*args)`. The callee's parameter default
    is then what applies without the key. Real shape (PufferLib 9aa817f7..d4d17e69, `demo.py`):
    `make_name = env_config.get('env_name', None)`; `make_env_args = [make_name] if make_name else []`;
    `env_module.env_creator(*make_env_args)` with `def env_creator(name='squared')`."""
    out: list[tuple[str, int]] = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Module):
            continue
        body = list(_own_statements(fn))
        got = {t.id for s in body if isinstance(s, ast.Assign) and len(s.targets) == 1
               and isinstance(t := s.targets[0], ast.Name) and _none_getter(s.value, leaf)}
        if not got:
            continue
        lists = {t.id for s in body if isinstance(s, ast.Assign) and len(s.targets) == 1
                 and isinstance(t := s.targets[0], ast.Name) and _omitted_when_none(s.value, got)}
        for s in body:
            for call in (n for n in ast.walk(s) if isinstance(n, ast.Call)):
                for k, arg in enumerate(call.args):
                    if isinstance(arg, ast.Starred) and (_omitted_when_none(arg.value, got) or (
                            isinstance(arg.value, ast.Name) and arg.value.id in lists)):
                        name = call.func.attr if isinstance(call.func, ast.Attribute) else \
                            call.func.id if isinstance(call.func, ast.Name) else ""
                        if name and all(not isinstance(a, ast.Starred) for a in call.args[:k]):
                            out.append((name, k))
    return out


def none_got_leaves(tree: ast.Module) -> dict[str, bool]:
    """The leaves some `v = x.get("leaf")` (or `.get("leaf", None)`) of the module reads: `omitted_arguments`
    finds nothing for any other leaf (its statements are the module's). One walk per module, instead of
    one per leaf asked."""
    return {value.args[0].value: True for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(value := node.value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant)
            and isinstance(value.args[0].value, str) and _none_getter(value, value.args[0].value)}


def _own_statements(fn: ast.AST) -> Iterable[ast.stmt]:
    """The statements of a function (or module), nested blocks included, not those of nested defs."""
    todo = list(getattr(fn, "body", []))
    while todo:
        s = todo.pop(0)
        if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        yield s
        for name in ("body", "orelse", "finalbody"):
            todo.extend(getattr(s, name, []) or [])
        for h in getattr(s, "handlers", []) or []:
            todo.extend(h.body)


def _none_getter(value: ast.expr, leaf: str) -> bool:
    """`x.get("leaf")` or `x.get("leaf", None)`: absent key -> None."""
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get"
            and 1 <= len(value.args) <= 2 and isinstance(value.args[0], ast.Constant) and value.args[0].value == leaf
            and (len(value.args) == 1 or (isinstance(value.args[1], ast.Constant) and value.args[1].value is None))
            and not value.keywords)


def _omitted_when_none(value: ast.expr, names: set[str]) -> bool:
    """`[v] if v else []` (or `if v is not None`) for a name `v` of `names`."""
    if not (isinstance(value, ast.IfExp) and isinstance(value.body, ast.List) and len(value.body.elts) == 1
            and isinstance(value.orelse, ast.List) and not value.orelse.elts):
        return False
    v = value.body.elts[0]
    if not (isinstance(v, ast.Name) and v.id in names):
        return False
    test = value.test
    if isinstance(test, ast.Name):
        return test.id == v.id
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == v.id
            and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot)
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None)


def positional_defaults(tree: ast.Module, name: str, position: int) -> list[tuple[object, int, str]]:
    """(literal default, line, parameter) of the `position`-th positional parameter of every function
    `name` of the module (a method's `self`/`cls` not counted)."""
    out: list[tuple[object, int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name):
            continue
        params = parameter_defaults(node)
        positional = [p for p in params if p[0] in (*node.args.posonlyargs, *node.args.args)]
        if positional and positional[0][0].arg in ("self", "cls"):
            positional = positional[1:]
        if position >= len(positional) or positional[position][1] is None:
            continue
        found = _literal_value(positional[position][1])  # type: ignore[arg-type]
        if found is not None and found[0] is not None:
            out.append((found[0], node.lineno, positional[position][0].arg))
    return out
