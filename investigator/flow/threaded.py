"""State threaded through arguments instead of attributes: `self.X` read as a parameter every caller hands it.

Real shape (trl v1.7.0..v1.7.1, the SFT and DPO dataset preparation): `_tokenize(self, processing_class, input)`
read `if self._is_vlm:` and `chat_template=self.chat_template`; it became a staticmethod `_tokenize(processing_class,
input, is_vlm, chat_template)`, called from the nested `tokenize_fn(example, processing_class, is_vlm,
chat_template)` through a local alias `tokenize = self._tokenize`, and `dataset.map(tokenize_fn, fn_kwargs={...,
"is_vlm": self._is_vlm, "chat_template": self.chat_template})` binds the new parameters. The same values reach the
same uses (the change only keeps `self` out of the mapped function's hash), yet `_tokenize`, `tokenize_fn` and
`_prepare_dataset` were four of the range's top five, "Behavioural change in the sampling/loss path".

A parameter `p` of a function is *threaded* from `self.X` when the function never rebinds `p` and every place the
code hands it a value hands it the same `self.X`, of the same object the function's `self` (or its enclosing
method's) is:
- a call `self.f(...)`, or of a local alias `g = self.f` bound once in a method of the function's class (in that
  method or a function nested in it), from a method of that class or a function nested in one; the argument bound
  to `p` (by position or keyword; no `*args`/`**kwargs` in the call) is `self.X`, a local bound once to `self.X`,
  or a parameter of the calling function threaded from `self.X` in turn (a few calls deep);
- for a function nested in a method: the callback bound with `functools.partial(fn, p=...)` or `x.map(fn,
  fn_kwargs={"p": ...})` (the `datasets` API), in the enclosing method.
Any other reference to the function (a call on another object, a call that omits `p`, the function handed on
as a value elsewhere) leaves `p` unproven. Statements are then compared with each threaded parameter read as
its `self.X`, an alias bound once as `g = self.f` read as `self.f`, and the arguments that bind a callee's
threaded parameter left out (the callee reads them as `self.X`); an alias binding itself computes nothing.
A pair of changed statements equal under that reading is the same computation."""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator

from investigator import fastwalk
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex, enclosing_function
from investigator.pyast import copy_tree

_DEPTH = 3  # calls deep: `_tokenize` <- `tokenize_fn` <- `dataset.map(..., fn_kwargs=...)`
_Params = dict[str, str]  # parameter -> the `self.X` it is threaded from (as `ast.dump` of `self.X`)


