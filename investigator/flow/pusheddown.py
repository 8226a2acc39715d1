"""An attribute and its accessor moved from a base class down into the subclasses that set it.

Real shape (tensorforce 0.6.1..0.6.2, environments/environment.py:223/:276, openai_gym.py:164): the base
`Environment.__init__` dropped `self._max_episode_timesteps = None`, `Environment.max_episode_timesteps` went from
`return self._max_episode_timesteps` to `return None`, the two subclasses that set the attribute (`EnvironmentWrapper`,
`OpenAIGym`) gained the accessor `return self._max_episode_timesteps`, and `OpenAIGym.__init__` sets
`self._max_episode_timesteps = None` itself in the branches that used to inherit the base value. Compared one function
at a time that is three behavioural changes; compared per class of the hierarchy every object reads what it read:

 - `removed_default`: a `self.X = C` (C a constant) dropped from a base constructor is no change when no method of
   the base class touches X any more and every subclass of the candidate that reads X binds it on every path of the
   constructor it runs (its own, or the nearest one up the chain below the base);
 - `restated_default`: a `self.X = C` added to a subclass constructor restates the inherited value when, at the
   baseline, the base constructor that the subclass calls first (`super().__init__()` at its top level) bound
   `self.X = C` at its top level, and no statement the candidate runs between that call and the added one binds X
   or runs a method;
 - `pushed_down_accessor`: a base method whose body was `return self.X` now returns the constant C the baseline's base
   constructor bound X to (and no other base method bound X), while every project subclass that binds X (at either
   commit) gets the old method from its own class or the nearest class below the base.

Code that asks for X by name (`hasattr(obj, "X")`, `getattr`, `__dict__`) can tell an unset attribute from C: then
nothing here applies."""

from __future__ import annotations

import ast
import re

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.flow.abstracted import _subclasses
from investigator.pyast import self_attribute

_DEPTH = 4  # subclass levels followed down from the base class


