"""Values wrapped in a result container, and values moved to the caller: the same values.

Real shape (d3rlpy v2.2.0..v2.3.0, "minimize redundant computes"): `compute_actor_loss` returns
`DDPGBaseActorLoss(-q.mean())` instead of `-q.mean()`, and its caller backpropagates
`loss.actor_loss`; the policy forward `action = self._modules.policy(batch.observations)` moved
from `compute_actor_loss` into the caller, which passes it in as a new parameter `action`. Each
function was reported as a behavioural change in the loss path.

* A *container* is a project dataclass or `NamedTuple` (its fields are its annotated class-body
  names, in order). `C(x, ...).f` reads back the argument of field `f`; `g(...).f` where `g` is
  annotated to return `C` and `f` is `C`'s first field is `g(...)` read as its main value; a returned
  `C(x, ...)` is `x` (the other fields are compared where callers read them).
* A parameter `p` that the candidate gained, where the baseline computed a local `p = E` in the
  function and a function of the candidate assigns `p = E` with the same text (the statement moved
  to a caller that passes it), is read as the baseline's value of `p`.
"""

from __future__ import annotations

import ast
import weakref
from typing import Any

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import copy_tree, default_values

_CACHE: weakref.WeakKeyDictionary[Any, dict[str, tuple[str, ...] | None]] = weakref.WeakKeyDictionary()


