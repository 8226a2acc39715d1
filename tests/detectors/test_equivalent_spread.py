"""A literal concatenated with a copied iterable is the literal that unpacks it, and a shape is the same as a
list or a tuple (real shape: Mava's `jnp.reshape(x, [n, -1] + list(s))` -> `jnp.reshape(x, (n, -1, *s))`)."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import equivalent_form


def _same(a: str, b: str) -> bool:
    return ast.dump(equivalent_form(ast.parse(a, mode="eval"))) == ast.dump(equivalent_form(ast.parse(b, mode="eval")))


def test_concatenated_copy_is_the_spread_literal() -> None:
    assert _same("jnp.reshape(x, [n, -1] + list(s))", "jnp.reshape(x, (n, -1, *s))")
    assert _same("[a] + list(xs)", "[a, *xs]")
    assert _same("tuple(xs) + (b,)", "(*xs, b)")
    assert _same("x.view([b, -1])", "x.view((b, -1))")


def test_other_sequences_stay_distinct() -> None:
    assert not _same("[a] + xs", "[a, *xs]")  # `xs` must be a list for `+`
    assert not _same("[a] + list(xs)", "[a, *ys]")
    assert not _same("f([n, -1])", "f((n, -1))")  # not a shape call
    assert not _same("jnp.reshape(x, [n, -1] + list(s))", "jnp.reshape(x, (n, 1, *s))")
    assert not _same("[a] + tuple(xs)", "[a, *xs]")  # list + tuple raises


def test_a_tuple_literal_joined_to_a_shape_is_the_spread_tuple() -> None:
    # stable-baselines3-contrib 2.6 (ruff RUF005): recurrent buffers' padded actions
    assert _same("x.reshape((n,) + self.actions.shape[1:])", "x.reshape((n, *self.actions.shape[1:]))")
    assert _same("obs_shape + (1,)", "(*obs_shape, 1)")
    assert _same("(b,) + t.size()", "(b, *t.size())")


def test_a_tuple_literal_added_to_a_value_that_may_be_an_array_stays() -> None:
    assert not _same("(1,) + values", "(1, *values)")  # an array broadcasts: `(1,) + arr` adds 1
    assert not _same("x.reshape((n,) + self.actions.shape[1:])", "x.reshape((n, *self.actions.shape[2:]))")
