"""An argument handed to a new parameter that only a new `match` arm of the callee reads changes no baseline run.

Real shape (PipelineRL 67654d79..a77dbd72, `pipelinerl/finetune_loop.py:681`, precision held-out 18, noise class N2,
significant #3): `rl_step(..., rl_config)` became `rl_step(..., rl_config, seq_parallel_group=seq_parallel_group)`;
`rl_step` gained `seq_parallel_group=None`, read only under the new `case "gspo":` of `match config.policy_loss:`.
Every run the baseline could make takes one of the baseline's arms (or its fallback), where the argument is not read;
a run that selects the new arm runs code new in this range, reported with the callee. An argument the callee also
reads elsewhere, or reads in an arm the baseline had, stays a change of the call.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from investigator.detectors.functions import FunctionInfo
from investigator.pyast import copy_tree, parameter_defaults


def _new_arms(cand: ast.AST, base: ast.AST) -> list[ast.match_case]:
    """The candidate's `case` arms, without a guard, whose pattern is one or more literal values (`case "gspo":`,
    `case "a" | "b":`) none of which the baseline's function spells anywhere: a value it selected some other way
    (an `if`/`elif` chain rewritten as a `match`) keeps its arm old."""
    spelled = {repr(n.value) for n in ast.walk(base) if isinstance(n, ast.Constant)}
    out = []
    for m in ast.walk(cand):
        if not isinstance(m, ast.Match):
            continue
        for c in m.cases:
            values = c.pattern.patterns if isinstance(c.pattern, ast.MatchOr) else [c.pattern]
            if c.guard is None and values and all(
                    isinstance(v, ast.MatchValue) and isinstance(v.value, ast.Constant)
                    and repr(v.value.value) not in spelled for v in values):
                out.append(c)
    return out


def read_only_in_new_arms(cand: ast.AST, base: ast.AST, name: str) -> bool:
    """Whether every read of `name` in the candidate's function lies in the body of a new arm (`_new_arms`), and at
    least one does."""
    arms = _new_arms(cand, base)
    inside = {id(n) for c in arms for stmt in c.body for n in ast.walk(stmt)}
    reads = [n for n in ast.walk(cand) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    return bool(reads) and all(id(n) in inside for n in reads)


def _new_parameters(cand: ast.AST, base: ast.AST) -> set[str]:
    if not isinstance(cand, ast.FunctionDef | ast.AsyncFunctionDef) or \
            not isinstance(base, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    had = {a.arg for a, _ in parameter_defaults(base)} | {a.arg for a in (*base.args.args, *base.args.kwonlyargs)}
    return {a.arg for a, d in parameter_defaults(cand) if d is not None and a.arg not in had}


def new_arm_arguments(base: ast.stmt, cand: ast.stmt, fn: FunctionInfo,
                      resolve: Callable[[ast.Call, FunctionInfo], FunctionInfo | None],
                      earlier: Callable[[FunctionInfo], FunctionInfo | None]) -> list[str]:
    """The `callee(name=)` arguments the candidate's statement adds, each to a new parameter only new arms of the
    callee read (module doc), when without them it is the baseline's statement; [] otherwise."""
    calls = [n for n in ast.walk(cand) if isinstance(n, ast.Call) and any(k.arg for k in n.keywords)]
    drop: dict[int, set[str]] = {}
    shown: list[str] = []
    for call in calls:
        callee = resolve(call, fn)
        before = earlier(callee) if callee is not None else None
        if callee is None or before is None:
            continue
        fresh = _new_parameters(callee.node, before.node)
        names = {k.arg for k in call.keywords if k.arg in fresh
                 and read_only_in_new_arms(callee.node, before.node, k.arg)}
        if names:
            drop[id(call)] = {n for n in names if n is not None}
            shown.extend(f"`{callee.qualname}({n}=)`" for n in sorted(drop[id(call)]))
    if not drop:
        return []
    kept = _Dropped(drop).visit(_copy(cand))
    if ast.dump(kept, annotate_fields=False) != ast.dump(_copy(base), annotate_fields=False):
        return []
    return shown


def _copy(stmt: ast.stmt) -> ast.AST:
    """A copy whose call nodes keep the original's `id` under `_origin` (to find the calls to drop from)."""
    copied = copy_tree(stmt)
    for original, twin in zip(ast.walk(stmt), ast.walk(copied), strict=False):
        if isinstance(twin, ast.Call):
            twin._origin = id(original)  # type: ignore[attr-defined]
    return copied


class _Dropped(ast.NodeTransformer):
    def __init__(self, drop: dict[int, set[str]]) -> None:
        self.drop = drop

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        names = self.drop.get(getattr(node, "_origin", -1), set())
        node.keywords = [k for k in node.keywords if k.arg not in names]
        return node