def _last(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _is_container(cls: ast.ClassDef) -> bool:
    for dec in cls.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if _last(target) == "dataclass":
            return True
    return any(_last(b) == "NamedTuple" for b in cls.bases)


def _fields(cls: ast.ClassDef) -> tuple[str, ...]:
    return tuple(s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                 and "ClassVar" not in ast.unparse(s.annotation))


def container_fields(name: str, fn: FunctionInfo) -> tuple[str, ...] | None:
    """The fields of project container class `name` (see the module doc) as seen from `fn`'s module,
    None when it is not one (not found, or no fields)."""
    index = fn.module.index
    if index is None:
        return _in_module(fn.module, name, None, 0)
    cache = _CACHE.setdefault(index, {})
    key = f"{fn.module.path}:{name}"
    if key not in cache:
        cache[key] = _in_module(fn.module, name, index, 0)
    return cache[key]


def _in_module(module: Any, name: str, index: Any, depth: int) -> tuple[str, ...] | None:
    """Fields of container `name` defined in `module` or imported into it, a dataclass base's fields
    first (`SACActorLoss(DDPGBaseActorLoss)` adds `temp` after the base's `actor_loss`)."""
    if depth > 5:
        return None
    cls = _classes(module).get(name)
    if cls is None:
        other = _imported_module(module, name, index)
        return _in_module(other, name, index, depth + 1) if other is not None else None
    if not _is_container(cls):
        return None
    inherited: tuple[str, ...] = ()
    for base in cls.bases:
        base_name = _last(base)
        if base_name and base_name != "NamedTuple":
            inherited += _in_module(module, base_name, index, depth + 1) or ()
    return (inherited + _fields(cls)) or None


def _classes(module: Any) -> dict[str, ast.ClassDef]:
    """The module's classes by name (the first of each name), built once per parsed module."""
    cached = module.__dict__.get("_classes_by_name")
    if cached is None:
        cached = {}
        for n in ast.walk(module.tree):
            if isinstance(n, ast.ClassDef):
                cached.setdefault(n.name, n)
        module.__dict__["_classes_by_name"] = cached
    return cached


def _imported_module(module: Any, name: str, index: Any) -> Any:
    """The parsed module `name` is imported from (`from .sac_impl import SACActorLoss`), or None."""
    dotted = module.imports.get(name) if index is not None else None
    if not dotted or "." not in dotted:
        return None
    source = dotted.rsplit(".", 1)[0]
    level = len(source) - len(source.lstrip("."))
    parts = module.path.split("/")[:-1]
    if level:
        parts = parts[:len(parts) - (level - 1)] if level > 1 else parts
        rest = source[level:]
    else:
        parts, rest = [], source
    stem = "/".join([*parts, *rest.split(".")]) if rest else "/".join(parts)
    for path in (f"{stem}.py", f"{stem}/__init__.py"):
        found = index.module(path)
        if found is not None:
            return found
    return None


def field_argument(call: ast.Call, fields: tuple[str, ...], attr: str) -> ast.expr | None:
    """The argument a container call passes for field `attr`, None when not passed plainly."""
    if attr not in fields or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    k = fields.index(attr)
    if k < len(call.args):
        return call.args[k]
    return next((kw.value for kw in call.keywords if kw.arg == attr), None)


def returned_container(fn: FunctionInfo) -> str | None:
    """The container class a function is annotated to return (`-> DDPGBaseActorLoss`)."""
    returns = getattr(fn.node, "returns", None)
    name = _last(returns) if isinstance(returns, ast.Name | ast.Attribute) else None
    return name if name and container_fields(name, fn) else None


class Assignments:
    """Single assignments `name = value` of a set of functions, by name: (function id, value text).
    Built once per range and name set, so each function is walked once, not once per pair."""

    def __init__(self, functions: list[FunctionInfo]) -> None:
        self.functions = functions
        self._by_name: dict[str, list[tuple[int, str]]] | None = None

    def of(self, name: str) -> list[tuple[int, str]]:
        if self._by_name is None:
            self._by_name = {}
            for fn in self.functions:
                for n, text in _single_assignments(fn, None).items():
                    self._by_name.setdefault(n, []).append((id(fn), text))
        return self._by_name.get(name, [])


def moved_parameters(base_fn: FunctionInfo, cand_fn: FunctionInfo, others: list[FunctionInfo] | Assignments
                     ) -> set[str]:
    """Parameters new to the candidate whose baseline local value moved to a function in `others`
    (see the module doc)."""
    new = _params(cand_fn) - _params(base_fn)
    if not new:
        return set()
    local = _single_assignments(base_fn, new)
    if not local:
        return set()
    index = others if isinstance(others, Assignments) else Assignments(others)
    return {name for name, text in local.items()
            if any(fid != id(cand_fn) and value == text for fid, value in index.of(name))}


def _params(fn: FunctionInfo) -> set[str]:
    args = getattr(fn.node, "args", None)
    if args is None:
        return set()
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _single_assignments(fn: FunctionInfo, names: set[str] | None) -> dict[str, str]:
    """name -> the text of its one assignment in `fn` (names assigned more than once are left out);
    `names` None: every name (computed once per function and kept on it)."""
    every = fn.__dict__.get("_single_assignments")
    if every is None:
        seen: dict[str, list[ast.expr | None]] = {}
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                seen.setdefault(node.targets[0].id, []).append(node.value)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target, ast.Name):
                seen.setdefault(node.target.id, []).append(None)
        every = {k: v[0] for k, v in seen.items() if len(v) == 1 and v[0] is not None}
        fn.__dict__["_single_assignments"] = every
    return {k: ast.unparse(v) for k, v in every.items() if names is None or k in names}


def passed_through(base_fn: FunctionInfo, cand_fn: FunctionInfo, moved: dict[str, set[str]] | None = None
                   ) -> set[str]:
    """Names the candidate only hands on, as an argument of calls the baseline made without it
    (`self.compute_actor_loss(batch)` -> `self.compute_actor_loss(batch, action)`): a parameter new
    to the candidate, or a local new to it whose value is a computation `moved` here from a method
    (name -> the moved expressions' texts, `moved_parameters` over the range). The function itself
    computes nothing new with them; the value is compared where it is made and where it is used."""
    new = _params(cand_fn) - _params(base_fn)
    base_locals = _single_assignments(base_fn, set(moved or ()))
    for name, text in _single_assignments(cand_fn, set(moved or ())).items():
        if moved and text in moved.get(name, ()) and name not in base_locals:
            new.add(name)
    if not new:
        return set()
    base_calls = {ast.unparse(n) for n in ast.walk(base_fn.node) if isinstance(n, ast.Call)}
    as_argument: set[int] = set()
    for node in ast.walk(cand_fn.node):
        if not isinstance(node, ast.Call):
            continue
        handed = [a for a in (*node.args, *(k.value for k in node.keywords)) if isinstance(a, ast.Name) and a.id in new]
        if handed and ast.unparse(_drop(node, {a.id for a in handed})) in base_calls:
            as_argument.update(id(a) for a in handed)
    out = set()
    for name in new:
        loads = [n for n in ast.walk(cand_fn.node) if isinstance(n, ast.Name) and n.id == name
                 and isinstance(n.ctx, ast.Load)]
        if loads and all(id(n) in as_argument for n in loads):
            out.add(name)
    return out


