"""A function's own `*args` / `**kwargs` newly forwarded to a call, where no call of the function fills them.

Real shape (serl 646b7680..21ff8a01, serl_launcher/serl_launcher/wrappers/chunking.py:75): `ChunkingWrapper.reset(self,
**kwargs)` went from `obs, info = self.env.reset()` to `self.env.reset(**kwargs)`: "Behavioural change in the
environment path" (significant). Every call of a `reset` in the repository passes nothing (`env.reset()`), so
`kwargs` is empty at every run the repository makes and the wrapped call is the baseline's: a fix for library users
who pass reset arguments, no change of this project's training. Low, with that reason. A call anywhere in the
repository of a function of that name that passes keyword (for `**kwargs`) or extra positional (for `*args`)
arguments keeps the change: calls are matched by name, so a same-named method elsewhere counts too (in doubt, the
finding stays).
"""

from __future__ import annotations

import ast

from investigator.detectors.pairs import SideIndex
from investigator.flow.diff import UnitChange
from investigator.pyast import copy_tree, last_name

MAX_CALLERS = 400  # mentions of the name scanned; more is "in doubt"


def _variadics(fn_node: ast.AST) -> tuple[str | None, str | None, int]:
    if not isinstance(fn_node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None, None, 0
    a = fn_node.args
    fixed = len(a.posonlyargs) + len(a.args)
    return (a.vararg.arg if a.vararg else None), (a.kwarg.arg if a.kwarg else None), fixed


def _strip(node: ast.stmt, vararg: str | None, kwarg: str | None) -> tuple[ast.stmt, set[str]]:
    tree = copy_tree(node)
    removed: set[str] = set()
    for sub in ast.walk(tree):
        if not isinstance(sub, ast.Call):
            continue
        args = [x for x in sub.args if not (isinstance(x, ast.Starred) and isinstance(x.value, ast.Name)
                                             and x.value.id == vararg)]
        keywords = [k for k in sub.keywords if not (k.arg is None and isinstance(k.value, ast.Name)
                                                    and k.value.id == kwarg)]
        if len(args) != len(sub.args):
            removed.add(f"*{vararg}")
        if len(keywords) != len(sub.keywords):
            removed.add(f"**{kwarg}")
        sub.args, sub.keywords = args, keywords
    return tree, removed


def _forwarding_splats(tree: ast.Module, name: str) -> set[int]:
    """Ids of the `*args` / `**kwargs` arguments that a function called `name` passes on from its own variadic
    parameters (another wrapper's `reset(self, **kwargs): self.env.reset(**kwargs)`): they are filled only by
    calls of a `name`, which are scanned themselves."""
    out: set[int] = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name != name:
            continue
        own = {a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None}
        for sub in ast.walk(fn):
            if isinstance(sub, ast.Call):
                out.update(id(k) for k in sub.keywords
                           if k.arg is None and isinstance(k.value, ast.Name) and k.value.id in own)
                out.update(id(x) for x in sub.args
                           if isinstance(x, ast.Starred) and isinstance(x.value, ast.Name) and x.value.id in own)
    return out


def _filled_somewhere(side: SideIndex, name: str, vararg: bool, kwarg: bool, fixed: int, method: bool,
                      own: tuple[str, int, int]) -> bool:
    """Whether some call `x.name(...)` / `name(...)` of the commit, outside the function itself (`own`: path, first
    and last line), passes what would land in the variadics (a same-named wrapper passing on its own variadics
    does not: serl's `RelativeFrame.reset(**kwargs)` forwards to the wrapped `reset` the same way)."""
    mentions = side.references(name)
    if len(mentions) > MAX_CALLERS:
        return True
    for path in sorted({p for p, _ in mentions}):
        module = side.module(path)
        if module is None:
            if path.endswith(".py"):
                return True  # unreadable: in doubt
            continue
        forwarded = _forwarding_splats(module.tree, name)
        for sub in ast.walk(module.tree):
            if not (isinstance(sub, ast.Call) and last_name(ast.unparse(sub.func)) == name):
                continue
            if path == own[0] and own[1] <= sub.lineno <= own[2]:
                continue  # the forwarding call itself
            if kwarg and any(id(k) not in forwarded for k in sub.keywords):
                return True
            args = [x for x in sub.args if id(x) not in forwarded]
            positional = len(args) + (1 if method and not isinstance(sub.func, ast.Attribute) else 0)
            if any(isinstance(x, ast.Starred) for x in args) or (vararg and positional > fixed - method):
                return True
    return False


def unfilled_variadics(change: UnitChange, cand_side: SideIndex | None) -> str | None:
    """Why a modified statement that only newly forwards its function's `*args`/`**kwargs` changes no run of
    the repository (see the module doc), else None."""
    if change.base is None or change.cand is None or cand_side is None:
        return None
    fn = change.cand.fn
    vararg, kwarg, fixed = _variadics(fn.node)
    if vararg is None and kwarg is None:
        return None
    base, _ = _strip(change.base.node, vararg, kwarg)
    cand, removed = _strip(change.cand.node, vararg, kwarg)
    if not removed or ast.dump(base) != ast.dump(cand):
        return None
    method = bool(fn.class_name)
    name = fn.node.name if isinstance(fn.node, ast.FunctionDef | ast.AsyncFunctionDef) else ""
    if not name or _filled_somewhere(cand_side, name, vararg is not None and f"*{vararg}" in removed,
                                     kwarg is not None and f"**{kwarg}" in removed, fixed, method,
                                     (fn.path, fn.lineno, getattr(fn.node, "end_lineno", None) or fn.lineno)):
        return None
    return (f"it now forwards `{fn.qualname}`'s own {' and '.join(f'`{r}`' for r in sorted(removed))}, and no call "
            f"of a `{name}` in the repository passes arguments that would fill them: every run of this repository "
            f"makes the baseline's call (a change for callers outside it)")
