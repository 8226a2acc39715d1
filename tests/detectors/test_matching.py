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