class Threading:
    """The threaded parameters of one commit's functions (memoised per function)."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self._memo: dict[tuple[str, str], dict[str, ast.expr | None]] = {}

    def threaded(self, fn: FunctionInfo, name: str, depth: int = _DEPTH) -> ast.expr | None:
        """The `self.X` every value handed to `fn`'s parameter `name` is, else None."""
        key = (fn.path, fn.qualname)
        memo = self._memo.setdefault(key, {})
        if name not in memo:
            memo[name] = None  # a cycle proves nothing
            memo[name] = self._prove(fn, name, depth) if depth > 0 else None
            if depth <= 0:
                del memo[name]
        return memo.get(name)

    def _prove(self, fn: FunctionInfo, name: str, depth: int) -> ast.expr | None:
        node = fn.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or _stores(node, name):
            return None
        position = _position(node, name)
        if position is None:
            return None
        found: set[str] = set()
        value: ast.expr | None = None
        for caller, call in self._sites(fn):
            bound = _bound(call, name, position) if caller is not None else None
            expr = self._value(bound, caller, depth) if bound is not None and caller is not None else None
            if expr is None:
                return None
            found.add(ast.dump(expr))
            value = expr
        return value if len(found) == 1 else None

    def _value(self, expr: ast.expr, caller: FunctionInfo, depth: int) -> ast.expr | None:
        if _self_attr(expr) and _has_self(caller):
            return expr
        if isinstance(expr, ast.Name):
            if _parameter(caller.node, expr.id):
                return self.threaded(caller, expr.id, depth - 1)
            bound = _bound_once(caller.node, expr.id)
            if bound is not None and _self_attr(bound):
                return bound
        return None

    def _sites(self, fn: FunctionInfo) -> Iterator[tuple[FunctionInfo | None, ast.Call]]:
        """Every place a value is handed to `fn` (caller None: a reference that hands nothing provable)."""
        parent = _enclosing(fn)
        if parent is not None:
            yield from self._nested_sites(fn, parent)
            return
        own = _own_class(fn)
        if own is None:
            yield None, ast.Call(func=ast.Name(id=fn.name), args=[], keywords=[])
            return
        seen = False
        for path, line in self.side.references(fn.name):
            module = self.side.module(path) if path.endswith(PY_SUFFIXES) else None
            if module is None:  # a configuration file may name it (looked up by name): unproven
                yield None, ast.Call(func=ast.Name(id=fn.name), args=[], keywords=[])
                return
            caller = enclosing_function(module, line)
            if caller is None:  # an import line: a bare name is never the method (an attribute proves nothing)
                if any(isinstance(r, ast.Attribute) for r in _refs_at(module.tree, fn.name, line)):
                    yield None, ast.Call(func=ast.Name(id=fn.name), args=[], keywords=[])
                    return
                continue
            for ref in _refs_at(caller.node, fn.name, line):
                if isinstance(ref, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                site = _method_site(ref, caller, own, fn, self.side)
                if isinstance(site, str):
                    continue  # another class's method of the same name
                if site is None:
                    yield None, ast.Call(func=ast.Name(id=fn.name), args=[], keywords=[])
                    return
                for call_in, call in site:
                    seen = True
                    yield call_in, call
        if not seen:
            yield None, ast.Call(func=ast.Name(id=fn.name), args=[], keywords=[])

    def _nested_sites(self, fn: FunctionInfo, parent: FunctionInfo) -> Iterator[tuple[FunctionInfo | None, ast.Call]]:
        refs = [n for n in ast.walk(parent.node) if isinstance(n, ast.Name) and n.id == fn.name]
        if not refs:
            yield None, ast.Call(func=ast.Name(id=fn.name), args=[], keywords=[])
        for ref in refs:
            call = _bound_callback(parent.node, ref)
            yield (innermost(parent, ref) if call is not None else None), call or ast.Call(func=ref, args=[], keywords=[])


_PARENT = "_threaded_parent"  # a nested function's enclosing one, kept on the FunctionInfo built for it


def _enclosing(fn: FunctionInfo) -> FunctionInfo | None:
    """The function `fn` is nested in (directly), if any."""
    kept = fn.__dict__.get(_PARENT)
    if kept is not None:
        return kept
    head, _, _ = fn.qualname.rpartition(".")
    parent = fn.module.functions.get(head) if head else None
    return parent if parent is not None and not parent.is_module else None


def innermost(fn: FunctionInfo, node: ast.AST) -> FunctionInfo:
    """The function a node of `fn` runs in: `fn`, or a function nested in it (under `with`/`if` blocks the
    module's function table does not list, a FunctionInfo is built for it)."""
    for child in _nested_functions(fn.node):
        if any(n is node for n in ast.walk(child)) and _direct(fn.node, child):
            nested = fn.module.functions.get(f"{fn.qualname}.{child.name}")
            if nested is None or nested.node is not child:
                nested = FunctionInfo(fn.side, fn.path, f"{fn.qualname}.{child.name}", child, None, fn.module)
                nested.__dict__[_PARENT] = fn
            return innermost(nested, node)
    return fn


# The function definitions below a function's node, in walk order, kept per node (weak keys): `innermost` is asked
# once per changed statement of every pair (`read_threaded`, `method_alias`), and walking the whole function for
# its nested definitions each time was about 1 % of skrl 1.4.3..2.0.0. The engine never changes a tree it has
# read (see `investigator.fastwalk`), so the list stays what a fresh walk gives.
_Def = ast.FunctionDef | ast.AsyncFunctionDef
_NESTED: weakref.WeakKeyDictionary[ast.AST, list[_Def]] = weakref.WeakKeyDictionary()


def _nested_functions(node: ast.AST) -> list[_Def]:
    """The `def`s below `node` (not `node` itself), in `ast.walk` order."""
    found = _NESTED.get(node)
    if found is None or fastwalk.CHECK:
        fresh = [child for child in ast.walk(node)
                 if child is not node and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)]
        if found is not None and found != fresh:  # the tests' check (`fastwalk.CHECK`): a tree changed after it was read
            raise AssertionError(f"a read tree was changed afterwards: {ast.dump(node)[:200]}")
        found = _NESTED[node] = fresh
    return found


