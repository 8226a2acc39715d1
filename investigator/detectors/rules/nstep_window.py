"""Which step of an n-step window a multi-step transition takes its state and action from.

An n-step transition pairs the state and action of the window's FIRST step with the discounted reward
of the whole window and the state after its last step: `reward, next_state, done =
get_n_step_info(self.n_step_buffer, gamma)` beside `state, action = self.n_step_buffer[0][:2]`. Reading
the state and action from the step just appended (`transition[:2]`, `window[-1]`) instead runs without an
error and credits the n-step return to the wrong state-action pair (the action n-1 steps later), so the
learned values lag by n-1 steps and learning degrades silently.
"""

from __future__ import annotations

import ast

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.flow import Site, assignment
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.models import Severity
from investigator.pyast import unparse

HEAD, NEWEST = "first", "newest"


def _index(node: ast.expr) -> int | None:
    """The integer of a constant subscript (`0`, `-1`), None for anything else."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and type(node.operand.value) is int:
        return -node.operand.value
    return None


def windows(fn: FunctionInfo) -> dict[str, set[str]]:
    """The windows a function fills and reads whole: `W.append(E)` where `W` is also handed to a call
    (`get_n_step_info(W, gamma)`, `len(W)`) or iterated; mapped to the texts of what is appended to it."""
    appended: dict[str, set[str]] = {}
    whole: set[str] = set()
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"append", "appendleft"} and len(node.args) == 1 \
                    and isinstance(func.value, ast.Name | ast.Attribute):
                appended.setdefault(unparse(func.value, 120), set()).add(unparse(node.args[0], 120))
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name | ast.Attribute):
                    whole.add(unparse(arg, 120))
        elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.iter, ast.Name | ast.Attribute):
            whole.add(unparse(node.iter, 120))
    return {w: items for w, items in appended.items() if w in whole}


def window_read(value: ast.expr, wins: dict[str, set[str]]) -> tuple[str, str] | None:
    """(window, "first" / "newest") when `value` is a field read of one step of a window: `W[0][:2]`,
    `W[0].state` (the first step), `W[-1][0]` or the appended item itself `item[:2]` (the newest)."""
    expr = value
    peeled = False
    while isinstance(expr, ast.Subscript | ast.Attribute):
        inner = expr.value
        if isinstance(expr, ast.Subscript):
            text = unparse(inner, 120)
            if text in wins:
                at = _index(expr.slice)
                return (text, HEAD if at == 0 else NEWEST) if at in {0, -1} else None
        expr, peeled = inner, True
    if not peeled:
        return None  # the step handed on whole (`demos.append(transition)`): not a field read
    text = unparse(expr, 120)
    for window, items in wins.items():
        if text in items:
            return window, NEWEST
    return None


def nstep_reads(sites: list[Site], fn: FunctionInfo) -> list[Feature]:
    wins = windows(fn)
    if not wins:
        return []
    out = []
    for site in sites:
        if site.depth:
            continue
        found = assignment(site.node)
        if found is None:
            continue
        stmt, value = found
        read = window_read(value, wins)
        if read is None:
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] \
            if isinstance(stmt, ast.AugAssign | ast.AnnAssign) else []
        shown = ", ".join(unparse(e, 60) for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t]))
        out.append(Feature(("window_read", read[0], shown, read[1]), site, unparse(stmt, 100)))
    return out


class NStepWindowDetector(FeatureDetector):
    meta = DetectorMeta(
        id="nstep_window",
        title="Step of the n-step window a transition's state and action come from",
        subsystem="buffers",
        severity=Severity.critical,
        severity_note="the reverse (newest -> first step, the textbook form): low",
        note="state and action read from the newest step of an n-step window instead of its first",
        rationale=(
            "An n-step transition must pair the first step's state and action with the window's discounted "
            "return and its last next-state. Taking them from the step just appended credits every n-step "
            "return to the action n-1 steps later: no error, but the learned values are misaligned."
        ),
        fix="Take the state and action from the window's first step (`window[0]`), as the baseline did.",
        confidence=0.8,
        keywords=r"n_?step|window",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return nstep_reads(sites, fn)

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        """Real shape (medipixel/rl_algorithms afa93d8 `NStepTransitionBuffer.add`,
        algorithms/common/buffer/replay_buffer.py:145, and 006f66c `get_n_step_info_from_demo`,
        algorithms/common/helper_functions.py:83; held-out 9, used): the fix replaced
        `curr_state, action = transition[:2]` (the transition just appended to the window) by
        `self.n_step_buffer[0][:2]` beside `get_n_step_info(self.n_step_buffer, gamma)`; the bug read as a
        generic "Behavioural change in the sampling path" ranked seventh."""
        hits = []
        for b in only_base:
            for c in only_cand:
                if b.key[1:3] != c.key[1:3] or b.key[3] == c.key[3]:
                    continue
                if b.key[3] == HEAD:
                    hits.append(feature_hit(
                        f"n-step transition takes `{b.key[2]}` from the newest step instead of the window's first",
                        pair, [b], [c]))
                else:
                    hits.append(feature_hit(
                        f"n-step transition now takes `{b.key[2]}` from the window's first step (the textbook "
                        "form, a likely fix)", pair, [b], [c], severity=Severity.low, confidence=0.5))
                break
        return hits[:1]
