"""A flattened, inlined walk over a function: every AST node with the context detectors need.

Detectors compare *behaviour*, so a block extracted into a helper must look the same as the
inlined original. The walk therefore descends into calls to project functions (resolved by
name, self-method or imported module, up to `MAX_INLINE` levels) at the call site, carrying the
enclosing loops and `torch.no_grad()` scope with it, binding the callee's parameters to the
caller's arguments and its `return` values to the caller's assignment targets.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from investigator.detectors.attrs import attribute_class, self_aliases
from investigator.detectors.functions import FunctionInfo, ParsedModule, is_stub
from investigator.detectors.pairs import SideIndex
from investigator.pyast import call_name, class_base, copy_tree, dotted, dotted_expr, last_name

_T = TypeVar("_T")

MAX_INLINE = 4
MAX_SITES = 60_000  # one walk never grows beyond this (very large call graphs)
NO_GRAD = {"no_grad", "inference_mode"}


_new_object = object.__new__


@dataclass(frozen=True, eq=False)
class Site:
    node: ast.AST
    fn: FunctionInfo  # where the node lives (a callee when inlined)
    loops: tuple[ast.AST, ...]  # enclosing loops, outermost first (across inlining)
    no_grad: bool
    depth: int  # inlining depth; 0 = the analysed function itself
    bindings: dict[str, ast.AST] = field(default_factory=dict)  # callee parameter -> caller argument
    loop_aliases: frozenset[str] = frozenset()  # callee parameters bound to a caller's loop variable
    chain: tuple[FunctionInfo, ...] = ()  # the analysed function and the callees inlined down to here
    anchor: tuple[str, int] | None = None  # for an inlined site: the call site in the analysed function
    branches: tuple[tuple[int, int], ...] = ()  # enclosing `if` statements: (id of the If, 0 body / 1 else)
    calls: tuple[tuple[str, int], ...] = ()  # for an inlined site: every call on the way down, outermost first
    # under `no_grad`: the inlining depth of the function whose `with torch.no_grad()` (or decorator)
    # opened the scope (0 = the analysed function; below `depth`: a caller's cut); -1 outside one
    no_grad_from: int = -1

    @property
    def scope_locals(self) -> frozenset[str]:
        """Local names of every function on the inlining chain."""
        out: frozenset[str] = frozenset()
        for fn in self.chain or (self.fn,):
            out = out | fn.local_names
        return out

    @property
    def path(self) -> str:
        return self.fn.path

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", self.fn.lineno)

    @property
    def loop_depth(self) -> int:
        return len(self.loops)

    @property
    def loop_vars(self) -> set[str]:
        out: set[str] = set(self.loop_aliases)
        for loop in self.loops:
            target = loop.target if isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension) else None
            if target is not None:
                out.update(sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name))
        return out


class SiteList(list):
    """The sites of one walk, with the per-kind views detectors ask for computed once. A call through
    an instance attribute that only ever holds a library function (`self.clip = torch.clamp` in
    `__init__`, then `self.clip(r, lo, hi)`) is listed under each function it can be
    (`callable_aliases`): detectors compare what is called, not how it is reached."""

    def __init__(self, sites: list[Site]) -> None:
        super().__init__(sites)
        self.calls = [(s, s.node, name) for s in sites if isinstance(s.node, ast.Call)
                      for name in _call_names(s.node, s.fn)]
        self.assigns = [(s, a[0], a[1]) for s in sites if (a := assignment(s.node)) is not None]
        self.inlined_assigns: frozenset[int] | None = None  # `patterns.inlined_call_assigns`, once per walk


def _call_names(call: ast.Call, fn: FunctionInfo) -> list[str]:
    name = call_name(call)
    if name.startswith("self.") and name.count(".") == 1 and fn.class_name:
        targets = callable_aliases(fn).get(name[5:])
        if targets:
            return targets
    return [name]


def alias_value(fn: FunctionInfo, attr: str) -> ast.expr | None:
    """The function `self.<attr>` holds in `fn`'s class, as an expression: the dotted name when one
    assignment sets it, `a if test else b` when the two branches of one `if` of a method set it and
    the test reads only instance attributes and constants (`if self.is_torch: self.clip = torch.clamp
    else: self.clip = np.clip`); None otherwise (see `callable_aliases`)."""
    targets = callable_aliases(fn).get(attr) if fn.class_name else None
    if not targets:
        return None
    if len(targets) == 1:
        return dotted_expr(targets[0])
    cls_name = (fn.class_name or "").rsplit(".", 1)[-1]
    cls = next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == cls_name), None)
    for node in ast.walk(cls) if cls is not None and len(targets) == 2 else ():
        if not isinstance(node, ast.If) or not _instance_test(node.test):
            continue
        body, orelse = _alias_in(node.body, attr), _alias_in(node.orelse, attr)
        if body and orelse and body != orelse and {body, orelse} == set(targets):
            return ast.IfExp(node.test, dotted_expr(body), dotted_expr(orelse))
    return None


def _alias_in(block: list[ast.stmt], attr: str) -> str:
    for stmt in block:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == attr and
                                                isinstance(t.value, ast.Name) and t.value.id == "self"
                                                for t in stmt.targets):
            return dotted(stmt.value)
    return ""


def _instance_test(test: ast.expr) -> bool:
    """A test whose value is the same in every method: instance attributes and constants only."""
    for sub in ast.walk(test):
        if isinstance(sub, ast.Name) and sub.id != "self":
            return False
        if isinstance(sub, ast.Call):
            return False
    return True


_ALIASES: dict[tuple[int, str], tuple[ast.AST, dict[str, list[str]]]] = {}


def callable_aliases(fn: FunctionInfo) -> dict[str, list[str]]:
    """Instance attributes of `fn`'s class that only ever hold a module-level function: every
    assignment `self.<attr> = <value>` in the class's methods has a dotted library name as its value
    (`torch.clamp`, `np.clip`, or a name the module imports), e.g. `self.clip = torch.clamp if torch
    else np.clip` written as an `if`. attr -> the distinct function names, in source order. An
    attribute also assigned anything else (a parameter, a call, a lambda) is no alias."""
    return _per_class(_ALIASES, fn, lambda cls: _aliases_in(cls, fn.module.imports))


def _aliases_in(cls: ast.ClassDef | None, imports: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    bad: set[str] = set()
    for node in ast.walk(cls) if cls is not None else ():
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for t in targets:
            if not (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"):
                continue
            value = dotted(node.value) if isinstance(node.value, ast.Name | ast.Attribute) else ""
            root = value.split(".", 1)[0]
            if value and root != "self" and ("." in value or root in imports):
                if value not in out.setdefault(t.attr, []):
                    out[t.attr].append(value)
            else:
                bad.add(t.attr)
    return {k: v for k, v in out.items() if k not in bad}


def _per_class(cache: dict[tuple[int, str], tuple[ast.AST, _T]], fn: FunctionInfo,
               compute: Callable[[ast.ClassDef | None], _T]) -> _T:
    """`compute` of `fn`'s class node (None: no such class), once per (module tree, class name); the
    cache is emptied past 512 entries so trees of finished ranges are not kept alive."""
    cls_name = (fn.class_name or "").rsplit(".", 1)[-1]
    tree = fn.module.tree
    key = (id(tree), cls_name)
    hit = cache.get(key)
    if hit is not None and hit[0] is tree:
        return hit[1]
    if len(cache) > 512:
        cache.clear()
    cls = next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls_name), None) \
        if cls_name else None
    found = compute(cls)
    cache[key] = (tree, found)
    return found


def class_imports(fn: FunctionInfo) -> frozenset[str]:
    """Names an `import` in the body of `fn`'s class binds (`class RayVecEnv: import ray`), that no
    method re-assigns as `self.<name>`: `self.ray.get(...)` there is the module's `ray.get(...)`.
    Real shape: rl_games moved `import ray` from `__init__` into the class body and wrote every
    `ray.<f>(...)` as `self.ray.<f>(...)`, which read as a behavioural change of each method."""
    return _per_class(_CLASS_IMPORTS, fn, _imports_in)


def _imports_in(cls: ast.ClassDef | None) -> frozenset[str]:
    bound: set[str] = set()
    for stmt in cls.body if cls is not None else []:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".", 1)[0] for a in stmt.names if a.name != "*")
    for node in ast.walk(cls) if cls is not None and bound else ():
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign | ast.AugAssign) else []
        bound.difference_update(t.attr for t in targets if isinstance(t, ast.Attribute)
                                and isinstance(t.value, ast.Name) and t.value.id == "self")
    return frozenset(bound)


_CLASS_IMPORTS: dict[tuple[int, str], tuple[ast.AST, frozenset[str]]] = {}


def assignment(node: ast.AST) -> tuple[ast.stmt, ast.expr] | None:
    """An assignment statement with its value expression (`x = v`, `x += v`, `x: T = v`); None for
    anything else, a bare annotation `x: T` included."""
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None:
        return node, node.value
    return None


def is_no_grad(expr: ast.AST) -> bool:
    """`torch.no_grad()`, `torch.inference_mode()`, `no_grad` (a decorator or a `with` item)."""
    target = expr.func if isinstance(expr, ast.Call) else expr
    return last_name(dotted(target)) in NO_GRAD


def _module_matches(path: str, dotted_name: str) -> bool:
    mod = dotted_name.lstrip(".")
    stem = path[:-3] if path.endswith(".py") else path
    stem = stem.removesuffix("/__init__").replace("/", ".")
    return not mod or stem == mod or stem.endswith("." + mod)


def _in_package(path: str, dotted_name: str) -> bool:
    """`path` is a module of the package `dotted_name` (a class a package's `__init__` re-exports:
    `from rsl_rl.storage import RolloutStorage` defined in `rsl_rl/storage/rollout_storage.py`)."""
    mod = dotted_name.lstrip(".")
    stem = (path[:-3] if path.endswith(".py") else path).replace("/", ".")
    return bool(mod) and (stem.startswith(mod + ".") or f".{mod}." in stem)


def attribute_receiver(value: ast.expr, fn: FunctionInfo) -> str:
    """`storage` for a receiver `self.storage`, or a local alias of it in `fn` (`st = self.storage`);
    '' for anything else."""
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self":
        return value.attr
    if isinstance(value, ast.Name) and value.id != "self" and fn.class_name:
        return self_aliases(fn).get(value.id, "")
    return ""


class _Substitute(ast.NodeTransformer):
    def __init__(self, bindings: dict[str, ast.AST]) -> None:
        self.bindings = bindings

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.bindings and isinstance(node.ctx, ast.Load):
            return copy_tree(self.bindings[node.id])
        return node


def substitute(expr: ast.AST, bindings: dict[str, ast.AST]) -> ast.AST:
    """The expression with callee parameters replaced by the caller's arguments."""
    if not bindings:
        return expr
    return _Substitute(bindings).visit(copy_tree(expr))


