"""Pass-through environment wrappers: `env = W(env)` where `W` changes nothing an agent sees.

Real shape (PufferLib, two environment factories): `env = RenderWrapper(env)` was inserted before the
observation transpose, where `RenderWrapper(gym.Wrapper)` only sets `self.env = env` and adds a
`render_mode` property and a `render()` method for video recording. A gym/gymnasium `Wrapper`
forwards every method it does not override to the wrapped environment, so with no `step`, `reset`,
`observation`, `reward`, `action` or space of its own it steps, resets and observes exactly as the
environment it wraps; the flow analyzer followed `self.env = env` into another class's
`self.env.reset(...)` and reported "Behavioural change in the environment path", above a real
regression of the same range.

A class is a pass-through wrapper when its bases are `Wrapper` (any module's: gym, gymnasium) or
other pass-through wrappers of the project, its `__init__` only calls the base initialiser with the
wrapped environment and stores parameters or constants on attributes that are not spaces, and every
other member is rendering or closing (`render`, `render_mode`, `close`, `metadata`, `__repr__`).
Anything else (a `step` that only logs, a `__getattr__`, a space override) makes it not one: the
call stays a change and the analyzer judges it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.flow.wrappers import classes_of, imported_module

ALLOWED_MEMBERS = {"__init__", "render", "render_mode", "close", "metadata", "__repr__", "__str__"}
SPACES = {"observation_space", "action_space", "reward_range", "single_observation_space", "single_action_space"}
MAX_DEPTH = 4


def passthrough_argument(call: ast.Call, fn: FunctionInfo) -> ast.expr | None:
    """The wrapped environment argument of `call` when it builds a pass-through wrapper, else None."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if name is None or not name[:1].isupper() or not call.args or isinstance(call.args[0], ast.Starred):
        return None
    module = _dotted_module(fn.module, func.value) if isinstance(func, ast.Attribute) else fn.module
    if module is None:
        return None
    cache: dict[str, bool] = module.__dict__.setdefault("_passthrough", {})
    if name not in cache:
        cache[name] = _is_passthrough(module, name, 0)
    return call.args[0] if cache[name] else None


def _dotted_module(module: Any, prefix: ast.expr) -> Any:
    """The project module `pkg.mod` names in `pkg.mod.Wrapper(env)` (after `import pkg.mod`), or None."""
    parts: list[str] = []
    node: ast.expr = prefix
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or module.index is None or node.id not in module.imports:
        return None
    stem = "/".join([*module.imports[node.id].split("."), *parts])
    for path in (f"{stem}.py", f"{stem}/__init__.py"):
        found = module.index.module(path)
        if found is not None:
            return found
    return None


