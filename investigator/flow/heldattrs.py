"""Instance attributes only one commit has, held like locals by the function that stores them.

Real shape (skrl f2248bf8..9a1db91f, an environment wrapper): `obs_buf, rew_buf, reset_buf, extras =
self._env.step(actions); return obs_buf, ...` became `self._obs_buf, rew_buf, ... = self._env.step(actions);
return self._obs_buf, ...`, and `__init__` gained `self._obs_buf = None` and `self._reset_once = True`, for a
`reset` that now returns the cached observation after the first call. `step` returns what it did and
`__init__` only gives the new attributes their first values: both were "Behavioural change in the
environment path", significant, beside the one real change, `reset`. An attribute the other commit's
module never names has no reader there; every method that reads it at this commit reads a new name, so
its own change is reported where it reads it (`symbolic.Expander.held_attributes`). The same for a
local count kept on an object the function holds (cleanrl's tyro migration: `num_updates = total //
batch_size` became `args.num_iterations = total // batch_size`, read back as `args.num_iterations`).
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import parameter_defaults


def one_side_attributes(fn: FunctionInfo, other: FunctionInfo, known: set[str]) -> frozenset[str]:
    """"<name>.<attr>" for the attributes `fn` stores on a plain name and the other commit never names (not
    even in a string or a comment): on `self`, in no file of that commit (a base class elsewhere may read
    it); on another name (`args.num_iterations = ...`, an object the function holds), not in the other
    commit's module (a function elsewhere that reads it is handed the object and changed with it). Less
    `known` (attributes renamed consistently in the pair) and the ones `fn` stores straight from one of its
    parameters (`self.clip = clip`: what a caller hands in is configuration, compared where options are,
    flow/optin.py)."""
    params = {p.arg for p, _ in parameter_defaults(fn.node)} if isinstance(fn.node, ast.FunctionDef
                                                                          | ast.AsyncFunctionDef) else set()
    stored: set[tuple[str, str]] = set()
    copied: set[str] = set()
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) and isinstance(sub.value, ast.Name):
                    stored.add((sub.value.id, sub.attr))
                    if isinstance(node.value, ast.Name) and node.value.id in params:
                        copied.add(sub.attr)
    if not stored:
        return frozenset()
    index = other.module.index
    out: set[str] = set()
    for name, attr in stored:
        if attr in known or attr in copied or attr in other.module.words:  # (computed once per module)
            continue
        if name == "self" and (index is None or index.mentions(attr)):
            continue
        out.add(f"{name}.{attr}")
    return frozenset(out)