def _body(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def constant_store(node: ast.stmt) -> tuple[str, str] | None:
    """(X, dump of C) for `self.X = C` with C a constant (None, a number, a string, a bool)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        target, value = node.target, node.value
    else:
        return None
    attr = self_attribute(target)
    if attr is None or not isinstance(value, ast.Constant):
        return None
    return attr, ast.dump(value)


def _stores(node: ast.AST, attr: str) -> bool:
    return any(self_attribute(n) == attr and isinstance(n.ctx, ast.Store | ast.Del)  # type: ignore[attr-defined]
               for n in ast.walk(node))


def _touches(node: ast.AST, attr: str) -> bool:
    return any(self_attribute(n) == attr for n in ast.walk(node))


def _reads(node: ast.AST, attr: str) -> bool:
    return any(self_attribute(n) == attr and isinstance(n.ctx, ast.Load)  # type: ignore[attr-defined]
               for n in ast.walk(node))


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return next((s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name),
                None)


def _asked_by_name(side: SideIndex, attr: str) -> bool:
    """Code of the commit that tells an unset attribute from a set one (`hasattr`, `getattr`, `__dict__`)."""
    quoted = re.compile(rf"""(?:hasattr|getattr|delattr)\s*\([^()]*['"]{re.escape(attr)}['"]""")
    return any(p.endswith(PY_SUFFIXES) and attr in t and (quoted.search(t) or "__dict__" in t)
               for p, t in side.texts().items())


def _class_of(side: SideIndex, fn: FunctionInfo) -> ast.ClassDef | None:
    """The top-level class a method belongs to (nested classes are not followed)."""
    if not fn.class_name or "." in fn.class_name:
        return None
    module = side.module(fn.path)
    if module is None:
        return None
    return next((n for n in module.tree.body if isinstance(n, ast.ClassDef) and n.name == fn.class_name), None)


def _descendants(side: SideIndex, cls: str) -> list[tuple[ast.ClassDef, list[ast.ClassDef]]]:
    """Every project subclass of `cls` (top-level classes, by name, `_DEPTH` levels), with the chain of classes
    between it and `cls` (nearest first, itself included)."""
    out: list[tuple[ast.ClassDef, list[ast.ClassDef]]] = []
    frontier: list[tuple[str, list[ast.ClassDef]]] = [(cls, [])]
    seen = {cls}
    for _ in range(_DEPTH):
        nxt: list[tuple[str, list[ast.ClassDef]]] = []
        for name, chain in frontier:
            for _path, node in _subclasses(side, name):
                if node.name in seen:
                    continue
                seen.add(node.name)
                mine = [node, *chain]
                out.append((node, mine))
                nxt.append((node.name, mine))
        frontier = nxt
    return out


def _binds_on_every_path(body: list[ast.stmt], attr: str) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign) and _stores(stmt, attr):
            return True
        if isinstance(stmt, ast.If) and stmt.orelse and _binds_on_every_path(stmt.body, attr) \
                and _binds_on_every_path(stmt.orelse, attr):
            return True
        if isinstance(stmt, ast.With | ast.AsyncWith) and _binds_on_every_path(stmt.body, attr):
            return True
    return False


def removed_default(node: ast.stmt, base_fn: FunctionInfo, cand_fn: FunctionInfo, cand: SideIndex) -> bool:
    """A `self.X = C` dropped from a base constructor whose subclasses bind X themselves (module docstring)."""
    store = constant_store(node)
    if store is None or base_fn.name != "__init__" or cand_fn.name != "__init__" \
            or not isinstance(base_fn.node, ast.FunctionDef) or not any(s is node for s in base_fn.node.body):
        return False
    attr = store[0]
    cls = _class_of(cand, cand_fn)
    if cls is None or _touches(cls, attr) or _asked_by_name(cand, attr):
        return False
    subs = _descendants(cand, cls.name)
    if not subs:
        return False
    for _sub, chain in subs:
        if not any(_touches(c, attr) for c in chain):
            continue  # nothing it runs below the base reads X
        if not _chain_binds(chain, attr):
            return False
    return True


def _chain_binds(chain: list[ast.ClassDef], attr: str) -> bool:
    """The constructor an object of `chain[0]` runs binds `attr` on every path: the nearest `__init__` of the chain
    (below the base) does, or calls its parent's at its top level and that one does."""
    for i, cls in enumerate(chain):
        init = _method(cls, "__init__")
        if init is None:
            continue
        body = _body(init)
        if _binds_on_every_path(body, attr):
            return True
        names = [b.id for b in cls.bases if isinstance(b, ast.Name)]
        return i + 1 < len(chain) and any(_super_init(s, names) for s in body) and _chain_binds(chain[i + 1:], attr)
    return False


def _runs_code(node: ast.AST, methods: set[str]) -> bool:
    """A call of one of the class's own `methods` on `self`, or a call handed `self` (either may bind anything)."""
    return any(isinstance(n, ast.Call) and (
        isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"
        and n.func.attr in methods
        or any(isinstance(a, ast.Name) and a.id == "self" for a in [*n.args, *(k.value for k in n.keywords)]))
        for n in ast.walk(node))


def _super_init(stmt: ast.stmt, bases: list[str]) -> bool:
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return False
    func = stmt.value.func
    if not isinstance(func, ast.Attribute) or func.attr != "__init__":
        return False
    owner = func.value
    if isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super":
        return True
    return isinstance(owner, ast.Name) and owner.id in bases


def _path_before(body: list[ast.stmt], node: ast.stmt) -> list[ast.AST] | None:
    """What runs before `node` on its path through `body`: earlier siblings at each level and the tests of the
    enclosing branches (None: `node` is not in `body`)."""
    for i, stmt in enumerate(body):
        if stmt is node:
            return list(body[:i])
        inner: list[tuple[list[ast.AST], list[ast.stmt]]] = []
        if isinstance(stmt, ast.If):
            inner = [([stmt.test], stmt.body), ([stmt.test], stmt.orelse)]
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            inner = [([i.context_expr for i in stmt.items], stmt.body)]
        for head, block in inner:
            found = _path_before(block, node)
            if found is not None:
                return [*body[:i], *head, *found]
    return None


def restated_default(node: ast.stmt, base_fn: FunctionInfo, cand_fn: FunctionInfo, base: SideIndex) -> bool:
    """A `self.X = C` added to a subclass constructor that restates the value its base constructor bound at the
    baseline (module docstring)."""
    store = constant_store(node)
    if store is None or cand_fn.name != "__init__" or not isinstance(cand_fn.node, ast.FunctionDef):
        return False
    attr, value = store
    cls = _class_of(base, base_fn)
    if cls is None or _asked_by_name(base, attr):
        return False
    names = [b.id for b in cls.bases if isinstance(b, ast.Name)]
    if len(names) != 1 or len(cls.bases) != 1 or not isinstance(base_fn.node, ast.FunctionDef) \
            or not any(_super_init(s, names) for s in _body(base_fn.node)):
        return False
    parents = base.class_defs(names[0])
    if len(parents) != 1:
        return False
    parent_init = _method(parents[0], "__init__")
    if parent_init is None or not any(constant_store(s) == store for s in _body(parent_init)) \
            or sum(_stores(s, attr) for s in _body(parent_init)) != 1:
        return False
    before = _path_before(_body(cand_fn.node), node)
    if before is None:
        return False
    calls = [i for i, s in enumerate(before) if isinstance(s, ast.stmt) and _super_init(s, names)]
    if len(calls) != 1:
        return False
    after_call = before[calls[0] + 1:]
    own = [n for n in cand_fn.module.tree.body if isinstance(n, ast.ClassDef) and n.name == cand_fn.class_name]
    methods = {m.name for c in (cls, parents[0], *own) for m in c.body
               if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef)}
    return not any(_stores(n, attr) or _runs_code(n, methods) for n in after_call) \
        and not any(_stores(n, attr) for n in before[:calls[0]])