@dataclass
class _Ctx:
    fn: FunctionInfo
    loops: tuple[ast.AST, ...]
    no_grad: bool
    depth: int
    chain: tuple[FunctionInfo, ...]
    bindings: dict[str, ast.AST]
    loop_aliases: frozenset[str]
    bind_targets: list[ast.expr] | None = None  # where the callee's return values go
    anchor: tuple[str, int] | None = None
    branches: tuple[tuple[int, int], ...] = ()
    calls: tuple[tuple[str, int], ...] = ()
    no_grad_from: int = -1


class Flow:
    """Per-commit cache of inlined walks."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self._cache: dict[int, list[Site]] = {}
        self._resolved: dict[tuple[int, str], FunctionInfo | None] = {}
        self._holders: dict[str, list[str]] = {}  # class name -> files whose text defines it
        self._inherits: dict[tuple[str, str, str], FunctionInfo | None] = {}
        self._kids: dict[int, tuple[ast.AST, list[ast.AST]]] = {}
        self._call_walks: dict[tuple[int, int, int], tuple[ast.Call, Site, FunctionInfo, list[Site]]] = {}
        self._class_methods: dict[tuple[str, str, str], FunctionInfo | None] = {}
        self._class_defs: dict[tuple[str, str], tuple[ParsedModule, ast.ClassDef] | None] = {}
        self._below: dict[tuple[str, str], bool] = {}
        self._ancestors: dict[str, set[str]] = {}
        self._other: Flow | None = None  # the other commit's walk (`link`)
        self._counterpart: Callable[[FunctionInfo], FunctionInfo | None] | None = None
        self._unknown_there: dict[tuple[int, str], tuple[FunctionInfo, bool]] = {}
        self._count = 0

    def sites(self, fn: FunctionInfo) -> list[Site]:
        key = id(fn)
        if key not in self._cache:
            decorated_no_grad = any(is_no_grad(d) for d in getattr(fn.node, "decorator_list", []))
            ctx = _Ctx(fn, (), decorated_no_grad, 0, (fn,), alias_bindings(fn), frozenset(),
                       no_grad_from=0 if decorated_no_grad else -1)
            self._count = 0
            self._cache[key] = SiteList(self._walk_body(fn.body, ctx, []))
        return self._cache[key]

    def call_sites(self, call: ast.Call, at: Site, callee: FunctionInfo) -> list[Site]:
        """The walk of `callee` as `call` at `at` runs it, its parameters bound to the arguments: for
        a callee the walk does not resolve itself (a constructor, a method of an object whose class
        the code does not name), when another rule has found where the call goes. Walked once per
        (call, site, callee): every detector that looks for moved code asks for the same walk."""
        key = (id(call), id(at), id(callee))
        hit = self._call_walks.get(key)
        if hit is not None and hit[0] is call and hit[1] is at and hit[2] is callee:
            return hit[3]
        sites = self._call_sites(call, at, callee)
        self._call_walks[key] = (call, at, callee, sites)  # holding the objects keeps their ids unique
        return sites

    def _call_sites(self, call: ast.Call, at: Site, callee: FunctionInfo) -> list[Site]:
        c = _Ctx(at.fn, at.loops, at.no_grad, at.depth, at.chain or (at.fn,), dict(at.bindings), at.loop_aliases,
                 None, at.anchor, at.branches, at.calls, at.no_grad_from)
        if callee in c.chain or callee.is_module:
            return []
        bindings, aliases = self._bind(call, callee, c)
        inner = _Ctx(callee, c.loops, c.no_grad, c.depth + 1, (*c.chain, callee), bindings, aliases, None,
                     c.anchor if c.anchor is not None else (at.fn.path, getattr(call, "lineno", at.fn.lineno)),
                     c.branches, (*c.calls, (at.fn.path, getattr(call, "lineno", at.fn.lineno))), c.no_grad_from)
        self._count = 0
        return SiteList(self._walk_body(callee.body, inner, []))

    # -- resolution ----------------------------------------------------------------------------
    def link(self, other: Flow, counterpart: Callable[[FunctionInfo], FunctionInfo | None]) -> None:
        """The other commit's walk, and a function's counterpart there: a call through an attribute
        written alike at both commits (`self._impl.update(batch)`) is followed only where both commits
        resolve it. Resolved at one side only (the class declared at one commit, a generic at the other),
        its body would be compared with nothing and read as added or removed."""
        self._other, self._counterpart = other, counterpart

    def resolve(self, call: ast.Call, fn: FunctionInfo) -> FunctionInfo | None:
        name = call_name(call)
        if not name:
            return None
        key = (id(fn), name)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(call, fn)
        return self._resolved[key]

    def _resolve(self, call: ast.Call, fn: FunctionInfo) -> FunctionInfo | None:
        module = fn.module
        func = call.func
        if isinstance(func, ast.Name):
            local = module.functions.get(func.id)
            if local is not None:
                return local
            built = _built_once(fn, func.id)
            if built is not None:  # `stats = RolloutStatsComputer(...)`, then `stats(policy)`
                return self.class_method(module, built, CALL)
            imported = module.imports.get(func.id)
            if not imported:
                return None
            defs = [d for d in self.side.find_defs(func.id) if d.class_name is None and d.qualname == func.id]
            source = imported.rsplit(".", 1)[0] if "." in imported else ""
            matching = [d for d in defs if _module_matches(d.path, source)]
            return matching[0] if len(matching) == 1 else (defs[0] if len(defs) == 1 else None)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner = func.value.id
            if owner == "self" and fn.class_name:
                return self._self_method(fn, func.attr)
            imported = module.imports.get(owner)
            if imported:
                defs = [
                    d
                    for d in self.side.find_defs(func.attr)
                    if d.class_name is None and _module_matches(d.path, imported)
                ]
                return defs[0] if len(defs) == 1 else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute):
            found = self._module_function(func, module)
            if found is not None:
                return found
        if isinstance(func, ast.Attribute):
            attr = attribute_receiver(func.value, fn)
            known = attribute_class(fn, attr) if attr else None
            if known is not None and known.written:
                found = self.class_method(module, known.written, func.attr)
                if found is not None and not known.exact and self.overridden_below(known.name, func.attr):
                    return None  # a declared base class whose subclasses override the method: dynamic dispatch
                if found is not None and self._unresolved_there(attr, fn):
                    return None
                return found
        return None

    def _self_method(self, fn: FunctionInfo, method: str) -> FunctionInfo | None:
        """`self.method(...)` in a method of `fn.class_name`: its own or inherited method, the subclass's
        implementation of an abstract one (`_implemented_below`), or an object's `__call__`."""
        assert fn.class_name
        found = fn.module.functions.get(f"{fn.class_name}.{method}") or self._inherited(
            fn.module, fn.class_name, method)
        if found is None or is_stub(found):
            below = self._implemented_below(fn, method)
            if below is not None:
                return below
        return found or self._called_object(fn, method)

    def _implemented_below(self, fn: FunctionInfo, method: str) -> FunctionInfo | None:
        """`self.m()` in a base-class method where `m` is declared abstract there (or not at all) and the
        code of `m` lives in the subclasses (a template-method refactor), while `fn`'s counterpart at the
        other commit runs a concrete `m` of its own class: the subclass's `m` that runs, so both commits'
        walks reach the same computation. Among several subclasses that define `m`, the one of the class
        whose name the other commit's `m` belongs to, else the one whose code is the most like it.
        Real shape (sac-discrete.pytorch d48f9e10..cf2295cd): the monolithic `SacDiscreteAgent.learn` of
        code/agent.py became `BaseAgent.learn` (sacd/agent/base.py:166) calling the abstract
        `self.calc_critic_loss(...)`, implemented by `SacdAgent` and `SharedSacdAgent`; walked into the
        stub, the `(1.0 - dones)` target of `SacdAgent.calc_target_q` read as "Done masking removed"
        (critical). Only when the other commit's counterpart resolves a concrete `m`: with the same
        hierarchy at both commits each subclass's `m` is compared in its own pair."""
        key = (id(fn), "\0below:" + method)
        if key in self._resolved:
            return self._resolved[key]
        self._resolved[key] = None
        theirs = self._concrete_there(fn, method)
        if theirs is None:
            return None
        short = (fn.class_name or "").rsplit(".", 1)[-1]
        below = [f for f in self.side.find_defs(method)
                 if f.class_name and f.class_name.rsplit(".", 1)[-1] != short and not is_stub(f)
                 and short in self._ancestor_names(f.class_name.rsplit(".", 1)[-1])]
        if not below:
            return None
        their_class = (theirs.class_name or "").rsplit(".", 1)[-1]
        named = [f for f in below if f.class_name and f.class_name.rsplit(".", 1)[-1] == their_class]
        if len(named) == 1 or len(below) == 1:
            chosen = named[0] if len(named) == 1 else below[0]
        else:
            their_tokens = Counter(theirs.tokens)
            chosen = max(below, key=lambda f: (sum((Counter(f.tokens) & their_tokens).values())
                                               / max(len(f.tokens), len(theirs.tokens), 1), f.path, f.qualname))
        self._resolved[key] = chosen
        return chosen

    def _concrete_there(self, fn: FunctionInfo, method: str) -> FunctionInfo | None:
        """The concrete `method` that `self.method()` runs in `fn`'s counterpart at the other commit (its
        own class's or an inherited one; None when that is a stub too, or there is no counterpart)."""
        other, counterpart = self._other, self._counterpart
        there = counterpart(fn) if other is not None and counterpart is not None else None
        if other is None or there is None or not there.class_name:
            return None
        found = there.module.functions.get(f"{there.class_name}.{method}") or other._inherited(
            there.module, there.class_name, method)
        return found if found is not None and not is_stub(found) else None

    def _called_object(self, fn: FunctionInfo, attr: str) -> FunctionInfo | None:
        """`self.trainer(batch)` where the class's code says `self.trainer` holds a project class with a
        `__call__` (built there, or a declared field): that `__call__` runs. Real shape (imitation's BC):
        `self._calculate_loss(obs, acts)` became `self.trainer(batch)`, a `BehaviorCloningTrainer` whose
        `__call__` runs `self.loss(...)`, a `BehaviorCloningLossCalculator` field; not followed, the moved
        loss read as "Entropy term removed from the loss"."""
        known = attribute_class(fn, attr)
        if known is None or not known.written:
            return None
        found = self.class_method(fn.module, known.written, CALL)
        if found is not None and not known.exact and self.overridden_below(known.name, CALL):
            return None
        if found is not None and self._unresolved_there(attr, fn):
            return None
        return found

    def _module_function(self, func: ast.Attribute, module: ParsedModule) -> FunctionInfo | None:
        """`pkg.mod.fn(...)` after `import pkg.mod`: the function `fn` of module `pkg.mod` (PufferLib's
        `pufferlib.pytorch.layer_init(nn.Linear(...), std=0.01)`, whose initialisation calls the
        detectors read like a local helper's)."""
        owner = dotted(func.value)
        root = owner.split(".")[0] if owner else ""
        imported = module.imports.get(root)
        if not imported or root == "self":
            return None
        full = imported + owner[len(root):]
        defs = [d for d in self.side.find_defs(func.attr) if d.class_name is None and _module_matches(d.path, full)]
        return defs[0] if len(defs) == 1 else None

    def inherited(self, module: Any, class_name: str, method: str) -> FunctionInfo | None:
        """The base-class method `m` a `super().m(...)` or `self.m(...)` of `class_name` reaches."""
        return self._inherited(module, class_name, method)

    def _unresolved_there(self, attr: str, fn: FunctionInfo) -> bool:
        """The counterpart of `fn` at the other commit calls methods of `self.<attr>` (or of an alias of
        it) but its class's code does not say what `self.<attr>` holds there: followed at one commit
        only, the callee's body would be compared with nothing. Also when the counterpart is another
        function (a pairing by similarity, `DiscreteBCQ._update` -> `DiscreteCQL.inner_update` in a
        release refactor): the deeper reading of one side would be compared with unrelated code."""
        there = self._counterpart(fn) if self._other is not None and self._counterpart is not None else None
        if there is None:
            return False
        if there.qualname != fn.qualname:
            return True
        key = (id(there), attr)
        hit = self._unknown_there.get(key)
        if hit is None or hit[0] is not there:
            used = any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                       and attribute_receiver(node.func.value, there) == attr for node in ast.walk(there.node))
            known = attribute_class(there, attr) if used else None
            hit = (there, used and (known is None or not known.written))
            self._unknown_there[key] = hit
        return hit[1]

    def overridden_below(self, class_name: str, method: str) -> bool:
        """Some class of the commit that derives from `class_name` (by name, through class headers, a
        few levels) defines its own `method`."""
        key = (class_name, method)
        if key not in self._below:
            self._below[key] = any(f.class_name and f.class_name.rsplit(".", 1)[-1] != class_name
                                   and class_name in self._ancestor_names(f.class_name.rsplit(".", 1)[-1])
                                   for f in self.side.find_defs(method))
        return self._below[key]

    def _ancestor_names(self, class_name: str, depth: int = 4) -> set[str]:
        """Base class names of `class_name`, transitively, from the headers of the classes of that name
        (once per class name)."""
        hit = self._ancestors.get(class_name)
        if hit is None:
            hit = self._ancestors[class_name] = self._ancestor_names_uncached(class_name, depth)
        return hit

    def _class_nodes(self, path: str) -> dict[str, list[ast.ClassDef]]:
        """The classes a module defines (at any depth), by name: walked once per file (kept on the side
        index, shared by every flow of the commit)."""
        return self.side.class_nodes(path)

    def _ancestor_names_uncached(self, class_name: str, depth: int) -> set[str]:
        found: set[str] = set()
        work = [class_name]
        for _ in range(depth):
            nxt: list[str] = []
            for name in work:
                for path in self._class_holders(name):
                    for node in self._class_nodes(path).get(name, ()):
                        nxt.extend(b for base in node.bases if (b := last_name(class_base(base))) not in found)
            found.update(nxt)
            work = nxt
            if not work:
                break
        return found

    def class_method(self, module: ParsedModule, written: str, method: str) -> FunctionInfo | None:
        """`method` of the class `written` names in `module` (`RolloutStorage`, `storage.RolloutStorage`):
        defined there, or imported (the class of that name in the imported module or package, else the
        only one in the commit), inherited from its bases as `self.m()` is. None for a class the
        repository does not define (a library's), or one it defines twice with no import to choose."""
        key = (module.path, written, method)
        if key not in self._class_methods:
            self._class_methods[key] = self._class_method(module, written, method)
        return self._class_methods[key]

    def _class_method(self, module: ParsedModule, written: str, method: str) -> FunctionInfo | None:
        name = last_name(written)
        own = module.functions.get(f"{name}.{method}")
        if own is not None:
            return own
        if any(isinstance(n, ast.ClassDef) and n.name == name for n in module.tree.body):
            return self._inherited(module, name, method)
        other = self._imported_class_module(module, written)
        if other is None:
            return None
        return other.functions.get(f"{name}.{method}") or self._inherited(other, name, method)

    def _imported_class_module(self, module: ParsedModule, written: str) -> ParsedModule | None:
        """The module of another file that defines the class `written` names in `module` through an
        import (the class of that name in the imported module or package, else the only one in the
        commit); None when `module` imports no such name."""
        root = written.split(".", 1)[0]
        imported = module.imports.get(root)
        if not imported:
            return None  # neither defined nor imported here: not a class this code can name
        parts = written.split(".")
        source = imported.rsplit(".", 1)[0] if len(parts) == 1 else ".".join([imported, *parts[1:-1]])
        holders = [p for p in self._class_holders(last_name(written)) if p != module.path]
        near = [p for p in holders if _module_matches(p, source) or _in_package(p, source)]
        chosen = near if len(near) == 1 else holders if len(holders) == 1 else []
        return self.side.module(chosen[0]) if chosen else None

    def class_def(self, module: ParsedModule, written: str) -> tuple[ParsedModule, ast.ClassDef] | None:
        """The module and top-level class statement of the class `written` names in `module` (defined
        there or imported, as `class_method` finds it); None for a library's class."""
        key = (module.path, written)
        if key not in self._class_defs:
            self._class_defs[key] = self._class_def(module, written)
        return self._class_defs[key]

    def _class_def(self, module: ParsedModule, written: str) -> tuple[ParsedModule, ast.ClassDef] | None:
        name = last_name(written)
        for home in (module if "." not in written else None, self._imported_class_module(module, written)):
            node = next((n for n in home.tree.body if isinstance(n, ast.ClassDef) and n.name == name), None) \
                if home is not None else None
            if home is not None and node is not None:
                return home, node
        return None

    def _inherited(self, module, class_name: str, method: str, hops: int = 3) -> FunctionInfo | None:
        """`self.m()` defined in a base class (same module, or the one class of that name elsewhere
        in the commit that defines `m`): a step moved into a base-class helper stays visible. Only
        files whose text defines both `m` and the base class are parsed."""
        if hops <= 0:
            return None
        key = (module.path, class_name, method)
        if key not in self._inherits:
            self._inherits[key] = None  # a cycle through the bases ends here
            self._inherits[key] = self._inherited_uncached(module, class_name, method, hops)
        return self._inherits[key]

    def _class_holders(self, name: str) -> list[str]:
        """Files (`.py`) whose text defines a class of this name (searched once per commit)."""
        if name not in self._holders:
            self._holders[name] = [p for p in self.side.class_paths(name) if p.endswith(".py")]
        return self._holders[name]

    def _inherited_uncached(self, module, class_name: str, method: str, hops: int) -> FunctionInfo | None:
        short = class_name.rsplit(".", 1)[-1]
        cls = next((n for n in ast.walk(module.tree) if isinstance(n, ast.ClassDef) and n.name == short), None)
        if cls is None:
            return None
        for base in cls.bases:
            base_name = last_name(class_base(base))
            if not base_name or base_name == "object":
                continue
            local = module.functions.get(f"{base_name}.{method}")
            if local is not None:
                return local
            holders = [p for p in self._class_holders(base_name) if p != module.path]
            owners = sorted(set(holders) & set(self.side.def_paths(method)))
            defs = [
                f for p in owners if (m := self.side.module(p)) is not None
                for f in m.functions.values() if f.class_name == base_name and f.name == method
            ]
            if len(defs) == 1:
                return defs[0]
            if not defs and hops > 1 and len(holders) == 1:  # one more level up: the base's own bases
                other = self.side.module(holders[0])
                found = self._inherited(other, base_name, method, hops - 1) if other is not None else None
                if found is not None:
                    return found
        return None

    # -- walking -------------------------------------------------------------------------------
    def _children(self, node: ast.AST) -> list[ast.AST]:
        """`ast.iter_child_nodes(node)`, listed once per node: a callee's body is walked again for
        every caller that inlines it, and listing children was half of each walk."""
        hit = self._kids.get(id(node))
        if hit is not None and hit[0] is node:
            return hit[1]
        kids = list(ast.iter_child_nodes(node))
        self._kids[id(node)] = (node, kids)
        return kids

    def _site(self, node: ast.AST, c: _Ctx) -> Site:
        """`Site(node, c.fn, ...)`: the same object, its fields written into its `__dict__` at once (a frozen
        dataclass's `__init__` sets each of its fields through `object.__setattr__`; a walk makes one
        site per node of every inlined callee, about 200,000 on a 400-file range)."""
        self._count += 1
        site = _new_object(Site)
        site.__dict__.update(node=node, fn=c.fn, loops=c.loops, no_grad=c.no_grad, depth=c.depth, bindings=c.bindings,
                             loop_aliases=c.loop_aliases, chain=c.chain, anchor=c.anchor, branches=c.branches,
                             calls=c.calls, no_grad_from=c.no_grad_from)
        return site

    def _walk_body(self, body: list[ast.stmt], c: _Ctx, out: list[Site]) -> list[Site]:
        """Append the sites of `body` to `out` in walk order (a list, not nested generators: every
        site of a deep walk passed up through each enclosing generator), and return it.

        An `if` with no `else` whose body always leaves (`return`, `continue`, `break`) makes
        the statements after it its other arm: `if self.use_rnn: return self.update_rnn(sample)` then the
        feed-forward update is two exclusive paths, not one sequence (xuance a2c27bd8..febfe494,
        `QTRAN_Learner.update`, qtran_learner.py:27: read as one path, "Optimizer step sequence changed:
        backward x1->x2", critical, though each call steps once)."""
        last = len(body) - 1
        for i, stmt in enumerate(body):
            self._walk(stmt, c, out)
            if i < last and stmt.__class__ is ast.If:
                arm = _rest_arm(cast(ast.If, stmt))
                if arm is not None:
                    c = _replace(c, branches=(*c.branches, (id(stmt), arm)))
        return out

    def _walk(self, node: ast.AST, c: _Ctx, out: list[Site]) -> None:
        # The node's class picks the case (`_WALK_KIND`: one dict lookup instead of up to nine `isinstance`
        # tests per node, and a 400-file range walks about 200,000 nodes here). The engine defines no subclass
        # of an `ast` node class and `ast.parse` makes none, so the class alone decides as `isinstance` did.
        kind = _WALK_KIND.get(node.__class__, _OTHER)
        if kind == _DEFINITION or self._count > MAX_SITES:
            return  # a definition is not an execution
        out.append(self._site(node, c))
        if kind == _OTHER:
            for child in self._children(node):
                self._walk(child, c, out)
        elif kind == _CALL:
            for child in self._children(node):
                self._walk(child, c, out)
            if c.depth < MAX_INLINE:
                self._inline(cast(ast.Call, node), c, None, out)
        else:
            self._walk_statement(kind, node, c, out)

    def _walk_statement(self, kind: int, node: ast.AST, c: _Ctx, out: list[Site]) -> None:
        """`_walk` past the node's own site, for the node kinds that change the context or inline a call."""
        if isinstance(node, ast.Return) and node.value is not None and c.bind_targets is not None:
            self._bound_return(node, c, out)
        if isinstance(node, ast.For | ast.AsyncFor | ast.While):
            head = [node.iter, node.target] if isinstance(node, ast.For | ast.AsyncFor) else [node.test]
            for h in head:
                self._walk(h, c, out)
            self._walk_body(node.body, _replace(c, loops=(*c.loops, node)), out)
            self._walk_body(node.orelse, c, out)
            return
        if isinstance(node, ast.If):  # body and else are alternative paths (detectors reason per path)
            self._walk(node.test, c, out)
            self._walk_body(node.body, _replace(c, branches=(*c.branches, (id(node), 0))), out)
            self._walk_body(node.orelse, _replace(c, branches=(*c.branches, (id(node), 1))), out)
            return
        if isinstance(node, ast.With | ast.AsyncWith):
            inner = c.no_grad or any(is_no_grad(item.context_expr) for item in node.items)
            for item in node.items:
                self._walk(item.context_expr, c, out)
            opened = c.no_grad_from if c.no_grad or not inner else c.depth
            self._walk_body(node.body, _replace(c, no_grad=inner, no_grad_from=opened), out)
            return
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                self._walk(target, c, out)
            call = node.value
            out.append(self._site(call, c))
            for child in ast.iter_child_nodes(call):
                self._walk(child, c, out)
            if c.depth < MAX_INLINE:
                self._inline(call, c, node.targets, out)
            return
        if kind == _COMPREHENSION:
            c = _replace(c, loops=(*c.loops, node))
        for child in self._children(node):
            self._walk(child, c, out)

    def _inline(self, call: ast.Call, c: _Ctx, targets: list[ast.expr] | None, out: list[Site]) -> None:
        callee = self.resolve(call, c.fn)
        if callee is None or callee in c.chain or callee.is_module:
            return
        bindings, aliases = self._bind(call, callee, c, receiver=True)
        callee_no_grad = c.no_grad or any(is_no_grad(d) for d in getattr(callee.node, "decorator_list", []))
        inner = _Ctx(
            callee, c.loops, callee_no_grad, c.depth + 1, (*c.chain, callee), bindings, aliases,
            targets,
            c.anchor if c.anchor is not None else (c.fn.path, getattr(call, "lineno", c.fn.lineno)),
            c.branches,
            (*c.calls, (c.fn.path, getattr(call, "lineno", c.fn.lineno))),
            c.no_grad_from if c.no_grad or not callee_no_grad else c.depth + 1,
        )
        self._walk_body(callee.body, inner, out)

    def _bind(self, call: ast.Call, callee: FunctionInfo, c: _Ctx,
              receiver: bool = False) -> tuple[dict[str, ast.AST], frozenset[str]]:
        """The callee's parameters bound to the call's arguments; with `receiver`, for a method this walk
        resolved on another object (`self.storage.compute_returns(...)`), its `self` bound to that
        object (a callee found by name only, `call_sites`, keeps its `self` unbound: its attributes are
        compared loosely there)."""
        node = callee.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return {}, frozenset()
        params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
        if params and params[0] in ("self", "cls") and (isinstance(call.func, ast.Attribute)
                                                        or callee.name in ("__init__", CALL)):
            params = params[1:]
        pairs: list[tuple[str, ast.AST]] = list(zip(params, call.args, strict=False))
        pairs += [(k.arg, k.value) for k in call.keywords if k.arg]
        bindings: dict[str, ast.AST] = {}
        receiver_object = _receiver_binding(call, callee, c) if receiver else None
        if receiver_object is not None:
            bindings["self"] = receiver_object
        aliases: set[str] = set()
        caller_loop_vars = _context_loop_vars(c)
        for name, arg in pairs:
            if isinstance(arg, ast.Starred):
                continue
            bindings[name] = substitute(arg, c.bindings)
            if isinstance(arg, ast.Name) and arg.id in caller_loop_vars:
                aliases.add(name)
        return bindings, frozenset(aliases)

    def _bound_return(self, node: ast.Return, c: _Ctx, out: list[Site]) -> None:
        """`x, y = helper()` and `return a, b` inside helper read as `x = a; y = b`."""
        targets = c.bind_targets or []
        value = node.value
        assert value is not None
        first = targets[0] if len(targets) == 1 else None
        if (
            isinstance(first, ast.Tuple | ast.List)
            and isinstance(value, ast.Tuple | ast.List)
            and len(first.elts) == len(value.elts)
        ):
            for t, v in zip(first.elts, value.elts, strict=True):
                if not isinstance(v, ast.Name):  # `return x` of a local: the computation is already seen
                    out.append(self._site(_assign([t], v, node), c))
            return
        if not isinstance(value, ast.Name):
            out.append(self._site(_assign(targets, value, node), c))


