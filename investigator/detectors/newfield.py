"""A new mode switch declared off: a class gains a field whose default keeps the new mode off.

Noise class N2 ("a new option whose default reproduces the baseline"), its declaration form: a request model,
dataclass or settings class gains `colocate: bool = False` (or `= None`), and the new mode's code runs only
under `if body.colocate:`. The declaration itself computes nothing; the finding on it ("Behavioural change in
the architecture path: `ConnectRequest`", significant) is about a mode no run turns on.

`new_switch_reason(f, sides)` lowers a code finding whose every change in its class body is such a field
(appended after the class's existing fields, default `False` or `None`, a name the baseline's class lacks)
when, at the candidate, outside tests:
 - every read `x.NAME` is a truth test that takes the new code's branch only when it is set (`if x.NAME:`,
   `if x.NAME and ...:`, `a if x.NAME else b`);
 - every `NAME=...` keyword and `"NAME": ...` dict entry passes a falsy literal, hands on a value named NAME,
   or sits where NAME is already on (in the body of such a test, or in a private function called only there):
   the mode is set only by the mode itself;
 - no configuration file or launch script sets NAME (`NAME: true`, `--NAME`, `NAME=1`).
A shipped configuration that turns the switch on keeps the severity (CORL 33eba944..2b6cde3f: `TrainConfig`
gains `is_sparse_reward: bool = False` and ten antmaze configs set `is_sparse_reward: true`).

Real example (AReaL 19fec3bd..4aef98d8): `ConnectRequest.colocate: bool = False`
(areal/experimental/weight_update/gateway/app.py:41), read only as `if body.colocate:` (app.py:201) and `if
pair_info.colocate:` (app.py:711), set `colocate=True` only inside `_connect_colocate` (app.py:487), itself called
only under `if body.colocate:`; the client's `connect(..., colocate: bool = False)` (weight_update/controller/
controller.py:115) is never called with it. Lowering only, never removal.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from investigator.detectors.singleproc import python_trees_at
from investigator.scope import out_of_scope_kind

if TYPE_CHECKING:
    from investigator.detectors.guards import Side
    from investigator.models import Finding

_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".cfg", ".ini", ".sh", ".bash", ".slurm")


def _class_at(tree: ast.Module, line: int) -> ast.ClassDef | None:
    best = None
    for n in ast.walk(tree):
        if isinstance(n, ast.ClassDef) and n.lineno <= line <= (n.end_lineno or n.lineno) and (
                best is None or n.lineno >= best.lineno):
            best = n
    return best


def _class_named(tree: ast.Module, name: str) -> ast.ClassDef | None:
    return next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name), None)


def _bound(stmt: ast.stmt) -> str | None:
    """The name a class-body binding binds (`x: T = v`, `x = v`), else None."""
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _body(cls: ast.ClassDef) -> list[ast.stmt]:
    """The class body's own statements (methods and nested classes left out, the docstring too)."""
    return [s for s in cls.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Pass)
            and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    out: dict[int, ast.AST] = {}
    for n in ast.walk(tree):
        for c in ast.iter_child_nodes(n):
            out[id(c)] = n
    return out


def _truth_test(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST | None:
    """The `if` / `while` / conditional expression whose test `node` is, through `and` only, else None."""
    here = node
    while True:
        parent = parents.get(id(here))
        if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.And):
            here = parent
            continue
        if isinstance(parent, ast.If | ast.While | ast.IfExp) and parent.test is here:
            return parent
        return None


def _is_switch(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == name or isinstance(node, ast.Name) and node.id == name


def _under_switch(node: ast.AST, parents: dict[int, ast.AST], tree: ast.Module, name: str, side: Side,
                  path: str, depth: int = 0) -> bool:
    """`node` runs only where `name` is already on: in the body of a truth test of it, or in a private
    function called only from such places."""
    here = node
    while id(here) in parents:
        parent = parents[id(here)]
        if isinstance(parent, ast.If | ast.IfExp) and here is not parent.test and (
                here in parent.body if isinstance(parent, ast.If) else here is parent.body) and any(
                _is_switch(n, name) and _truth_test(n, parents) is parent for n in ast.walk(parent.test)):
            return True
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            if depth >= 2 or not parent.name.startswith("_") or parent.name.startswith("__"):
                return False
            calls = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == parent.name
                     or isinstance(n, ast.Attribute) and n.attr == parent.name]
            if not calls or any(not isinstance(parents.get(id(c)), ast.Call) or parents[id(c)].func is not c  # type: ignore[attr-defined]
                                for c in calls):
                return False  # handed on as a value, or never called here
            from investigator.detectors.guards import _naming_paths

            if sum(1 for _ in _naming_paths(side, parent.name)) > 1:
                return False  # called from another file too: not followed
            return all(_under_switch(c, parents, tree, name, side, path, depth + 1) for c in calls)
        here = parent
    return False


