"""The lazy best-first matcher accepts exactly the pairs, in exactly the order, of scoring every pair
and sorting (the rule it replaces), on random function populations with many ties."""

from __future__ import annotations

import difflib
import random
from dataclasses import dataclass

import pytest

from investigator.detectors.matching import best_pairs
from investigator.detectors.pairs import MOVE_SIMILARITY, RENAME_SIMILARITY, _length_bound, _similarity


@dataclass(eq=False)
class Fn:
    name: str
    tokens: list[str]
    is_module: bool = False

    @property
    def shape(self) -> tuple:
        return tuple(self.tokens)


def brute_force(left, right, huge):
    """Steps 2-3 of `_match_across` as they were: score all pairs, sort, accept greedily."""
    scored = []
    for j, g in enumerate(right):
        matcher = None
        for i, f in enumerate(left):
            if f.is_module != g.is_module:
                continue
            if huge and f.name != g.name and not 0.8 <= len(f.tokens) / max(len(g.tokens), 1) <= 1.25:
                continue
            threshold = MOVE_SIMILARITY if f.name == g.name else RENAME_SIMILARITY
            if _length_bound(f, g) < threshold:
                continue
            if matcher is None:
                matcher = difflib.SequenceMatcher(None, [], g.tokens, autojunk=False)
            s = _similarity(f, g, matcher)
            if s >= threshold:
                scored.append((s + (0.01 if f.name == g.name else 0.0), i, j))
    used_l, used_r, out = set(), set(), []
    for s, i, j in sorted(scored, reverse=True):
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        out.append((s, i, j))
    return out


def _population(rng, n, vocab, base_bodies):
    out = []
    for _ in range(n):
        body = list(rng.choice(base_bodies))
        for _ in range(rng.randint(0, 4)):  # small edits: near-duplicates and exact ties
            op = rng.random()
            if op < 0.4 and body:
                body[rng.randrange(len(body))] = rng.choice(vocab)
            elif op < 0.7:
                body.insert(rng.randint(0, len(body)), rng.choice(vocab))
            elif body:
                del body[rng.randrange(len(body))]
        out.append(Fn(rng.choice(["forward", "step", "act", "update", "__init__", "<module>", "f", "g"]), body,
                      is_module=rng.random() < 0.1))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_lazy_matching_equals_scoring_every_pair(seed):
    rng = random.Random(seed)
    vocab = [f"t{k}" for k in range(rng.choice([3, 6, 12]))]
    bases = [[rng.choice(vocab) for _ in range(rng.randint(0, 30))] for _ in range(rng.randint(1, 8))]
    left = _population(rng, rng.randint(0, 60), vocab, bases)
    right = _population(rng, rng.randint(0, 60), vocab, bases)
    for huge in (False, True):
        assert best_pairs(left, right, _similarity, MOVE_SIMILARITY, RENAME_SIMILARITY, huge) == brute_force(left, right, huge)


def test_lazy_matching_computes_few_similarities_on_a_large_move():
    """2,000 functions moved to a new package, 1,000 of them edited: near-linear work, not 4 million."""
    rng = random.Random(7)
    vocab = [f"t{k}" for k in range(40)]
    left = [Fn(f"fn{k}", [rng.choice(vocab) for _ in range(rng.randint(20, 80))]) for k in range(2000)]
    right = [Fn(f.name if k % 3 else f"renamed{k}", list(f.tokens) + (["t0"] if k % 2 else [])) for k, f in enumerate(left)]
    calls = 0

    def counting(a, b, matcher=None):
        nonlocal calls
        calls += 1
        return _similarity(a, b, matcher)

    got = best_pairs(left, right, counting, MOVE_SIMILARITY, RENAME_SIMILARITY, huge=True)
    assert len(got) == 2000 and all(i == j for _, i, j in got)
    assert calls < 20_000


@pytest.mark.parametrize("seed", range(30))
def test_bit_parallel_lcs_equals_dynamic_programming_and_bounds_the_matcher(seed):
    from investigator.detectors.matching import lcs_length, position_masks

    rng = random.Random(seed)
    vocab = [f"t{k}" for k in range(rng.randint(1, 8))]
    a = [rng.choice(vocab) for _ in range(rng.randint(0, 70))]
    b = [rng.choice(vocab) for _ in range(rng.randint(0, 70))]
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    lcs = lcs_length(a, position_masks(b), len(b))
    assert lcs == table[-1][-1]
    matched = sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    assert matched <= lcs


