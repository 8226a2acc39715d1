"""A function's own `**kwargs` newly handed on to a call, where no caller passes keyword arguments: the same call.

Real shape (serl 646b7680..21ff8a01, precision set 13, `serl_launcher/serl_launcher/wrappers/chunking.py:75`, noise
class N6, #2 of that range): `ChunkingWrapper.reset(self, **kwargs)` called `self.env.reset()` and now calls
`self.env.reset(**kwargs)` ("Behavioural change in the environment path", significant). `kwargs` holds exactly the
keyword arguments the caller passed; when no call of a function of that name in the repository passes an explicit
keyword argument (every example calls `env.reset()`), `kwargs` is empty at every call and `f(**kwargs)` is `f()`.
A library user seeding through the wrapper gets the fix; no run of this repository changes.

The rule (`same_but_forwarded_keywords`): the function has the same `**K` parameter at both commits and the baseline
never reads `K`; the candidate's statement with every `**K` argument dropped dumps as the baseline's statement; no
Python file of either commit calls a function or method of the function's name with a keyword argument other than
a handed-on `**name`. Anything else (a caller passing `seed=...`, another argument changed) stays a change.
"""

from __future__ import annotations

import ast

from investigator.detectors.pairs import SideIndex
from investigator.flow.units import Unit
from investigator.pyast import copy_tree, fingerprint


def _kwarg(fn: ast.AST) -> str | None:
    if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and fn.args.kwarg is not None:
        return fn.args.kwarg.arg
    return None


class _Drop(ast.NodeTransformer):
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        kept = [k for k in node.keywords if not (k.arg is None and isinstance(k.value, ast.Name) and k.value.id == self.name)]
        self.count += len(node.keywords) - len(kept)
        node.keywords = kept
        return node


def _keyword_callers(index: SideIndex | None, name: str) -> bool:
    """Whether a Python file of the commit calls `name(...)` / `x.name(...)` with an explicit keyword argument or a
    `**` of anything but a plain name (None index: assume so)."""
    if index is None:
        return True
    memo = index.memo.setdefault("keyword_callers", {})
    assert isinstance(memo, dict)
    if name not in memo:
        found = False
        for path in sorted({p for p, _ in index.references(name) if p.endswith(".py")}):
            module = index.module(path)
            if module is None:
                found = True
                break
            found = any(isinstance(n, ast.Call) and (isinstance(n.func, ast.Attribute) and n.func.attr == name
                                                     or isinstance(n.func, ast.Name) and n.func.id == name)
                        and any(k.arg is not None or not isinstance(k.value, ast.Name) for k in n.keywords)
                        for n in ast.walk(module.tree))
            if found:
                break
        memo[name] = found
    return bool(memo[name])


def same_but_forwarded_keywords(base: Unit, cand: Unit) -> bool:
    """The candidate's statement is the baseline's with the function's unused `**K` handed on (see the module
    docstring)."""
    kw = _kwarg(cand.fn.node)
    if kw is None or _kwarg(base.fn.node) != kw or base.header or cand.header:
        return False
    drop = _Drop(kw)
    dropped = drop.visit(copy_tree(cand.node))
    if not drop.count or fingerprint([dropped]) != fingerprint([base.node]):
        return False
    if any(isinstance(n, ast.Name) and n.id == kw for n in ast.walk(base.fn.node)):
        return False  # the baseline already reads `K` somewhere: it is not always empty by construction here
    name = cand.fn.name
    return not _keyword_callers(base.fn.module.index, name) and not _keyword_callers(cand.fn.module.index, name)