def _nested_def(owner: FunctionInfo, name: str) -> FunctionInfo | None:
    """The function named `name` defined directly in `owner`, if any."""
    for child in _nested_functions(owner.node):
        if child.name == name and _direct(owner.node, child):
            return innermost(owner, child)
    return None


def _direct(outer: ast.AST, inner: ast.AST) -> bool:
    """`inner` is nested in `outer` with no function between them."""
    todo = list(ast.iter_child_nodes(outer))
    while todo:
        n = todo.pop()
        if n is inner:
            return True
        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            todo.extend(ast.iter_child_nodes(n))
    return False


def _own_class(fn: FunctionInfo) -> str | None:
    """The class of a method (not nested in another function), short name."""
    return fn.class_name.rsplit(".", 1)[-1] if fn.class_name and fn.qualname.count(".") == fn.class_name.count(".") + 1 \
        else None


def _method_class(caller: FunctionInfo) -> str | None:
    """The class whose `self` a function sees: its own, or its enclosing method's."""
    while caller is not None:
        own = _own_class(caller)
        if own is not None:
            return own
        caller = _enclosing(caller)  # type: ignore[assignment]
    return None


def _has_self(caller: FunctionInfo) -> bool:
    return _method_class(caller) is not None and not _stores(caller.node, "self")


def _method_site(ref: ast.AST, caller: FunctionInfo, own: str, fn: FunctionInfo, side: SideIndex
                 ) -> list[tuple[FunctionInfo | None, ast.Call]] | str | None:
    """The calls a reference to method `fn` makes: "other" for another class's method of the same name,
    None for a reference that proves nothing."""
    if isinstance(ref, ast.Name):
        return "other"  # a method is never in scope by its bare name (an alias is found by its `self.f`)
    caller = innermost(caller, ref)
    there = _method_class(caller)
    if not (isinstance(ref, ast.Attribute) and _is_self(ref.value)) or there is None:
        return None
    if there != own:
        return "other" if any(f.name == fn.name and _own_class(f) == there for f in side.find_defs(fn.name)) else None
    parent = _parent_of(caller.node, ref)
    if isinstance(parent, ast.Call) and parent.func is ref:
        return [(caller, parent)]
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        alias = parent.targets[0].id
        if _bound_once(caller.node, alias) is not ref:
            return None
        calls: list[tuple[FunctionInfo | None, ast.Call]] = []
        for user in ast.walk(caller.node):
            if isinstance(user, ast.Name) and user.id == alias and isinstance(user.ctx, ast.Load):
                call = _parent_of(caller.node, user)
                if not (isinstance(call, ast.Call) and call.func is user):
                    return None
                calls.append((innermost(caller, call), call))
        return calls
    return None


