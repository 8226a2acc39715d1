"""A keyword removed from (or changed in) a call whose value ends in library code: unverifiable, not no effect.

Real shape (ReAgent, held-out 5 `reagent-drlinucb-no-update`, used): `super().__init__(automatic_optimization=True,
policy=policy, **kwargs)` lost its keyword. The parent's `__init__` defaults it to False and hands it up through
`**kwargs` and two more `super().__init__` calls to a class that stores it as `self._automatic_optimization` on a
`pl.LightningModule`, which the project never reads: Lightning does, and no longer steps the optimizer. The call
defines nothing, so the flow had nothing to follow and the edit was filed as "reaches no loss". The rule follows
the keyword itself: into the callee's parameter of that name, or on through a `**kwargs` the callee spreads into
its own call, a few levels; where it ends in a callee the project does not define, or in an attribute of a class
derived from a library class that no project file reads, the change is reported as unverifiable here.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from investigator.flow.diff import UnitChange
from investigator.pyast import call_name, class_base, last_name, super_method

if TYPE_CHECKING:
    from investigator.detectors.functions import FunctionInfo
    from investigator.flow.graph import LearningFlow

MAX_FORWARDS = 4


def keyword_edits(change: UnitChange) -> list[tuple[ast.Call, str]]:
    """(the baseline call, keyword) for each keyword removed or re-valued in a call that is otherwise the
    same call (same callee text, same positional arguments) at both sides of a modified statement."""
    if change.base is None or change.cand is None:
        return []
    out: list[tuple[ast.Call, str]] = []
    cands = {ast.dump(c.func): c for c in change.cand.calls}
    for call in change.base.calls:
        other = cands.get(ast.dump(call.func))
        if other is None or [ast.dump(a) for a in call.args] != [ast.dump(a) for a in other.args]:
            continue
        new = {k.arg: ast.dump(k.value) for k in other.keywords if k.arg}
        out.extend((call, k.arg) for k in call.keywords
                   if k.arg and (k.arg not in new or new[k.arg] != ast.dump(k.value)))
    return out


def library_end(change: UnitChange, flow: LearningFlow) -> str:
    """Where an edited keyword's value ends in library code, in words; '' when it does not (or is not known to)."""
    for call, keyword in keyword_edits(change):
        assert change.base is not None
        where = _follow(call, keyword, change.base.fn, flow)
        if where:
            return f"`{keyword}=` of `{call_name(call)}(...)`: {where}"
    return ""


def _follow(call: ast.Call, keyword: str, fn: FunctionInfo, flow: LearningFlow) -> str:
    """Where the keyword's value ends. A library function called directly with another keyword
    (`plt.plot(color=...)`, `np.set_printoptions(precision=3)`) is not this rule: only a parent class's
    constructor or method (`super().__init__(...)`), or a library call the value was forwarded to by
    project code, ends in library code that sets up the object being trained."""
    for level in range(MAX_FORWARDS):
        callee = flow.resolve(call, fn)
        if callee is None and super_method(call.func) and fn.class_name and isinstance(call.func, ast.Attribute):
            callee = flow.resolver.inherited(fn.module, fn.class_name, call.func.attr)
        if callee is None:
            owner = _library_base(fn, flow) if super_method(call.func) else None
            if owner:
                return f"handed to `{owner}`, library code this repository does not contain"
            return f"handed to `{call_name(call)}`, library code this repository does not contain" \
                if level and not _project_name(call, fn) else ""
        node = callee.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return ""
        params = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
        if keyword in params:
            return _stored_for_library(callee, keyword, flow)
        if node.args.kwarg is None:
            return ""
        spread = node.args.kwarg.arg
        nxt = next((c for c in ast.walk(node) if isinstance(c, ast.Call)
                    and any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == spread for k in c.keywords)),
                   None)
        if nxt is None:
            return ""
        call, fn = nxt, callee
    return ""


def _stored_for_library(callee: FunctionInfo, param: str, flow: LearningFlow) -> str:
    """The parameter is only stored on `self` (or handed on to a library parent), in a class derived from a
    library class, under attributes no project file reads."""
    readers = [u for u in flow.units(callee) if param in u.uses]
    if not readers:
        return ""
    stored: list[str] = []
    inner: list[str] = []
    for u in readers:
        targets = u.node.targets if isinstance(u.node, ast.Assign) else []
        attrs = [t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                 and t.value.id == "self"]
        if attrs and len(attrs) == len(targets) and not any(flow.attribute_read(a) for a in attrs):
            stored.extend(attrs)
            continue
        forwarded = [c for c in u.calls if super_method(c.func) and any(k.arg == param for k in c.keywords)]
        if forwarded and isinstance(u.node, ast.Expr):
            where = _follow(forwarded[0], param, callee, flow)
            if where:
                inner.append(where)
                continue
        return ""
    if not stored:
        return inner[0] if inner else ""
    owner = _library_base(callee, flow)
    if owner is None:
        return ""
    named = ", ".join(f"`self.{a}`" for a in stored)
    return f"stored as {named} on a subclass of the library class `{owner}`, and no project file reads it"


def _project_name(call: ast.Call, fn: FunctionInfo) -> bool:
    """The callee's root name is defined or imported from within the project (not resolvable for another reason)."""
    root = call_name(call).split(".")[0]
    imported = fn.module.imports.get(root, "")
    return bool(root) and (not imported or imported.split(".")[0] == fn.path.split("/")[0])


def _library_base(fn: FunctionInfo, flow: LearningFlow) -> str | None:
    """The first base of `fn`'s class, or of its project bases (a few levels), that the project does not define."""
    names = [(fn.class_name or "").rsplit(".", 1)[-1]]
    seen: set[str] = set()
    for _ in range(MAX_FORWARDS + 2):
        following: list[str] = []
        for name in names:
            if not name or name in seen:
                continue
            seen.add(name)
            for node in flow.side.class_defs(name):
                for b in node.bases:
                    dotted = class_base(b) or ""
                    base = last_name(dotted)
                    if base in ("object", "ABC", "Generic", "Protocol", ""):
                        continue
                    if not flow.side.class_defs(base):
                        return dotted
                    following.append(base)
        names = following
    return None