@pytest.mark.parametrize("seed", range(40))
def test_lazy_best_option_equals_max_over_every_score(seed):
    from investigator.detectors.matching import best_option

    rng = random.Random(seed)
    vocab = [f"t{k}" for k in range(rng.choice([2, 5, 10]))]
    bases = [[rng.choice(vocab) for _ in range(rng.randint(0, 25))] for _ in range(rng.randint(1, 4))]
    for f in _population(rng, 5, vocab, bases):
        options = _population(rng, rng.randint(1, 12), vocab, bases)
        scores = [_similarity(f, g) for g in options]
        k = max(range(len(options)), key=scores.__getitem__)
        assert best_option(f, options, _similarity, MOVE_SIMILARITY) == (k, scores[k])


@pytest.mark.parametrize("seed", range(40))
def test_run_matcher_finds_the_same_matching_blocks_as_difflib(seed):
    """The numpy longest-match search (forced on every region here) gives difflib's blocks, ties included."""
    from investigator.detectors.matching import RunMatcher

    rng = random.Random(seed)
    vocab = [f"t{k}" for k in range(rng.randint(1, 7))]
    a = [rng.choice(vocab) for _ in range(rng.randint(0, 90))]
    b = list(a) if rng.random() < 0.5 else [rng.choice(vocab) for _ in range(rng.randint(0, 90))]
    for _ in range(rng.randint(0, 12)):  # near-duplicates: long blocks with many equal-length ties
        if b:
            b[rng.randrange(len(b))] = rng.choice(vocab)
    fast = RunMatcher(a, b)
    fast.SMALL_REGION = 0
    reference = difflib.SequenceMatcher(None, a, b, autojunk=False)
    assert fast.get_matching_blocks() == reference.get_matching_blocks()
    assert fast.ratio() == reference.ratio()
    other = [rng.choice(vocab) for _ in range(rng.randint(0, 60))]
    fast.set_seq1(other)  # a matcher reused for another left function rebuilds its table
    reference.set_seq1(other)
    assert fast.ratio() == reference.ratio()


@dataclass(eq=False)
class TextFn:
    qualname: str
    tokens: list[str]
    text_key: str
    is_module: bool = False
    path: str = "pkg/module.py"

    @property
    def name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def shape(self) -> tuple:
        return tuple(self.tokens)


def _text_population(rng, n, bases):
    out = []
    for _ in range(n):
        lines = list(rng.choice(bases))
        for _ in range(rng.randint(0, 6)):  # edited copies: some keep half their lines, some do not
            if lines and rng.random() < 0.5:
                lines[rng.randrange(len(lines))] = f"x = {rng.randint(0, 3)}"
            else:
                lines.insert(rng.randint(0, len(lines)), f"y = {rng.randint(0, 3)}")
        tokens = [w for line in lines for w in line.split()]
        qual = rng.choice(["A.forward", "B.forward", "A.step", "update", "<module>"])
        out.append(TextFn(qual, tokens, "\n".join(lines), is_module=qual == "<module>"))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_text_gate_refuses_only_pairs_accept_refuses_and_keeps_the_pairing(seed):
    """`TextBound.may_be_same` is an upper bound: where it says no, `_same_function` says no for any
    token similarity; and `best_pairs` with the gate accepts exactly the pairs it accepts without."""
    from investigator.detectors.pairs import TextBound, _refused_at_any_similarity, _same_function

    rng = random.Random(seed)
    words = ["a = b", "c = d(e)", "f.g()", "return h", "i += 1", "loss.backward()", "opt.step()", "x = 0"]
    bases = [[rng.choice(words) for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(1, 5))]
    left, right = _text_population(rng, rng.randint(0, 40), bases), _text_population(rng, rng.randint(0, 40), bases)
    bound = TextBound()
    for f in left:
        for g in right:
            if not bound.may_be_same(f, g):
                assert not _same_function(f, g, 1.0) and not _same_function(f, g, 0.0)
    for huge in (False, True):
        plain = best_pairs(left, right, _similarity, MOVE_SIMILARITY, RENAME_SIMILARITY, huge, accept=_same_function)
        gated = best_pairs(left, right, _similarity, MOVE_SIMILARITY, RENAME_SIMILARITY, huge, accept=_same_function,
                           gate=TextBound().may_be_same)
        assert gated == plain
        refusing = best_pairs(left, right, _similarity, MOVE_SIMILARITY, RENAME_SIMILARITY, huge,
                              accept=_same_function, gate=TextBound().may_be_same, refuse=_refused_at_any_similarity)
        assert refusing == plain


