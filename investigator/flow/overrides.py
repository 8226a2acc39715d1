"""Method overrides removed from a class that stays: its objects now run the inherited method.

A deleted method has no counterpart at the candidate, so no statement pair is compared for it. When
its class is still there and still derives from a base, every call of the method now runs the base's
version: a behavioural change wherever the removed override's value went. Real shape (SLM-Lab):
`GumbelSoftmax(distributions.RelaxedOneHotCategorical)` lost its straight-through `rsample`, and SAC's
`action_pd.rsample()` returned the library's relaxed samples; the range got no finding at all.

Not a change: a method no product code still calls by that name, an override that only forwarded to `super()` with its own arguments, one pulled up
unchanged into a project base class, a method of a library base class the override never called through
`super()` (nothing shows that the library defines it), a whole class removed (its users changed too), a method the
project bases do not define (calls now fail loudly) and special methods (implicit dispatch)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, PairIndex, SideIndex
from investigator.pyast import class_base, super_method
from investigator.scope import out_of_scope_kind

# bases that give a class no behaviour to inherit
_PLAIN_BASES = {"object", "ABC", "Generic", "Protocol", "NamedTuple", "TypedDict", "Enum", "metaclass"}


@dataclass
class RemovedOverride:
    method: FunctionInfo  # the removed override (baseline)
    inherited: str  # `RelaxedOneHotCategorical.rsample`: what its objects run now


def removed_overrides(index: PairIndex) -> list[RemovedOverride]:
    """The deleted methods of classes that stay and inherit a method of that name (module docstring)."""
    out: list[RemovedOverride] = []
    for pair in index.pairs:
        fn = pair.base
        if fn is None or pair.cand is not None or fn.is_module or not fn.class_name:
            continue
        if fn.name.startswith("__") or fn.qualname != f"{fn.class_name}.{fn.name}" or _forwards(fn):
            continue
        cls = _class_at(index.cand, fn.path, fn.class_name)
        if cls is None or any(isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == fn.name
                              for s in cls.body):
            continue
        inherited = _inherited(index.cand, cls, fn)
        if inherited and _still_called(index.cand, fn.name) and not _into_hook(index, cls, fn, inherited):
            out.append(RemovedOverride(fn, inherited))
    return out


def _into_hook(index: PairIndex, cls: ast.ClassDef, fn: FunctionInfo, inherited: str) -> bool:
    """The inherited method is a template that calls a hook on `self` (`self._create_impl(...)`) which the
    class defines only at the candidate: the override's work moved into the hook its base now calls, and the
    hook is compared with it as a pair of its own. Real shape: d3rlpy d6dca78c..3f459e65, every algorithm's
    `create_impl` renamed `_create_impl` while `LearnableBase.create_impl` became `if self._impl: LOG.warn(...);
    self._create_impl(observation_shape, action_size)`; `TD3.create_impl` (paired with no method) was "Method
    override removed" in the optimizer path at #4."""
    owner, name = inherited.rsplit(".", 1)
    hooks = {s.name for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    before = _class_at(index.base, fn.path, fn.class_name or "")
    if before is not None:
        hooks -= {s.name for s in before.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    if not hooks:
        return False
    for base in index.cand.find_defs(name):
        if not base.class_name or base.class_name.rsplit(".", 1)[-1] != owner:
            continue
        for n in ast.walk(base.node):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in hooks \
                    and isinstance(n.func.value, ast.Name) and n.func.value.id == "self":
                return True
    return False


def _still_called(side: SideIndex, name: str) -> bool:
    """Some product code of the candidate still calls a method of that name (`x.rsample(`): a method
    deleted along with its calls (a refactor that moved the work elsewhere) changes nothing by itself."""
    call = re.compile(rf"\.{re.escape(name)}\s*\(")
    for path, line in side.references(name):
        if not path.endswith(PY_SUFFIXES) or out_of_scope_kind(path) is not None:
            continue
        module = side.module(path)
        if module is not None and 0 < line <= len(module.lines) and call.search(module.lines[line - 1]):
            return True
    return False


def _class_at(side: SideIndex, path: str, qualname: str) -> ast.ClassDef | None:
    module = side.module(path)
    if module is None:
        return None
    scope: list[ast.stmt] = list(module.tree.body)
    found: ast.ClassDef | None = None
    for part in qualname.split("."):
        found = next((s for s in scope if isinstance(s, ast.ClassDef) and s.name == part), None)
        if found is None:
            return None
        scope = list(found.body)
    return found


def _inherited(side: SideIndex, cls: ast.ClassDef, fn: FunctionInfo) -> str | None:
    """The method the class's objects run in place of `fn` at the candidate: a project base's (None when
    it is `fn` pulled up unchanged), else a library base's; None when no base could provide it."""
    bases = [b for b in (class_base(e) for e in cls.bases) if b and b.rsplit(".", 1)[-1] not in _PLAIN_BASES]
    if not bases:
        return None
    seen: set[str] = set()
    work = [b.rsplit(".", 1)[-1] for b in bases]
    external = False
    for _ in range(6):  # the project's base classes, by name, nearest first
        nxt: list[str] = []
        for name in work:
            if name in seen:
                continue
            seen.add(name)
            defs = [d for d in side.find_defs(fn.name) if d.class_name and d.class_name.rsplit(".", 1)[-1] == name]
            if defs:
                return None if any(d.shape == fn.shape for d in defs) else f"{name}.{fn.name}"
            classes = side.class_defs(name)
            if not classes:
                external = True  # a library class (or one the text does not show): it may define the method
            for c in classes:
                nxt.extend(b.rsplit(".", 1)[-1] for b in (class_base(e) for e in c.bases) if b)
        work = [n for n in nxt if n not in _PLAIN_BASES]
        if not work:
            break
    # a library base is taken to provide the method only where the override itself called it (`super().m(...)`):
    # rsl_rl renamed `Memory.detach_hidden_states`, and `nn.Module` has no such method to inherit
    return f"{bases[0]}.{fn.name}" if external and _calls_super(fn) else None


def _calls_super(fn: FunctionInfo) -> bool:
    return any(super_method(n, fn.name) for n in ast.walk(fn.node))


def _forwards(fn: FunctionInfo) -> bool:
    """`def m(self, x): return super().m(x)`: the override did what the base does."""
    body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return | ast.Expr) or not isinstance(body[0].value, ast.Call):
        return False
    call = body[0].value
    func = call.func
    if not super_method(func, fn.name):
        return False
    assert isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef)
    params = [a.arg for a in [*fn.node.args.posonlyargs, *fn.node.args.args]][1:]
    passed = [a.id if isinstance(a, ast.Name) else None for a in call.args]
    return passed == params[:len(passed)] and all(isinstance(k.value, ast.Name) and k.value.id == k.arg
                                                  for k in call.keywords)
