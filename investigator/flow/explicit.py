"""A method's call of its own class's method removed, now made explicitly by the class's users.

Real shape (rsl_rl d38a378b..c49573e4): `EmpiricalNormalization.forward` lost
`if self.training: self.update(x)`; the new policies call `self.actor_obs_normalizer.update(obs)` from
their `update_normalization(obs)`, which the algorithm calls after each environment step. It was
"Behavioural change in the loss path: `EmpiricalNormalization.forward`" (significant), as if the
statistics were no longer learnt. The statements did not vanish: when the update runs is now decided by
the callers, whose own changes are compared in their pairs. The finding is low and says where the new
calls are.

The rule: every changed statement of the pair is a deleted `self.M(...)` call statement (M a method the
class still defines at the candidate) or a deleted `if` header guarding only such calls, and the
candidate has more call sites `x.M(...)` on a name or attribute that some module assigns an instance of
the class (`self.norm = C(...)`, `C(...).to(device)` too) than the baseline.
"""

from __future__ import annotations

import ast

from investigator.detectors.pairs import SideIndex
from investigator.flow.units import Unit
from investigator.pyast import dotted, last_name


def _self_call(stmt: ast.stmt) -> str | None:
    """`M` of a statement `self.M(...)`."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) \
            and isinstance(stmt.value.func.value, ast.Name) and stmt.value.func.value.id == "self":
        return stmt.value.func.attr
    return None


def removed_self_calls(units: list[tuple[Unit | None, Unit | None]]) -> set[str]:
    """The methods whose `self.M(...)` statements are all the pair's changes (each deleted, or an `if`
    header deleted whose body is only such calls), else an empty set."""
    methods: set[str] = set()
    for base, cand in units:
        if cand is not None or base is None:
            return set()
        node = base.node
        if isinstance(node, ast.If):
            calls = [_self_call(s) for s in node.body]
            if node.orelse or not all(calls):
                return set()
            methods.update(c for c in calls if c)
            continue
        method = _self_call(node)
        if method is None:
            return set()
        methods.add(method)
    return methods


def _holders(side: SideIndex, cls: str) -> set[str]:
    """Names and attributes some module of this commit assigns an instance of `cls`."""
    out: set[str] = set()
    for path in sorted({p for p, _ in side.references(cls)}):
        module = side.module(path)
        if module is None:
            continue
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                continue
            made = any(isinstance(sub, ast.Call) and last_name(dotted(sub.func)) == cls for sub in ast.walk(node.value))
            if not made:
                continue
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                name = dotted(target)
                if name:
                    out.add(last_name(name))
    return out


def explicit_calls(side: SideIndex, cls: str, method: str) -> list[tuple[str, int]]:
    """Call sites `x.method(...)` with `x` (its last name) a holder of an instance of `cls`."""
    holders = _holders(side, cls)
    out: set[tuple[str, int]] = set()
    for holder in sorted(holders):
        for path in sorted({p for p, _ in side.references(holder)}):
            module = side.module(path)
            if module is None:
                continue
            for node in ast.walk(module.tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method:
                    receiver = dotted(node.func.value)
                    if receiver and receiver != "self" and last_name(receiver) == holder:
                        out.add((path, node.lineno))
    return sorted(out)


def moved_to_callers(base: SideIndex, cand: SideIndex, cls: str, methods: set[str],
                     still_defined: bool) -> str | None:
    """Why the removed `self.M(...)` calls are now the callers' (see the module docstring), else None."""
    if not methods or not still_defined:
        return None
    shown: list[str] = []
    for method in sorted(methods):
        before, after = explicit_calls(base, cls, method), explicit_calls(cand, cls, method)
        if len(after) <= len(before):
            return None
        shown.extend(f"{p}:{n}" for p, n in after[:4])
    names = ", ".join(f"`{m}`" for m in sorted(methods))
    return (f"the method no longer calls {names} on its own instance; the candidate calls {names} explicitly on "
            f"instances of `{cls}` ({', '.join(shown)}), which the baseline did not: when it runs is now up to "
            f"those callers, whose changes are compared in their own code (flow/explicit.py)")