CALL = "__call__"

# not `raise`: a path that raises stops the run, it is no alternative way through the function (PufferLib
# 73aaa5a8..cb116bca's `if self.done_training(): raise RuntimeError(...)` before the update read as "step() now
# conditional")
_LEAVES = (ast.Return, ast.Continue, ast.Break)


def _leaves(body: list[ast.stmt]) -> bool:
    """Every path through `body` leaves it (its last statement returns, continues or breaks, or is an `if` both of
    whose arms do)."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, _LEAVES):
        return True
    return isinstance(last, ast.If) and _leaves(last.body) and _leaves(last.orelse)


def _rest_arm(node: ast.If) -> int | None:
    """The arm of `node` the statements after it belong to: 1 (the else) when only its body always leaves,
    0 when only its else does; None when neither (or both) leave."""
    body, orelse = _leaves(node.body), _leaves(node.orelse)
    if body and not orelse:
        return 1
    if orelse and not body:
        return 0
    return None

# `Flow._walk`'s cases, by node class (any other class: `_OTHER`; the statement kinds go to `_walk_statement`)
_OTHER, _DEFINITION, _CALL, _RETURN, _LOOP, _IF, _WITH, _ASSIGN, _COMPREHENSION = range(9)
_WALK_KIND: dict[type, int] = {
    ast.FunctionDef: _DEFINITION, ast.AsyncFunctionDef: _DEFINITION, ast.ClassDef: _DEFINITION, ast.Lambda: _DEFINITION,
    ast.Call: _CALL, ast.Return: _RETURN, ast.For: _LOOP, ast.AsyncFor: _LOOP, ast.While: _LOOP, ast.If: _IF,
    ast.With: _WITH, ast.AsyncWith: _WITH, ast.Assign: _ASSIGN, ast.comprehension: _COMPREHENSION,
}


def _built_once(fn: FunctionInfo, name: str) -> str | None:
    """The class (as written) a local name of `fn` holds when its one binding is a constructor call
    (`stats = RolloutStatsComputer(venv, n)`, a capitalised callee), not a parameter; else None."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    if any(a.arg == name for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]):
        return None
    bindings, single = _bindings(fn, node)
    bound = bindings.get(name, [])
    if len(bound) != 1:
        return None
    made = single.get(id(bound[0]), [])
    if len(made) != 1 or not isinstance(made[0], ast.Call):
        return None
    written = dotted(made[0].func)
    return written if written and last_name(written)[:1].isupper() else None