def _bound_callback(parent: ast.AST, ref: ast.Name) -> ast.Call | None:
    """`partial(fn, p=...)` / `x.map(fn, fn_kwargs={...})` as the call that binds `fn`'s parameters, or a
    direct call `fn(...)`; None for another use."""
    call = _parent_of(parent, ref)
    if not isinstance(call, ast.Call):
        return None
    if call.func is ref:
        return call
    if not call.args or call.args[0] is not ref:
        return None
    name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id \
        if isinstance(call.func, ast.Name) else None
    if name == "partial" and len(call.args) == 1:
        return ast.Call(func=ref, args=[], keywords=list(call.keywords))
    if name == "map":
        kwargs = next((k.value for k in call.keywords if k.arg == "fn_kwargs"), None)
        if isinstance(kwargs, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                                for k in kwargs.keys):
            return ast.Call(func=ref, args=[], keywords=[ast.keyword(arg=k.value, value=v)  # type: ignore[union-attr]
                                                         for k, v in zip(kwargs.keys, kwargs.values, strict=True)])
    return None


def _bound(call: ast.Call, name: str, position: int) -> ast.expr | None:
    """The argument a call binds to the parameter (`position` among the positional ones; -1: keyword-only). A
    `**kwargs` cannot bind it again (a second value is a TypeError); a `*args` up to its position may."""
    by_name = next((k.value for k in call.keywords if k.arg == name), None)
    if by_name is not None:
        return by_name
    if any(isinstance(a, ast.Starred) for a in call.args[:position + 1]) or position < 0:
        return None
    return call.args[position] if position < len(call.args) else None


