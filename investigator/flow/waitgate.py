"""A wait added or removed before sampling: which policy version collects the data.

Asynchronous RL workers gate their rollouts on the trainer: before generating, a rollout worker waits while it is
too far ahead of the policy version the trainer has published (a staleness bound), or until fresh weights arrive.
The wait computes no value the flow can follow (it polls and sleeps), so its removal read as "reaches no loss,
target, reward, optimizer, sampling or environment step". Without it the rollouts run ahead of the trainer with
older weights: the data is more off-policy than the importance ratios and staleness settings assume.

Real shape: RLinf a4b6abe2..8aa19aae rlinf/workers/rollout/hf/async_huggingface_worker.py:80,
`AsyncMultiStepRolloutWorker._generate` (coupled mode) no longer calls `await self.wait_if_stale()` before
`for _ in range(self.rollout_epoch): await self.generate_one_epoch(...)`; `wait_if_stale` loops `while True:`
over the version-based capacity, `break`s when within it and `await asyncio.sleep(0.01)` otherwise.

The rule: a call statement (no value kept) added or removed, whose project callee is a polling wait (a loop that
sleeps, left by `break` or `return` on a condition) and writes nothing outside itself; the statements it holds
back (the rest of its enclosing loop's body, or of the function) are placed on the flow, and when they reach a
training sink the wait acts there. A wait whose callee also stores state is not this rule (its values are
followed as any other call's); a sleep with no condition, or one that waits for a deadline on the clock (a fixed delay: lerobot e6f95674
`precise_sleep`), is no gate: the condition must read an object's state.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo
from investigator.flow.graph import REAL_SINKS, LearningFlow, Placement
from investigator.flow.units import Unit
from investigator.pyast import call_name, last_name

SLEEPS = frozenset({"sleep"})
CLOCKS = frozenset({"time", "datetime", "timeit"})


def _called(node: ast.stmt) -> ast.Call | None:
    """The call of an expression statement (`self.wait()`, `await self.wait()`)."""
    if not isinstance(node, ast.Expr):
        return None
    value = node.value
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None


def polling_wait(fn: FunctionInfo) -> bool:
    """`fn` loops until a condition holds, sleeping between checks, and stores nothing outside its locals."""
    looped = False
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(not isinstance(t, ast.Name) for t in targets):
                return False  # it writes an attribute or an item: a value the flow follows
        if isinstance(node, ast.While):
            body = ast.Module(body=node.body, type_ignores=[])
            sleeps = any(isinstance(n, ast.Call) and last_name(call_name(n)) in SLEEPS for n in ast.walk(body))
            tests = [node.test, *(n.test for n in ast.walk(body) if isinstance(n, ast.If)
                                  and any(isinstance(x, ast.Break | ast.Return) for x in ast.walk(n)))]
            looped = looped or (sleeps and any(_reads_state(t) for t in tests))
    return looped


def _reads_state(test: ast.expr) -> bool:
    """The condition reads an object's state (`self.finished_episodes`, `self.version`, `queue.empty()`): what
    another task or process changes. A deadline on the clock (`time.perf_counter() < end`: lerobot's
    `precise_sleep`, a timing loop of a control rate) is a fixed delay, no gate."""
    for n in ast.walk(test):
        if isinstance(n, ast.Attribute):
            root = n.value
            while isinstance(root, ast.Attribute | ast.Call | ast.Subscript):
                root = root.func if isinstance(root, ast.Call) else root.value
            if isinstance(root, ast.Name) and root.id not in CLOCKS:
                return True
    return False


def gated(unit: Unit, flow: LearningFlow) -> tuple[FunctionInfo, list[Unit]] | None:
    """(the wait, the statements it holds back) for a call statement of a polling wait, or None."""
    call = _called(unit.node)
    if call is None:
        return None
    callee = flow.resolver.resolve(call, unit.fn)
    if callee is None or callee.is_module or not polling_wait(callee):
        return None
    units = flow.units(unit.fn)
    if unit.loops:
        loop = unit.loops[-1]
        held = [u for u in units if u.index > unit.index and loop in u.loops]
    else:
        held = [u for u in units if u.index > unit.index]
    return (callee, held) if held else None


def wait_place(unit: Unit, flow: LearningFlow) -> tuple[Placement, str] | None:
    """The placement of what a changed wait holds back, and the words for it, when that reaches training."""
    found = gated(unit, flow)
    if found is None:
        return None
    callee, held = found
    there = _held_place(held, flow)
    if there is None:
        return None
    text = (f"`{unit.text(70)}` waits in `{callee.qualname}` ({callee.path}:{callee.lineno}: a polling loop that "
            f"sleeps until its condition holds) before the statements after it run; those reach the {there.sink} "
            f"sink: {there.describe()}. With the wait added or removed they run at another time: in an asynchronous "
            "worker, with another policy version's weights (how off-policy the data is).")
    return there, text


MAX_HELD_CALLEES = 6


def _held_place(held: list[Unit], flow: LearningFlow) -> Placement | None:
    """Where the held statements act: their values followed, or else the bodies of the project functions they call
    (`await self.generate_one_epoch(...)`: a call kept for what it does, not for a value)."""
    there = flow.place(held[:20])
    if there.sink in REAL_SINKS:
        return there
    tried = 0
    for u in held[:20]:
        for call in u.calls:
            callee = flow.resolver.resolve(call, u.fn)
            if callee is None or callee.is_module or callee is u.fn or tried >= MAX_HELD_CALLEES:
                continue
            tried += 1
            body = flow.units(callee)
            inside = flow.place(body) if body else None
            if inside is not None and inside.sink in REAL_SINKS:
                return inside
    return None