def _bindings(fn: FunctionInfo, node: ast.AST) -> tuple[dict[str, list[ast.Name]], dict[int, list[ast.expr]]]:
    """`fn`'s stored or deleted names (name -> the `Name` nodes, in walk order) and the values of its
    one-target assignments (id of the target -> values), from one walk kept on `fn` (trees are never
    modified): `_built_once` walked the function twice for every local name the resolver asked about."""
    memo = fn.__dict__.get("_name_bindings")
    if memo is None:
        bindings: dict[str, list[ast.Name]] = {}
        single: dict[int, list[ast.expr]] = {}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
                bindings.setdefault(sub.id, []).append(sub)
            elif isinstance(sub, ast.Assign) and len(sub.targets) == 1:
                single.setdefault(id(sub.targets[0]), []).append(sub.value)
        memo = fn.__dict__["_name_bindings"] = (bindings, single)
    return memo


def _self_attribute(attr: str) -> ast.Attribute:
    return ast.Attribute(value=ast.Name(id="self", ctx=ast.Load()), attr=attr, ctx=ast.Load())


def alias_bindings(fn: FunctionInfo) -> dict[str, ast.AST]:
    """A function's local aliases of instance attributes as bindings (`st` -> `self.storage`): the
    code written through the alias reads as written through the attribute."""
    return {name: _self_attribute(attr) for name, attr in self_aliases(fn).items()}


