"""`pyast.parameter_defaults` / `default_values`: the one reader of a function's parameters and their
defaults. Hand-written copies bound only the positional defaults (`args.defaults`), so a keyword-only
parameter's default (`def f(x, *, clip=0.2)`) was missing where a call did not pass it."""

from __future__ import annotations

import ast

from investigator.pyast import default_values, parameter_defaults


def _fn(text: str) -> ast.FunctionDef:
    node = ast.parse(text).body[0]
    assert isinstance(node, ast.FunctionDef)
    return node


def _spelled(pairs: list[tuple[ast.arg, ast.expr | None]]) -> list[tuple[str, str | None]]:
    return [(p.arg, ast.unparse(d) if d is not None else None) for p, d in pairs]


def test_every_kind_of_named_parameter_in_order_with_its_default() -> None:
    fn = _fn("def f(a, /, b, c=1, *args, d, e=0.2, **kw): pass")
    assert _spelled(parameter_defaults(fn)) == [("a", None), ("b", None), ("c", "1"), ("d", None), ("e", "0.2")]


def test_positional_only_defaults_are_aligned_from_the_right() -> None:
    fn = _fn("def f(a=1, /, b=2): pass")
    assert _spelled(parameter_defaults(fn)) == [("a", "1"), ("b", "2")]


def test_default_values_keep_keyword_only_defaults() -> None:
    values = default_values(_fn("def clipped_loss(ratio, adv, *, clip=0.2, scale): pass"))
    assert {k: ast.unparse(v) for k, v in values.items()} == {"clip": "0.2"}


def test_no_defaults_and_lambdas_and_bare_arguments() -> None:
    assert default_values(_fn("def f(self, x): pass")) == {}
    lam = ast.parse("lambda x, k=3: x * k", mode="eval").body
    assert isinstance(lam, ast.Lambda)
    assert [p for p, _ in parameter_defaults(lam.args)] == [p for p, _ in parameter_defaults(lam)]
    assert {k: ast.unparse(v) for k, v in default_values(lam).items()} == {"k": "3"}