def _drop(call: ast.Call, names: set[str]) -> ast.Call:
    return ast.Call(call.func, [a for a in call.args if not (isinstance(a, ast.Name) and a.id in names)],
                    [k for k in call.keywords if not (isinstance(k.value, ast.Name) and k.value.id in names)])


def moved_values(pairs: list[tuple[FunctionInfo, FunctionInfo]], others: list[FunctionInfo]) -> dict[str, set[str]]:
    """Over a range: parameter name -> the texts of the values moved into callers under that name
    (`moved_parameters`)."""
    out: dict[str, set[str]] = {}
    index = Assignments(others)
    for base_fn, cand_fn in pairs:
        new = _params(cand_fn) - _params(base_fn)
        if not new:
            continue
        local = _single_assignments(base_fn, new)
        for name in moved_parameters(base_fn, cand_fn, index):
            out.setdefault(name, set()).add(local[name])
    return out


def inline_moved(base_fn: FunctionInfo, cand_fn: FunctionInfo, moved: dict[str, set[str]], skip: set[str]
                 ) -> dict[str, ast.expr]:
    """New parameters of the candidate whose value the baseline computed inline: `p` is in `moved` (a
    value moved to callers under that name elsewhere in the range) and exactly one of those moved
    values appears as an expression of the baseline function (`build_gaussian_distribution(
    self._modules.policy(batch.observations))` -> `build_gaussian_distribution(action)`)."""
    new = (_params(cand_fn) - _params(base_fn)) - skip
    wanted = {p: moved[p] for p in new if p in moved}
    if not wanted:
        return {}
    texts = {ast.unparse(n) for n in ast.walk(base_fn.node) if isinstance(n, ast.Call)}
    out: dict[str, ast.expr] = {}
    for name, values in wanted.items():
        present = [v for v in values if v in texts]
        if len(present) == 1:
            out[name] = ast.parse(present[0], mode="eval").body
    return out


def adapted_call(base_stmt: ast.AST, cand_stmt: ast.AST, cand_fn: FunctionInfo, resolve: Any, base_index: Any
                 ) -> str | None:
    """The callee whose changed signature a statement only follows: the two statements differ only in
    the arguments of calls to project functions whose parameter list changed in this range
    (`RolloutStorage(..., student_obs_shape, teacher_obs_shape, ...)` -> `RolloutStorage(..., obs,
    ...)` where `RolloutStorage.__init__` now takes `obs`). What the callee does with its new
    arguments is compared in its own pair. None when anything else differs, or no such callee."""
    base_calls = {ast.unparse(n.func) for n in ast.walk(base_stmt) if isinstance(n, ast.Call)}
    differing = {ast.unparse(n.func) for n in ast.walk(cand_stmt) if isinstance(n, ast.Call)
                 and ast.unparse(n.func) in base_calls}
    if not differing or _blank(base_stmt, differing) != _blank(cand_stmt, differing):
        return None
    changed = [n for n in ast.walk(cand_stmt) if isinstance(n, ast.Call) and ast.unparse(n.func) in differing]
    base_by_func = {ast.unparse(n.func): n for n in ast.walk(base_stmt) if isinstance(n, ast.Call)}
    names = []
    for call in changed:
        before = base_by_func.get(ast.unparse(call.func))
        if before is not None and ast.unparse(before) == ast.unparse(call):
            continue
        callee = resolve(call, cand_fn)
        if callee is None or not _signature_changed(callee, base_index) or _selects_new_option(call, callee, base_index):
            return None
        names.append(callee.qualname)
    return names[0] if names else None