def _falsy_literal(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and (node.value is None or node.value is False)


def _set_in_configuration(side: Side, name: str) -> str | None:
    spelled = {name, name.replace("_", "-")}
    words = "|".join(re.escape(s) for s in spelled)
    on = re.compile(rf"(?<![\w.-])(?:{words})\s*[:=]\s*(?!\s*(?:false|False|FALSE|null|None|~|0\b|no\b|off\b|\"\"|''))"
                    rf"\S|(?<![\w-])--(?:{words})(?![\w-])(?!\s*[=\s]\s*(?:false|False|0\b))")
    for path in side.paths:
        if path.endswith(_CONFIG_SUFFIXES) and out_of_scope_kind(path) != "test":
            text = side.text(path)
            if text and name in text.replace("-", "_") and on.search(text):
                return path
    return None


def _uses_ok(side: Side, name: str) -> str | None:
    """None when every use of `name` outside tests keeps the switch off by default, else what does not."""
    from investigator.detectors.guards import _naming_paths

    for path in _naming_paths(side, name):
        if out_of_scope_kind(path) == "test":
            continue
        tree = side.tree(path)
        if tree is None:
            return f"{path} unreadable"
        parents = _parents(tree)
        for n in ast.walk(tree):
            why = _use_ok(n, name, parents, tree, side, path)
            if why is not None:
                return why
    return None


def _use_ok(n: ast.AST, name: str, parents: dict[int, ast.AST], tree: ast.Module, side: Side, path: str) -> str | None:
    def passes_off(v: ast.expr, at: ast.AST) -> bool:
        return _falsy_literal(v) or _is_switch(v, name) or _under_switch(at, parents, tree, name, side, path)

    line = getattr(n, "lineno", 0)
    if isinstance(n, ast.Attribute) and n.attr == name:
        if isinstance(n.ctx, ast.Load):
            return None if _truth_test(n, parents) is not None else f"{path}:{line} reads `{ast.unparse(n)}` as a value"
        return None if _under_switch(n, parents, tree, name, side, path) else f"{path}:{line} sets `{ast.unparse(n)}`"
    if isinstance(n, ast.keyword) and n.arg == name and not passes_off(n.value, n):
        return f"{path}:{line} passes `{name}={ast.unparse(n.value)}`"
    if isinstance(n, ast.Dict):
        for k, v in zip(n.keys, n.values, strict=True):
            if isinstance(k, ast.Constant) and k.value == name and not passes_off(v, n):
                return f"{path}:{line} maps `{name!r}` to `{ast.unparse(v)}`"
    if isinstance(n, ast.Constant) and n.value == name:
        parent = parents.get(id(n))
        if not (isinstance(parent, ast.Dict) and n in parent.keys):
            return f"{path}:{line} names `{name!r}` (read by name)"
    return None


def new_switch_reason(f: Finding, sides: dict[str, Side]) -> str | None:
    """Why code finding `f` (on a class body) is a new mode switch declared off (module docstring), or None."""
    located = python_trees_at(f, sides)
    if located is None:
        return None
    cand, tree, btree = located
    side, line = sides["candidate"], cand.line or 0
    cls = _class_at(tree, line)
    if cls is None or any(isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.lineno <= line <= (
            s.end_lineno or s.lineno) for s in cls.body):
        return None
    bcls = _class_named(btree, cls.name)
    if bcls is None:
        return None
    body, bbody = _body(cls), _body(bcls)
    bkeys = {ast.unparse(s) for s in bbody}
    keys = {ast.unparse(s) for s in body}
    if bkeys - keys:
        return None  # a field changed or went: not only a new switch
    bnames = {n for s in bbody if (n := _bound(s)) is not None}
    added = [s for s in body if ast.unparse(s) not in bkeys]
    if not added:
        return None
    last_old = max((i for i, s in enumerate(body) if ast.unparse(s) in bkeys and _bound(s)), default=-1)
    said: list[str] = []
    for s in added:
        name = _bound(s)
        value = s.value if isinstance(s, ast.AnnAssign | ast.Assign) else None
        if name is None or name in bnames or not _falsy_literal(value) or body.index(s) < last_old:
            return None
        why = _uses_ok(side, name)
        if why is not None:
            return None
        where = _set_in_configuration(side, name)
        if where is not None:
            return None
        said.append(f"`{cls.name}.{name}` = {ast.unparse(value)} ({cand.path}:{s.lineno})")  # type: ignore[arg-type]
    return ("new mode switch(es) declared off: " + ", ".join(said) + "; every read outside tests is a truth test "
            "that takes the new branch only when it is set, nothing but the mode itself sets it, and no "
            "configuration file or launch script of the repository turns it on")
