"""speed11: `equivalent_form`'s question per node (`patterns._needs_rewrite`) is asked once per node; the
remembered answer is the fresh one, in any order, and a tree changed after it was read fails the check the
tests run with (`fastwalk.CHECK`, tests/conftest.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import investigator
from investigator import fastwalk
from investigator.detectors import patterns

SAMPLES = ["1 * x", "torch.relu(x)", "nn.ReLU()(x)", "{'a': 1, 'a': 2}", "np.bool", "tuple(xs)",
           "sum([f(x) for x in xs])", "(a + q.detach()).detach()", "x.sum(dim=-1)", "torch.max(torch.min(x, hi), lo)",
           "x.zero_grad(set_to_none=True)", "jax.tree_map(f, t)", "np.clip(x, a_min=0, a_max=1)", "zip(a, b, strict=True)"]


def test_remembered_answers_are_the_fresh_ones() -> None:
    root = Path(investigator.__file__).parent
    trees = [ast.parse(s) for s in SAMPLES] + [ast.parse(p.read_text()) for p in sorted(root.rglob("*.py"))[:80]]
    nodes = [n for tree in trees for n in ast.walk(tree) if isinstance(n, patterns._REWRITABLE)]
    fresh = [patterns._rewrite_at(n) for n in nodes]
    assert any(fresh) and not all(fresh)
    for order in (nodes, nodes[::-1], nodes):
        assert [patterns._needs_rewrite(n) for n in order] == (fresh if order is nodes else fresh[::-1])
    assert all(n in patterns._REWRITES for n in nodes)
    for sample in SAMPLES:  # each spelling is still rewritten, asked again
        expr = ast.parse(sample, mode="eval").body
        assert patterns.equivalent_form(expr) is not expr and patterns.equivalent_form(expr) is not expr


def test_a_tree_changed_after_it_was_read_fails_the_check() -> None:
    assert fastwalk.CHECK
    expr = ast.parse("a + b", mode="eval").body
    assert patterns.equivalent_form(expr) is expr
    expr.left = ast.BinOp(ast.Constant(1), ast.Mult(), ast.Name("x", ast.Load()))  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="changed"):
        patterns.equivalent_form(expr)
