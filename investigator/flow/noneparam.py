"""A new parameter defaulting to None, used only as "this value, or the baseline's when None": the baseline's code.

Real shape (tf2rl v1.1.0..v1.1.2, precision held-out 11, `tf2rl/algos/dqn.py:79`, noise class N2): `DQN.__init__`
gained `optimizer=None` and `self.q_func_optimizer = tf.keras.optimizers.Adam(learning_rate=lr, epsilon=adam_eps)`
became `self.q_func_optimizer = optimizer or tf.keras.optimizers.Adam(learning_rate=lr, epsilon=adam_eps)`:
"Behavioural change in the optimizer path" (significant, #2). At the parameter's default the statement computes the
baseline's value; a caller that passes the new argument is a changed call of its own, reported where it is.

The rule: a parameter of the candidate's function that the baseline's function does not have, with the default
`None`, never assigned in the function; the candidate's statement with each `P or E`, `E if P is None else P` and
`P if P is not None else E` read as `E` dumps as the baseline's statement. Anything else that differs stays a change.
"""

from __future__ import annotations

import ast

from investigator.flow.units import Unit
from investigator.pyast import parameter_defaults, same_once_rewritten


def _new_none_parameters(base: ast.AST, cand: ast.AST) -> frozenset[str]:
    if not isinstance(base, ast.FunctionDef | ast.AsyncFunctionDef) or not isinstance(
            cand, ast.FunctionDef | ast.AsyncFunctionDef):
        return frozenset()
    had = {a.arg for a, _ in parameter_defaults(base)}
    found = {a.arg for a, d in parameter_defaults(cand) if isinstance(d, ast.Constant) and d.value is None
             and a.arg not in had}
    stored = {n.id for n in ast.walk(cand) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    return frozenset(found - stored)


def _is(node: ast.AST, names: frozenset[str]) -> str | None:
    return node.id if isinstance(node, ast.Name) and node.id in names else None


class _AtDefault(ast.NodeTransformer):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.count = 0

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Or) and len(node.values) == 2 and _is(node.values[0], self.names):
            self.count += 1
            return node.values[1]
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value is None and (name := _is(test.left, self.names))):
            return node
        if isinstance(test.ops[0], ast.Is) and _is(node.orelse, frozenset({name})):
            self.count += 1
            return node.body
        if isinstance(test.ops[0], ast.IsNot) and _is(node.body, frozenset({name})):
            self.count += 1
            return node.orelse
        return node


def same_at_none_default(base: Unit, cand: Unit) -> bool:
    """The candidate's statement computes the baseline's once its new `None`-default parameters are at their
    default (module doc)."""
    names = _new_none_parameters(base.fn.node, cand.fn.node)
    if not names or len(base.parts) != len(cand.parts):
        return False
    return same_once_rewritten(base.parts, cand.parts, _AtDefault(frozenset()), _AtDefault(names))
