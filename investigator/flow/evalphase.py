"""A condition operand that decides only in the evaluation phase.

`if self.phase != RunPhase.TEST or X:` runs its body whenever the run is not in its test phase, whatever `X` is:
`X` is read only while the policy is evaluated. An edit of `X` alone (its test, a flag it reads) changes evaluation,
not training. The same for `if mode == "eval" and X:`. The phase test is a comparison of a name or attribute named
for a phase / mode / stage with a constant named for evaluation (`RunPhase.TEST`, `Mode.EVAL`, `"eval"`,
`"validation"`), the same at both commits.

Real shape: coach ba20396f..2c60cb5a, `Agent.handle_episode_ended` and `Agent.act`,
`if self.phase != RunPhase.TEST or self.ap.task_parameters.evaluate_only:` -> `... evaluate_only is not None:`
(the evaluation worker's episode and step counters): "Behavioural change in the sampling path", significant, second
of its range.
"""

from __future__ import annotations

import ast
import re

from investigator.flow.diff import UnitChange
from investigator.pyast import dotted

EVAL_PHASE = re.compile(r"^(test|testing|eval|evaluate|evaluation|evaluating|validation|validate|val|valid|inference)$",
                        re.IGNORECASE)
PHASE_HOLDER = re.compile(r"(^|_)(phase|mode|stage|split)($|_)", re.IGNORECASE)


def _names_evaluation(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(EVAL_PHASE.match(node.value))
    name = dotted(node)
    return bool(name) and "." in name and bool(EVAL_PHASE.match(name.rsplit(".", 1)[-1]))  # `RunPhase.TEST`


def _holds_phase(node: ast.expr) -> bool:
    name = dotted(node)
    return bool(name) and bool(PHASE_HOLDER.search(name.rsplit(".", 1)[-1]))


def in_evaluation(test: ast.expr) -> bool | None:
    """True when `test` holds exactly in the evaluation phase (`phase == TEST`), False when exactly outside it
    (`phase != TEST`), None when it is no phase test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and len(test.comparators) == 1):
        return None
    left, right = test.left, test.comparators[0]
    if not ((_holds_phase(left) and _names_evaluation(right)) or (_holds_phase(right) and _names_evaluation(left))):
        return None
    op = test.ops[0]
    if isinstance(op, ast.Eq | ast.Is):
        return True
    if isinstance(op, ast.NotEq | ast.IsNot):
        return False
    return None


def evaluation_only_edit(base: ast.expr, cand: ast.expr) -> bool:
    """Whether two conditions differ only in operands read in the evaluation phase alone: the same `or` (`and`)
    chain, an unchanged operand before every edited one that is true outside (inside) the evaluation phase."""
    if not (isinstance(base, ast.BoolOp) and isinstance(cand, ast.BoolOp) and type(base.op) is type(cand.op)
            and len(base.values) == len(cand.values)):
        return False
    short_when = not isinstance(base.op, ast.Or)  # what an earlier operand must say of the evaluation phase
    guarded = False
    edited = False
    for b, c in zip(base.values, cand.values, strict=True):
        if ast.dump(b) == ast.dump(c):
            guarded = guarded or in_evaluation(b) is short_when
            continue
        if not guarded:
            return False
        edited = True
    return edited


def evaluation_phase_edits(changes: list[UnitChange]) -> list[UnitChange]:
    """The modified `if` / `while` headers whose conditions differ only in evaluation-phase operands."""
    out = []
    for c in changes:
        b, k = (c.base.node if c.base else None), (c.cand.node if c.cand else None)
        if isinstance(b, ast.If | ast.While) and isinstance(k, ast.If | ast.While) and type(b) is type(k) \
                and evaluation_only_edit(b.test, k.test):
            out.append(c)
    return out
