"""Instance attributes only one commit has, held like locals by the function that stores them.

Real shape (skrl f2248bf8..9a1db91f, an environment wrapper): `obs_buf, rew_buf, reset_buf, extras =
self._env.step(actions); return obs_buf, ...` became `self._obs_buf, rew_buf, ... = self._env.step(actions);
return self._obs_buf, ...`, and `__init__` gained `self._obs_buf = None` and `self._reset_once = True`, for a
`reset` that now returns the cached observation after the first call. `step` returns what it did and
`__init__` only gives the new attributes their first values: both were "Behavioural change in the
environment path", significant, beside the one real change, `reset`. An attribute the other commit's
module never names has no reader there; every method that reads it at this commit reads a new name, so
its own change is reported where it reads it (`symbolic.Expander.held_attributes`).
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import parameter_defaults


def one_side_attributes(fn: FunctionInfo, other: FunctionInfo, known: set[str]) -> frozenset[str]:
    """The attributes of `self` that `fn` stores and that the other commit never names (in no file, not
    even in a string or a comment), less `known` (attributes renamed consistently in the pair) and less
    the ones `fn` stores straight from one of its parameters (`self.clip = clip`: what a caller hands in
    is configuration, compared where options are, flow/optin.py)."""
    params = {p.arg for p, _ in parameter_defaults(fn.node)} if isinstance(fn.node, ast.FunctionDef
                                                                          | ast.AsyncFunctionDef) else set()
    stored: set[str] = set()
    copied: set[str] = set()
    for node in ast.walk(fn.node):
        if not isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) \
                        and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    stored.add(sub.attr)
                    if isinstance(node.value, ast.Name) and node.value.id in params:
                        copied.add(sub.attr)
    index = other.module.index
    if index is None:
        return frozenset()
    return frozenset(a for a in stored - known - copied if not index.mentions(a))