def _is_passthrough(module: Any, name: str, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    cls = classes_of(module).get(name)
    if cls is None:
        other = imported_module(module, name, module.index)
        return other is not None and _is_passthrough(other, name, depth + 1)
    if not cls.bases or cls.keywords or cls.decorator_list:
        return False
    for base in cls.bases:
        last = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if last is None:
            return False
        if last != "Wrapper" and not (isinstance(base, ast.Name) and _is_passthrough(module, last, depth + 1)):
            return False
    if all(_allowed_member(stmt) for stmt in cls.body):
        return True
    return _info_only(cls)


def _info_only(cls: ast.ClassDef) -> bool:
    """A wrapper whose `step` returns what the wrapped `step` returned except the info dictionary, whose
    `reset` returns the wrapped `reset`'s result, and whose `__init__` only stores the environment, its
    spaces and values, and resets. Real shape (PufferLib 9aa817f7..d4d17e69): `EpisodeStats`, which
    sums rewards and episode lengths into `info` at the end of an episode, wrapped around a MiniGrid
    environment: "Behavioural change in the environment path"."""
    members = {stmt.name: stmt for stmt in cls.body if isinstance(stmt, ast.FunctionDef)}
    if "step" not in members:
        return False
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in ("step", "reset", "__init__"):
            continue
        if not _allowed_member(stmt):
            return False
    init, reset = members.get("__init__"), members.get("reset")
    return _info_step(members["step"]) and (reset is None or _returns_wrapped(reset, "reset")) \
        and (init is None or _plain_init(init) or _storing_init(init))


def _wrapped_call(call: ast.AST, method: str) -> bool:
    """`self.env.<method>(...)` or `super().<method>(...)`."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == method):
        return False
    owner = call.func.value
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
        return True
    return isinstance(owner, ast.Attribute) and owner.attr == "env" and isinstance(owner.value, ast.Name) \
        and owner.value.id == "self"


def _info_step(step: ast.FunctionDef) -> bool:
    """One `a, b, ..., info = <wrapped>.step(action)`, every `return` the same names in the same order
    but the last (the info), and none of those names stored again."""
    unpacks = [n for n in ast.walk(step) if isinstance(n, ast.Assign) and _wrapped_call(n.value, "step")]
    calls = [n for n in ast.walk(step) if isinstance(n, ast.Call) and (_wrapped_call(n, "step") or _wrapped_call(
        n, "reset"))]
    if len(unpacks) != 1 or len(calls) != 1 or len(unpacks[0].targets) != 1:
        return False
    target = unpacks[0].targets[0]
    if not isinstance(target, ast.Tuple) or len(target.elts) < 2 or not all(isinstance(e, ast.Name) for e in target.elts):
        return False
    kept = [e.id for e in target.elts[:-1] if isinstance(e, ast.Name)]
    stores = [n.id for n in ast.walk(step) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    if any(stores.count(name) != 1 for name in kept):
        return False
    returns = [n for n in ast.walk(step) if isinstance(n, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Tuple) and len(r.value.elts) == len(target.elts)
        and [e.id if isinstance(e, ast.Name) else None for e in r.value.elts[:-1]] == kept for r in returns)


def _returns_wrapped(fn: ast.FunctionDef, method: str) -> bool:
    """Every `return` hands back the wrapped environment's `<method>(...)` result as it is."""
    returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return)]
    return bool(returns) and all(r.value is not None and _wrapped_call(r.value, method) for r in returns)


def _storing_init(init: ast.FunctionDef) -> bool:
    """`__init__(self, env)` that stores the environment, copies its spaces (`self.action_space =
    env.action_space`), stores values, and may reset itself (`self.reset()`)."""
    return _init_of(init, _space_copy_or_reset)


def _space_copy_or_reset(stmt: ast.stmt, env: str) -> bool:
    """`self.reset()`, or `self.<space> = env.<space>`: the wrapped environment's own space."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        return ast.unparse(stmt.value) == "self.reset()"
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return False
    target, value = stmt.targets[0], stmt.value
    return isinstance(target, ast.Attribute) and target.attr in SPACES and isinstance(value, ast.Attribute) \
        and value.attr == target.attr and isinstance(value.value, ast.Name) and value.value.id == env


def _allowed_member(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True  # a docstring
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.FunctionDef):
        if stmt.name == "__init__":
            return _plain_init(stmt)
        return stmt.name in ALLOWED_MEMBERS
    if isinstance(stmt, ast.Assign | ast.AnnAssign):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        return all(isinstance(t, ast.Name) and t.id in ALLOWED_MEMBERS for t in targets)
    return False


def _plain_init(init: ast.FunctionDef) -> bool:
    """`__init__(self, env, ...)` that only initialises the base with `env` and stores values."""
    return _init_of(init, lambda stmt, env: False)


def _init_of(init: ast.FunctionDef, also: Callable[[ast.stmt, str], bool]) -> bool:
    """`__init__(self, env, ...)` whose every statement is a docstring, the base's initialisation with `env`,
    a plain store of a value, or one that `also` allows."""
    params = [a.arg for a in init.args.args]
    if len(params) < 2 or init.args.vararg is not None or init.args.kwarg is not None:
        return False
    env = params[1]
    for stmt in init.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _base_init(stmt.value, env):
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and _plain_store(stmt.targets[0], stmt.value, params):
            continue
        if also(stmt, env):
            continue
        return False
    return True


def _base_init(call: ast.Call, env: str) -> bool:
    """`super().__init__(env)` or `<Base>.__init__(self, env)`."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__") or call.keywords:
        return False
    args = [a.id if isinstance(a, ast.Name) else None for a in call.args]
    if isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) and func.value.func.id == "super":
        return args == [env]
    return args == ["self", env]


def _plain_store(target: ast.expr, value: ast.expr, params: list[str]) -> bool:
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"):
        return False
    if target.attr in SPACES:
        return False
    return isinstance(value, ast.Constant) or (isinstance(value, ast.Name) and value.id in params[1:])