def pushed_down_accessor(base_fn: FunctionInfo, cand_fn: FunctionInfo, base: SideIndex, cand: SideIndex
                         ) -> list[str] | None:
    """The subclasses that now carry a base accessor `return self.X` whose base version returns the constant the
    baseline's base constructor bound X to (None: not this shape)."""
    bnode, cnode = base_fn.node, cand_fn.node
    if not isinstance(bnode, ast.FunctionDef) or not isinstance(cnode, ast.FunctionDef) or base_fn.name != cand_fn.name:
        return None
    bbody, cbody = _body(bnode), _body(cnode)
    if len(bbody) != 1 or len(cbody) != 1 or not isinstance(bbody[0], ast.Return) \
            or not isinstance(cbody[0], ast.Return):
        return None
    attr = self_attribute(bbody[0].value) if bbody[0].value is not None else None
    returned = cbody[0].value if cbody[0].value is not None else ast.Constant(None)
    if attr is None or not isinstance(returned, ast.Constant):
        return None
    bcls, ccls = _class_of(base, base_fn), _class_of(cand, cand_fn)
    if bcls is None or ccls is None or _touches(ccls, attr) or _asked_by_name(base, attr) \
            or _asked_by_name(cand, attr):
        return None
    init = _method(bcls, "__init__")
    if init is None or not any(constant_store(s) == (attr, ast.dump(returned)) for s in _body(init)) \
            or sum(_stores(m, attr) for m in bcls.body) != 1:
        return None
    old = [ast.dump(s) for s in bbody]
    carriers: list[str] = []
    for side in (base, cand):
        for sub, chain in _descendants(side, bcls.name):
            if not any(_stores(c, attr) for c in chain):
                continue  # never binds X: reads the base value, the constant at both commits
            if side is base:
                sub = next((n for n in cand.class_defs(sub.name)), None)  # type: ignore[assignment]
                if sub is None:
                    continue  # the class is gone
                chain = next((ch for s, ch in _descendants(cand, ccls.name) if s is sub), [])
                if not chain:
                    return None  # no longer below the base: not comparable here
            own = next((m for c in chain if (m := _method(c, base_fn.name)) is not None), None)
            if own is None or [ast.dump(s) for s in _body(own)] != old:
                return None
            carriers.append(sub.name)
    return sorted(set(carriers)) or None
