"""A sum written as an in-place update or spelled out is the same sum: `loss -= a + b` is
`loss = loss - a - b`.

Both statements are read as their target's new value, a list of signed terms in the written order
(`x -= v` is `x - v`, `x += v` is `x + v`; a bracketed sum under a minus has its signs negated), and
compared term by term after `equivalent_form`. The order is kept, so nothing is assumed about
commutativity (a `+` of lists or strings keeps its meaning); only the brackets and the update operator
may differ. Real shape: jingweiz/pytorch-rl (b9b87d89..8f953c0a) `core/agents/a3c_single_process.py`
rewrote `policy_loss = policy_loss - log_prob * advantage - beta * entropy` as
`policy_loss -= log_prob * advantage + beta * entropy`: the same loss, reported as "Behavioural change
in the loss path" (and, by the entropy detector, "Entropy term sign flipped", critical)."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import equivalent_form, signed_terms
from investigator.pyast import as_load


def _new_value_terms(node: ast.AST) -> tuple[str, list[tuple[int, str]]] | None:
    """(target, signed terms of the value it is given), for `x = <sum>` and `x += / -= <sum>`."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, terms = node.targets[0], signed_terms(node.value)
    elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub):
        target = node.target
        terms = [(1, as_load(target))] + signed_terms(node.value, -1 if isinstance(node.op, ast.Sub) else 1)
    else:
        return None
    if len(terms) < 2:
        return None
    return ast.dump(target, annotate_fields=False), [
        (sign, ast.dump(equivalent_form(term), annotate_fields=False)) for sign, term in terms]


def same_signed_sum(a: ast.AST, b: ast.AST) -> bool:
    """`a` and `b` give the same target the same signed terms in the same order, and differ in spelling
    only (one of them an in-place update, or brackets regrouped)."""
    if type(a) is type(b) and not isinstance(a, ast.AugAssign) and ast.dump(a) == ast.dump(b):
        return False  # identical statements are not this rule's business
    left, right = _new_value_terms(a), _new_value_terms(b)
    return left is not None and left == right