def _receiver_binding(call: ast.Call, callee: FunctionInfo, c: _Ctx) -> ast.AST | None:
    """The object a method inlined through an instance attribute runs on: `self` in
    `RolloutStorage.compute_returns` called as `self.storage.compute_returns(...)` (or through `st =
    self.storage`) is the caller's `self.storage`; a `self.m()` inside it runs on that object too.
    None when the callee's `self` is the caller's own."""
    node = callee.node
    if not callee.class_name or not isinstance(call.func, ast.Attribute) \
            or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    first = [*node.args.posonlyargs, *node.args.args][:1]
    if not first or first[0].arg != "self":
        return None
    value = call.func.value
    if callee.name == CALL and callee.name != call.func.attr:  # `self.trainer(batch)`: runs on `self.trainer`
        value = call.func
    if isinstance(value, ast.Name) and value.id == "self":
        return c.bindings.get("self")
    attr = attribute_receiver(value, c.fn)
    return substitute(_self_attribute(attr), c.bindings) if attr else None


def _assign(targets: list[ast.expr], value: ast.expr, at: ast.AST) -> ast.Assign:
    node = ast.Assign(targets=[copy_tree(t) for t in targets], value=value)
    node.lineno = getattr(at, "lineno", 1)
    node.end_lineno = getattr(at, "end_lineno", node.lineno)
    node.col_offset = getattr(at, "col_offset", 0)
    node.end_col_offset = getattr(at, "end_col_offset", 0)
    return node


def _context_loop_vars(c: _Ctx) -> set[str]:
    out: set[str] = set(c.loop_aliases)
    for loop in c.loops:
        target = loop.target if isinstance(loop, ast.For | ast.AsyncFor | ast.comprehension) else None
        if target is not None:
            out.update(sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name))
    return out


def _replace(c: _Ctx, **changes: object) -> _Ctx:
    data = dict(c.__dict__)
    data.update(changes)
    return _Ctx(**data)