@pytest.mark.parametrize("seed", range(30))
def test_refusal_before_the_similarity_is_exactly_accepts_refusal_at_every_similarity(seed):
    """`_refused_at_any_similarity(f, g)` holds exactly when `_same_function(f, g, s)` is False for
    every s (tests and product code never pair; same qualified names may pair by name)."""
    from investigator.detectors.pairs import _refused_at_any_similarity, _same_function

    rng = random.Random(seed)
    words = ["a = b", "c = d(e)", "f.g()", "return h", "i += 1", "x = 0"]
    bases = [[rng.choice(words) for _ in range(rng.randint(0, 10))] for _ in range(rng.randint(1, 4))]
    fns = _text_population(rng, 30, bases)
    for f in fns[::3]:
        f.path = "tests/test_module.py"
    seen = set()
    for f in fns:
        for g in fns:
            refused = _refused_at_any_similarity(f, g)
            assert refused == (not any(_same_function(f, g, s) for s in (0.0, RENAME_SIMILARITY, 1.0)))
            seen.add(refused)
    assert seen == {True, False}


def test_text_gate_refuses_scripts_that_share_no_lines_and_keeps_same_named_methods():
    from investigator.detectors.pairs import TextBound

    f = TextFn("<module>", ["a"], "import a\nrun(a)", is_module=True)
    g = TextFn("<module>", ["a"], "import b\nmain(b)", is_module=True)
    h = TextFn("A.forward", ["a"], "return x")
    k = TextFn("A.forward", ["a"], "return y * 2")
    bound = TextBound()
    assert not bound.may_be_same(f, g)
    assert bound.may_be_same(f, f)
    assert bound.may_be_same(h, k)  # same qualified name: may still pair on a near-equal token body


@pytest.mark.parametrize("seed", range(30))
def test_similar_at_least_is_the_similarity_test_it_bounds(seed):
    """Step 4 of `_match_across` refuses pairs by the bounds of `ratio` before computing it: the
    answer is `_similarity(f, g) >= threshold` for every pair, at the thresholds it is used with
    (ties at the threshold and equal shapes included)."""
    from investigator.detectors.matching import Counts
    from investigator.detectors.pairs import KEPT_SIMILARITY, _similar_at_least

    rng = random.Random(seed)
    vocab = [f"t{k}" for k in range(rng.choice([2, 4, 10]))]
    bases = [[rng.choice(vocab) for _ in range(rng.randint(0, 25))] for _ in range(rng.randint(1, 5))]
    fns = _population(rng, 40, vocab, bases)
    counts = Counts()
    refused_early = 0
    for threshold in (KEPT_SIMILARITY, MOVE_SIMILARITY, RENAME_SIMILARITY, 0.9 - 1e-12):
        for f in fns:
            for g in fns:
                expected = _similarity(f, g) >= threshold
                assert _similar_at_least(f, g, threshold, counts) is expected, (f.tokens, g.tokens, threshold)
                refused_early += not expected
    assert refused_early  # the populations hold pairs on both sides of the thresholds


def _runs_by_definition(a, b):
    runs = [[0] * len(b) for _ in a]
    for i in range(len(a)):
        for j in range(len(b)):
            if a[i] == b[j]:
                runs[i][j] = 1 + (runs[i - 1][j - 1] if i and j else 0)
    return runs


@pytest.mark.parametrize("seed", range(30))
def test_run_table_is_the_diagonal_run_lengths(seed):
    """The masked row steps give, cell by cell, how many elements are equal in a row up to (i, j)."""
    import numpy as np

    from investigator.detectors.matching import run_table

    rng = random.Random(seed)
    vocab = rng.randint(1, 6)
    a = [rng.randrange(vocab) for _ in range(rng.randint(1, 70))]
    b = list(a) if rng.random() < 0.4 else [rng.randrange(vocab) for _ in range(rng.randint(1, 70))]
    table = run_table(np.array(a, dtype=np.int32), np.array(b, dtype=np.int32))
    assert table.dtype == np.int16
    assert table.tolist() == _runs_by_definition(a, b)


def test_run_table_single_row_and_column():
    import numpy as np

    from investigator.detectors.matching import run_table

    one = np.array([3], dtype=np.int32)
    many = np.array([3, 1, 3, 3], dtype=np.int32)
    assert run_table(one, many).tolist() == [[1, 0, 1, 1]]
    assert run_table(many, one).tolist() == [[1], [0], [1], [1]]
    assert run_table(many, many).tolist() == _runs_by_definition(many.tolist(), many.tolist())