def _selects_new_option(call: ast.Call, callee: FunctionInfo, base_index: Any) -> bool:
    """The call passes a parameter the callee gained in this range, which has a default, anything but
    that default (`normalize_advantage=not self.per_mini_batch` where `normalize_advantage: bool =
    True` is new): the callee's own pair compares it at its default only, so the caller's choice is a
    change of its own (judged with the caller's options at their defaults, flow/optin.py)."""
    node = callee.node
    args = getattr(node, "args", None)
    if args is None:
        return False
    before = [f for f in base_index.find_defs(callee.name) if f.qualname == callee.qualname]
    old = set(_param_list((([f for f in before if f.path == callee.path]) or before)[0])) if before else set()
    positional = [a for a in (*args.posonlyargs, *args.args) if a.arg not in ("self", "cls")]
    defaults = default_values(args)
    given = [(positional[k].arg, v) for k, v in enumerate(call.args) if k < len(positional)]
    given += [(k.arg, k.value) for k in call.keywords if k.arg is not None]
    return any(name not in old and name in defaults and ast.dump(value) != ast.dump(defaults[name])
               for name, value in given)


def _blank(stmt: ast.AST, funcs: set[str]) -> str:
    """The statement's text with the arguments of calls to `funcs` left out."""
    class _B(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if ast.unparse(node.func) in funcs:
                return ast.Call(node.func, [], [])
            return node
    return ast.unparse(_B().visit(copy_tree(stmt)))


def _signature_changed(callee: FunctionInfo, base_index: Any) -> bool:
    """Whether the callee's parameter names differ from the same function's at the baseline."""
    before = [f for f in base_index.find_defs(callee.name) if f.qualname == callee.qualname]
    same_file = [f for f in before if f.path == callee.path]
    old = (same_file or before)[:1]
    return bool(old) and _param_list(old[0]) != _param_list(callee)


def method_by_name(call: ast.Call, side: Any, caller: FunctionInfo) -> FunctionInfo | None:
    """The project method an attribute's method call runs when the attribute's class is unknown (an object handed
    in: garage's MAML in `torch/algos/` calls `self._inner_algo.process_samples(paths)`), by its name: of the
    methods of that name, those in the directory nearest the caller's (`torch/algos/vpg.py`, not the TF and NumPy
    algorithms' of `tf/algos/`, `np/algos/`), when they all take the same parameters (so any of them tells whether
    the signature changed)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Attribute):
        return None
    defs = [f for f in side.find_defs(func.attr) if f.class_name]
    if not defs:
        return None
    here = caller.path.split("/")[:-1]

    def shared(f: FunctionInfo) -> int:
        there = f.path.split("/")[:-1]
        return next((i for i, (a, b) in enumerate(zip(here, there, strict=False)) if a != b), min(len(here), len(there)))

    nearest = max(shared(f) for f in defs)
    defs = [f for f in defs if shared(f) == nearest]
    return defs[0] if len({tuple(_param_list(f)) for f in defs}) == 1 else None


def _param_list(fn: FunctionInfo) -> list[str]:
    args = getattr(fn.node, "args", None)
    if args is None:
        return []
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.arg not in ("self", "cls")]


def returned_containers(fn: FunctionInfo) -> set[str]:
    """Container classes the function's own `return` statements build (`return C(x, ...)`)."""
    cached = fn.__dict__.get("_returned_containers")
    if cached is not None:
        return set(cached)
    out = set()
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) \
                and node.value.func.id[:1].isupper() and container_fields(node.value.func.id, fn):
            out.add(node.value.func.id)
    fn.__dict__["_returned_containers"] = frozenset(out)
    return out


classes_of = _classes  # for the other flow rules (flow/passthrough.py)
imported_module = _imported_module
