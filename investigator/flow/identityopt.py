"""A new hook option whose default is the identity function: calling it at its default is its argument.

Real shape (dopamine 7ec9c158..a9911ec0): `JaxDQNAgent.__init__` gained `preprocess_fn=None` and
`if preprocess_fn is None: self.network_def = network(num_actions=num_actions); self.preprocess_fn =
networks.identity_preprocess_fn` / `else: ...`, with `def identity_preprocess_fn(x): return x`; its methods now call
`select_action(..., self.preprocess_fn(self.state), ...)` and `states = self.preprocess_fn(replay['state'])`. Three
significant loss/environment-path findings; every run that does not pass `preprocess_fn` (every run the baseline
could make: the parameter is new) computes what the baseline computed.

An *identity hook* of a class is `self.X` that the baseline's class never sets, and that the candidate's
`__init__` sets, on the way its new parameters' defaults take (`if p is None:` with `p=None` new to `__init__`,
or unconditionally), to a project function whose whole body returns its first parameter. With the hooks at their
defaults, `self.X(e)` is that function's call, inlined as `e` by the comparison.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import parameter_defaults


def _class(fn: FunctionInfo) -> ast.ClassDef | None:
    if not fn.class_name:
        return None
    tree = fn.module.tree
    # name -> the first class of that name in walk order, indexed once per module tree (kept on it)
    first: dict[str, ast.ClassDef] | None = tree.__dict__.get("_first_classes")
    if first is None:
        first = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.ClassDef):
                first.setdefault(n.name, n)
        tree.__dict__["_first_classes"] = first
    return first.get(fn.class_name.rsplit(".", 1)[-1])


def _init(cls: ast.ClassDef | None) -> ast.FunctionDef | None:
    return next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None) \
        if cls is not None else None


def default_truth(test: ast.expr, defaults: dict[str, object]) -> bool | None:
    """The truth of a test on new parameters at their defaults: `p`, `not p`, `p is None`, `p is not None`,
    `p == <literal>`, `p != <literal>`; None when it reads anything else."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = default_truth(test.operand, defaults)
        return None if inner is None else not inner
    if isinstance(test, ast.Name) and test.id in defaults:
        return bool(defaults[test.id])
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) \
            and test.left.id in defaults and isinstance(test.comparators[0], ast.Constant):
        value, other = defaults[test.left.id], test.comparators[0].value
        op = test.ops[0]
        if isinstance(op, ast.Is | ast.Eq):
            return value is other if isinstance(op, ast.Is) else bool(value == other)
        if isinstance(op, ast.IsNot | ast.NotEq):
            return value is not other if isinstance(op, ast.IsNot) else bool(value != other)
    return None


def _stores(body: list[ast.stmt], defaults: dict[str, object]) -> list[ast.Assign]:
    """The `self.X = ...` statements that run with the new parameters at their defaults (branches on them
    followed the defaults' way; other compound statements are not entered)."""
    out: list[ast.Assign] = []
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Attribute):
            out.append(stmt)
        elif isinstance(stmt, ast.If):
            taken = default_truth(stmt.test, defaults)
            if taken is not None:
                out.extend(_stores(stmt.body if taken else stmt.orelse, defaults))
    return out


def _returns_first_parameter(fn: FunctionInfo) -> bool:
    node = fn.node
    if not isinstance(node, ast.FunctionDef):
        return False
    params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return bool(params) and params[0] not in ("self", "cls") and len(body) == 1 and isinstance(body[0], ast.Return) \
        and isinstance(body[0].value, ast.Name) and body[0].value.id == params[0]


def _assigned_attributes(cls: ast.ClassDef) -> frozenset[str]:
    """The attributes a class's assignments store (`x.attr = ...` anywhere in it), walked once per class and
    kept on its node (trees are never modified): every `__init__` pair of the class asks again."""
    found: frozenset[str] | None = cls.__dict__.get("_assigned_attributes")
    if found is None:
        found = cls.__dict__["_assigned_attributes"] = frozenset(
            t.attr for n in ast.walk(cls) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Attribute))
    return found