def _position(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> int | None:
    """The parameter's position as callers write it (`self`/`cls` of a method not counted); -1 keyword-only."""
    positional = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if positional and positional[0] in ("self", "cls") and not static:
        positional = positional[1:]
    if name in positional:
        return positional.index(name)
    return -1 if name in [a.arg for a in node.args.kwonlyargs] else None


def _parameter(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _position(node, name) is not None \
        and not _stores(node, name)


def _stores(node: ast.AST, name: str) -> bool:
    """Some `Name` below `node` (itself included) stores or deletes `name`."""
    return name in _store_index(node)[0]


def _bound_once(node: ast.AST, name: str) -> ast.expr | None:
    """The value of the one plain assignment `name = <value>` of a function (nested functions included), the
    only store of the name there; None otherwise."""
    stores, assigned = _store_index(node)
    found = stores.get(name, [])
    return assigned.get(id(found[0])) if len(found) == 1 else None


# Per node (weak keys): the `Name`s below it that store or delete, by name, in walk order, and the value of the first
# one-target `Assign` (walk order) to each target. The reader asks `_stores`/`_bound_once` for every name it reads in
# every changed statement, and each question walked the whole function (about 1 % of skrl 1.4.3..2.0.0); the
# engine never changes a tree it has read (see `investigator.fastwalk`).
_STORES: weakref.WeakKeyDictionary[ast.AST, tuple[dict[str, list[ast.Name]], dict[int, ast.expr]]] = \
    weakref.WeakKeyDictionary()


def _store_index(node: ast.AST) -> tuple[dict[str, list[ast.Name]], dict[int, ast.expr]]:
    found = _STORES.get(node)
    if found is None or fastwalk.CHECK:
        stores: dict[str, list[ast.Name]] = {}
        assigned: dict[int, ast.expr] = {}
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                if not isinstance(n.ctx, ast.Load):
                    stores.setdefault(n.id, []).append(n)
            elif isinstance(n, ast.Assign) and len(n.targets) == 1:
                assigned.setdefault(id(n.targets[0]), n.value)
        if found is not None and found != (stores, assigned):  # the tests' check, as `_nested_functions`
            raise AssertionError(f"a read tree was changed afterwards: {ast.dump(node)[:200]}")
        found = _STORES[node] = (stores, assigned)
    return found


def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _self_attr(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and _is_self(node.value) and isinstance(node.ctx, ast.Load)


def _refs_at(node: ast.AST, name: str, line: int) -> list[ast.AST]:
    """The nodes naming `name` on a line: attribute reads, plain names and definitions."""
    out: list[ast.AST] = []
    for n in ast.walk(node):
        if getattr(n, "lineno", None) != line:
            continue
        if isinstance(n, ast.Attribute) and n.attr == name or isinstance(n, ast.Name) and n.id == name \
                or isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name:
            out.append(n)
    return out


def _parent_of(root: ast.AST, child: ast.AST) -> ast.AST | None:
    for n in ast.walk(root):
        for c in ast.iter_child_nodes(n):
            if c is child:
                return n
    return None


class _Reader(ast.NodeTransformer):
    """A statement's parts read under a commit's threading (see the module docstring)."""

    def __init__(self, fn: FunctionInfo, threading: Threading, stored: frozenset[str]) -> None:
        self.fn, self.threading, self.stored = fn, threading, stored
        self.changed = False
        self.dropped: dict[tuple[str, str], str] = {}  # (callee, parameter) -> its `self.X`, for arguments left out

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            return node
        owner: FunctionInfo | None = self.fn
        while owner is not None:  # the innermost function binding the name
            if node.id in owner.local_names or _parameter(owner.node, node.id):
                break
            owner = _enclosing(owner)
        if owner is None:
            return node
        if _parameter(owner.node, node.id):
            value = self.threading.threaded(owner, node.id)
            if isinstance(value, ast.Attribute) and value.attr not in self.stored:
                self.changed = True
                return copy_tree(value)
            return node
        bound = _bound_once(owner.node, node.id)
        if isinstance(bound, ast.Attribute) and _self_attr(bound) and _alias_of_method(bound, owner, self.threading.side):
            self.changed = True
            return copy_tree(bound)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        callee = _callee(node, self.fn, self.threading.side)
        if callee is None:
            return node
        target = callee
        if isinstance(callee, tuple):
            target, node = callee[0], callee[1]
        assert isinstance(target, FunctionInfo)
        kept = _without_threaded(node, target, self.threading, self.dropped)
        if kept is not node:
            self.changed = True
        return kept


def _alias_of_method(bound: ast.Attribute, owner: FunctionInfo, side: SideIndex) -> bool:
    there = _method_class(owner)
    return there is not None and any(_own_class(f) == there for f in side.find_defs(bound.attr))


def _callee(call: ast.Call, fn: FunctionInfo, side: SideIndex) -> FunctionInfo | tuple[FunctionInfo, ast.Call] | None:
    """The project function a (read) call runs when it is a method of the caller's own class called on `self`,
    or a function nested in the caller's enclosing functions bound as a `map`/`partial` callback."""
    func = call.func
    if isinstance(func, ast.Attribute) and _is_self(func.value):
        there = _method_class(fn)
        found = [f for f in side.find_defs(func.attr) if there is not None and _own_class(f) == there
                 and f.path == fn.path]
        return found[0] if len(found) == 1 else None
    if call.args and isinstance(call.args[0], ast.Name) and isinstance(func, ast.Attribute | ast.Name):
        name = call.args[0].id
        owner: FunctionInfo | None = fn
        while owner is not None:
            nested = _nested_def(owner, name)
            if nested is not None:
                return nested, call
            owner = _enclosing(owner)
    return None


def _without_threaded(call: ast.Call, callee: FunctionInfo, threading: Threading,
                      dropped: dict[tuple[str, str], str]) -> ast.Call:
    """The call less the arguments (or `fn_kwargs` entries) bound to the callee's threaded parameters; the
    positional and keyword ones left out are recorded in `dropped`."""
    node = callee.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return call
    if call.func is not None and call.args and isinstance(call.args[0], ast.Name) and call.args[0].id == callee.name:
        return _without_threaded_kwargs(call, callee, threading)
    positional = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    if positional and positional[0] in ("self", "cls") and not static:
        positional = positional[1:]
    named = [positional[i] for i in range(min(len(call.args), len(positional)))] + \
        [k.arg for k in call.keywords if k.arg is not None]
    for param in named:
        value = threading.threaded(callee, param)
        if value is not None:
            dropped[(callee.qualname, param)] = ast.dump(value)
    args = [a for i, a in enumerate(call.args)
            if not (i < len(positional) and threading.threaded(callee, positional[i]) is not None)]
    keywords = [k for k in call.keywords if k.arg is None or threading.threaded(callee, k.arg) is None]
    if len(args) == len(call.args) and len(keywords) == len(call.keywords):
        return call
    return ast.Call(func=call.func, args=args, keywords=keywords)


def _without_threaded_kwargs(call: ast.Call, callee: FunctionInfo, threading: Threading) -> ast.Call:
    keywords = []
    changed = False
    for k in call.keywords:
        if k.arg in ("fn_kwargs", None) and isinstance(k.value, ast.Dict):
            pairs = [(key, v) for key, v in zip(k.value.keys, k.value.values, strict=True)
                     if not (isinstance(key, ast.Constant) and isinstance(key.value, str)
                             and threading.threaded(callee, key.value) is not None)]
            changed |= len(pairs) != len(k.value.keys)
            keywords.append(ast.keyword(arg=k.arg, value=ast.Dict(keys=[p[0] for p in pairs],
                                                                  values=[p[1] for p in pairs])))
        elif k.arg is not None and threading.threaded(callee, k.arg) is not None:
            changed = True  # `partial(fn, p=self.X)`
        else:
            keywords.append(k)
    return ast.Call(func=call.func, args=list(call.args), keywords=keywords) if changed else call


def read_threaded(parts: list[ast.expr], fn: FunctionInfo, threading: Threading,
                  stored: frozenset[str] = frozenset()) -> tuple[str, bool, dict[tuple[str, str], str]]:
    """The parts as text under the threading, whether the reading changed anything, and the arguments it left out
    ((callee, parameter) -> the `self.X` the parameter is threaded from, as `ast.dump`). `stored`: attributes the
    pair's functions assign (`self.X = ...`): a parameter threaded from one of them is not read as it (the function
    may read the attribute after changing it)."""
    reader = _Reader(innermost(fn, parts[0]) if parts else fn, threading, stored)
    out = [ast.dump(reader.visit(copy_tree(p))) for p in parts]
    return "\n".join(out), reader.changed, reader.dropped


def same_threads(old: dict[tuple[str, str], str], new: dict[tuple[str, str], str]) -> bool:
    """The arguments both readings left out for the same callee parameter come from the same `self.X`. Real shape
    (precision held-out 19, gym-pybullet-drones 0fa7590b..6a790713 gym_pybullet_drones/envs/BaseAviary.py:862):
    `self._integrateQ(quat, rpy_rates, self.TIMESTEP)` -> `(..., self.PYB_TIMESTEP)`, the only call of
    `_integrateQ(self, quat, omega, dt)`: `dt` is threaded at both commits, from another attribute at each, and
    leaving the argument out made the two calls equal ("State threaded through arguments", no effect)."""
    return all(new[key] == value for key, value in old.items() if key in new)


def method_alias(node: ast.stmt, fn: FunctionInfo, side: SideIndex) -> bool:
    """`g = self.f` binding a local alias of a method of the function's class, once (it computes nothing: its
    calls are read as `self.f(...)`)."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Attribute) and _self_attr(node.value)):
        return False
    fn = innermost(fn, node)
    return _bound_once(fn.node, node.targets[0].id) is node.value and _alias_of_method(node.value, fn, side)


def stored_attributes(*fns: FunctionInfo) -> frozenset[str]:
    """The attributes `self.X` the functions assign (nested functions included)."""
    return frozenset(n.attr for fn in fns for n in ast.walk(fn.node) if isinstance(n, ast.Attribute)
                     and _is_self(n.value) and not isinstance(n.ctx, ast.Load))
