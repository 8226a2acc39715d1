"""A call that only passes a parameter its callee gains without a default: the call site of the callee's change.

Real shape (BenchMARL 1.3.0..1.4.0): `Task.get_replay_buffer_transforms(self, env)` became `(self, env, group)`,
building one group's keys instead of every group's, and its caller's `{group:
...get_replay_buffer_transforms(self.test_env) for group in ...}` became `...(self.test_env, group) ...`. The
caller was reported as its own "Behavioural change in the sampling path" (significant) beside the callee's:
one edit, listed twice. A parameter without a default has no value to keep the old behaviour with, so the call
only hands the callee what its new code reads; what that changes is the callee's change, compared and placed in
its own pair. A value passed for a parameter the callee already had, or for a new one with a default (an
option: the callee alone would run as before at its default), stays a change of the caller.
"""

from __future__ import annotations

import ast

from investigator.detectors.pairs import SideIndex
from investigator.flow.diff import UnitChange
from investigator.pyast import copy_tree, last_name


def _signature(side: SideIndex, name: str) -> tuple[list[str], set[str]] | None:
    """(parameter names in order without `self`/`cls`, those without a default) of the one function called
    `name` at this commit (several definitions must agree); None when there is none or they differ."""
    found: set[tuple[tuple[str, ...], frozenset[str]]] = set()
    for fn in side.find_defs(name):
        node = fn.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.args.vararg or node.args.kwarg:
            return None
        a = node.args
        positional = [*a.posonlyargs, *a.args]
        required = {p.arg for p in positional[:len(positional) - len(a.defaults)]}
        required |= {p.arg for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is None}
        names = [p.arg for p in [*positional, *a.kwonlyargs]]
        if fn.class_name and names and names[0] in ("self", "cls"):
            names = names[1:]
        found.add((tuple(names), frozenset(required & set(names))))
    if len(found) != 1:
        return None
    ordered, needed = next(iter(found))
    return list(ordered), set(needed)


def _bound(call: ast.Call, names: list[str], drop: set[str]) -> ast.Call | None:
    """The call with every argument passed by keyword in parameter order, `drop` left out; None when an
    argument cannot be bound (a starred argument, too many positionals, an unknown keyword)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords) \
            or len(call.args) > len(names):
        return None
    values = {names[i]: a for i, a in enumerate(call.args)}
    for k in call.keywords:
        if k.arg not in names or k.arg in values:
            return None
        values[k.arg] = k.value
    keywords = [ast.keyword(arg=n, value=values[n]) for n in names if n in values and n not in drop]
    return ast.Call(func=call.func, args=[], keywords=keywords)


def new_parameter_passed(change: UnitChange, base_side: SideIndex | None, cand_side: SideIndex | None) -> str | None:
    """Why a modified statement differs only by arguments passed for parameters its callee gains without a
    default (see the module doc), else None."""
    if change.base is None or change.cand is None or base_side is None or cand_side is None:
        return None
    base, cand = change.base.node, change.cand.node
    calls = [n for n in ast.walk(cand) if isinstance(n, ast.Call)]
    base_calls = [n for n in ast.walk(base) if isinstance(n, ast.Call)]
    if len(calls) != len(base_calls):
        return None
    base, cand = copy_tree(base), copy_tree(cand)
    passed: list[str] = []
    for old, new in zip([n for n in ast.walk(base) if isinstance(n, ast.Call)],
                        [n for n in ast.walk(cand) if isinstance(n, ast.Call)], strict=True):
        name = last_name(ast.unparse(new.func))
        if name != last_name(ast.unparse(old.func)) or len(new.args) + len(new.keywords) <= len(old.args) + len(old.keywords):
            continue
        was, now = _signature(base_side, name), _signature(cand_side, name)
        if was is None or now is None:
            return None
        gained = now[1] - set(was[0])
        old_bound, new_bound = _bound(old, was[0], set()), _bound(new, now[0], gained)
        if not gained or old_bound is None or new_bound is None:
            return None
        old.args, old.keywords = old_bound.args, old_bound.keywords
        new.args, new.keywords = new_bound.args, new_bound.keywords
        passed.append(f"`{name}` gains {', '.join(f'`{p}`' for p in sorted(gained))}")
    if not passed or ast.dump(base) != ast.dump(cand):
        return None
    return (f"the call only passes parameters its callee gains without a default ({'; '.join(passed)}): what they "
            f"change is the callee's change, compared in its own pair")