def identity_hooks(base_fn: FunctionInfo, cand_fn: FunctionInfo, resolve: Callable[[ast.Call, FunctionInfo], Any],
                   side: Any = None) -> dict[str, ast.expr]:
    """The identity hooks (module doc) of the candidate function's class: attribute -> the identity function's
    expression (as written in `__init__`)."""
    cls, init = _class(cand_fn), _init(_class(cand_fn))
    if cls is None or init is None:
        return {}
    base_cls = _class(base_fn)
    base_init = _init(base_cls)
    had = {a.arg for a in [*base_init.args.posonlyargs, *base_init.args.args, *base_init.args.kwonlyargs]} \
        if base_init is not None else set()
    defaults: dict[str, object] = {p.arg: d.value for p, d in parameter_defaults(init)
                if p.arg not in had and isinstance(d, ast.Constant)}
    if not defaults:
        return {}
    set_before = _assigned_attributes(base_cls) if base_cls is not None else frozenset()
    out: dict[str, ast.expr] = {}
    for stmt in _stores(init.body, defaults):
        target = stmt.targets[0]
        assert isinstance(target, ast.Attribute)
        if not (isinstance(target.value, ast.Name) and target.value.id == "self") or target.attr in set_before \
                or not isinstance(stmt.value, ast.Name | ast.Attribute):
            continue
        init_fn = cand_fn.module.functions.get(f"{cand_fn.class_name}.__init__")
        callee = resolve(ast.Call(func=stmt.value, args=[], keywords=[]), init_fn or cand_fn)
        if callee is not None and _returns_first_parameter(callee) \
                or callee is None and side is not None and _identity_lambda(stmt.value, cand_fn, side):
            out[target.attr] = stmt.value
    return out


def _identity_lambda(value: ast.expr, fn: FunctionInfo, side: Any) -> bool:
    """`name` or `module.name` bound at the top level of its module to `lambda x: x` (dopamine's
    `identity_preprocess_fn = lambda x: x` in `dopamine/jax/networks.py`, read as `networks.identity_preprocess_fn`)."""
    if isinstance(value, ast.Name):
        trees = [fn.module.tree]
        name = value.id
    elif isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
        name = value.attr
        trees = [m.tree for path in _imported_paths(fn.module.tree, value.value.id)
                 if (m := side.module(path)) is not None]
    else:
        return False
    for tree in trees:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and stmt.targets[0].id == name and isinstance(stmt.value, ast.Lambda):
                args = stmt.value.args
                params = [a.arg for a in [*args.posonlyargs, *args.args]]
                body = stmt.value.body
                return len(params) >= 1 and isinstance(body, ast.Name) and body.id == params[0]
    return False


def _imported_paths(tree: ast.Module, alias: str) -> list[str]:
    """The repository paths the module name `alias` may be (`from a.b import c` -> a/b/c.py, `import a.b as c`)."""
    out: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for a in stmt.names:
                if (a.asname or a.name) == alias:
                    base = f"{stmt.module.replace('.', '/')}/{a.name}"
                    out += [f"{base}.py", f"{base}/__init__.py"]
        elif isinstance(stmt, ast.Import):
            for a in stmt.names:
                if (a.asname or a.name) == alias:
                    out += [f"{a.name.replace('.', '/')}.py", f"{a.name.replace('.', '/')}/__init__.py"]
    return out


def identity_calls(hooks: dict[str, ast.expr], cand_fn: FunctionInfo) -> Callable[[ast.Call, FunctionInfo], ast.Call]:
    """A call rewrite for `Expander.effects(arguments=...)`: `self.X(e)` in the methods of the hooks' class is `e`."""
    def rewrite(call: ast.Call, fn: FunctionInfo) -> ast.Call:
        func = call.func
        if fn.path != cand_fn.path or fn.class_name != cand_fn.class_name or not isinstance(func, ast.Attribute) \
                or not (isinstance(func.value, ast.Name) and func.value.id == "self") or func.attr not in hooks \
                or len(call.args) != 1 or call.keywords:
            return call
        return ast.Call(func=ast.Name(id=IDENTITY, ctx=ast.Load()), args=call.args, keywords=[])
    return rewrite


IDENTITY = "<identity>"  # a call the comparison reads as its only argument (flow/symbolic.py `_call`)
