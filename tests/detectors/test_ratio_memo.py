"""The similarity memo (pairs.RatioMemo): the values of a plain SequenceMatcher, computed once per
pair of contents whatever function objects carry them, and bounded."""

from __future__ import annotations

import difflib
import random
from dataclasses import dataclass, field

import pytest

from investigator.detectors import pairs
from investigator.detectors.matching import RunMatcher
from investigator.detectors.pairs import MOVE_SIMILARITY, TEXT_SIMILARITY, _similarity, text_similarity


@dataclass(eq=False)
class Fn:
    tokens: list[str]
    text_key: str = ""
    shape: tuple = field(default_factory=lambda: (object(),))  # never equal: the matcher decides
    is_module: bool = False


def _reference(a: list[str], b: list[str]) -> float:
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if m.real_quick_ratio() < MOVE_SIMILARITY or m.quick_ratio() < MOVE_SIMILARITY:
        return 0.0
    return m.ratio()


@pytest.fixture(autouse=True)
def fresh_memo(monkeypatch):
    monkeypatch.setattr(pairs, "_TOKEN_SIMILARITY", pairs.RatioMemo())
    monkeypatch.setattr(pairs, "_LINE_RATIO", pairs.RatioMemo())


def _body(rng, vocab, n):
    return [rng.choice(vocab) for _ in range(n)]


@pytest.mark.parametrize("seed", range(25))
def test_remembered_similarity_is_the_matchers_for_every_object_and_call(seed):
    rng = random.Random(seed)
    vocab = [f"t{k}" for k in range(rng.randint(2, 6))]
    base = _body(rng, vocab, rng.randint(1, 60))
    bodies = [base, *[[x if rng.random() > 0.2 else rng.choice(vocab) for x in base] for _ in range(4)],
              _body(rng, vocab, rng.randint(1, 60))]
    for a in bodies:
        for b in bodies:
            expected = _reference(a, b)
            f, g = Fn(list(a)), Fn(list(b))
            assert _similarity(f, g) == expected
            assert _similarity(Fn(list(a)), Fn(list(b))) == expected  # twins: from the memo
            matcher = RunMatcher([], g.tokens)
            assert _similarity(f, g, matcher) == expected


def test_twins_cost_one_matcher(monkeypatch):
    calls = []
    real = RunMatcher.ratio

    def counting(self):
        calls.append(1)
        return real(self)

    monkeypatch.setattr(RunMatcher, "ratio", counting)
    a = ["Assign", "Name", ".x", "Call", "Name", "Load"] * 5
    b = a[:-3] + ["Return", "Name", "Load"]
    values = {_similarity(Fn(list(a)), Fn(list(b))) for _ in range(6)}
    assert len(values) == 1 and next(iter(values)) > MOVE_SIMILARITY
    assert len(calls) == 1
    other = b[:-1] + ["Store"]
    _similarity(Fn(list(a)), Fn(other))  # other contents: computed
    assert len(calls) == 2


def test_text_similarity_is_the_line_ratio_and_remembered(monkeypatch):
    one = "x = 1\ny = f(x)\nreturn y\n"
    two = "x = 1\ny = g(x)\nreturn y\n"
    expected = difflib.SequenceMatcher(None, one.splitlines(), two.splitlines(), autojunk=False).ratio()
    assert expected >= TEXT_SIMILARITY
    assert text_similarity(Fn([], one), Fn([], two)) == expected
    monkeypatch.setattr(RunMatcher, "ratio", lambda self: pytest.fail("recomputed"))
    assert text_similarity(Fn([], one), Fn([], two)) == expected


def test_the_memo_is_bounded():
    memo = pairs.RatioMemo()
    memo.LIMIT = 3
    for k in range(10):
        memo.put(((str(k),), ()), float(k))
        assert len(memo.values) <= 3
    assert memo.get((("9",), ())) == 9.0
    assert memo.get((("0",), ())) is None
