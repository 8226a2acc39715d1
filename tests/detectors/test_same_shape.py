"""`same_shape` (token lists first, then the fingerprints) answers as `a.shape == b.shape`: equal shapes
have equal token lists, so refusing on the tokens never refuses a pair of equal shapes."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

from investigator.detectors.functions import parse_module, same_shape

ROOT = Path(__file__).resolve().parents[2] / "investigator"

VARIANTS = textwrap.dedent('''\
    def a(x, y=1):
        """doc"""
        return x + y  # comment

    def b(x, y=1):
        return (x +
                y)

    def c(x, y=2):
        return x + y

    def d(x, y=1):
        return x - y

    @decorate
    def e(x, y=1):
        return x + y

    def f(x, y=1.0):
        return x + y

    def g(x, y=True):
        return x + y

    def h(x, y=1):
        return x.attr + y

    def i(x, y=1):
        return x.other + y
''')


def test_same_shape_is_shape_equality() -> None:
    functions = list(parse_module("v.py", VARIANTS, "candidate").functions.values())
    for path in sorted(ROOT.rglob("*.py"))[:40]:
        functions += list(parse_module(str(path), path.read_text(), "candidate").functions.values())
    by_tokens: dict[tuple[str, ...], list] = {}
    for f in functions:
        by_tokens.setdefault(tuple(f.tokens), []).append(f)
    pairs = [(f, g) for group in by_tokens.values() for f, g in itertools.combinations(group, 2)]
    pairs += list(zip(functions, functions[1:], strict=False))
    assert any(f.shape == g.shape and f is not g for f, g in pairs)
    for f, g in pairs:
        assert same_shape(f, g) == (f.shape == g.shape), (f.qualname, g.qualname)
    named = {f.qualname: f for f in functions if f.path == "v.py"}
    assert same_shape(named["a"], named["b"]) and not same_shape(named["a"], named["c"])
    assert not same_shape(named["a"], named["e"]) and not same_shape(named["a"], named["f"])
    assert not same_shape(named["a"], named["g"]) and not same_shape(named["h"], named["i"])
