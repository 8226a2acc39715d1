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
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.flow.wrappers import classes_of, imported_module

ALLOWED_MEMBERS = {"__init__", "render", "render_mode", "close", "metadata", "__repr__", "__str__"}
SPACES = {"observation_space", "action_space", "reward_range", "single_observation_space", "single_action_space"}
MAX_DEPTH = 4


def passthrough_argument(call: ast.Call, fn: FunctionInfo) -> ast.expr | None:
    """The wrapped environment argument of `call` when it builds a pass-through wrapper, else None."""
    name = call.func.id if isinstance(call.func, ast.Name) else None
    if name is None or not name[:1].isupper() or not call.args or isinstance(call.args[0], ast.Starred):
        return None
    cache: dict[str, bool] = fn.module.__dict__.setdefault("_passthrough", {})
    if name not in cache:
        cache[name] = _is_passthrough(fn.module, name, 0)
    return call.args[0] if cache[name] else None


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
    return all(_allowed_member(stmt) for stmt in cls.body)


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
