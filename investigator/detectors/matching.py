"""Best-first matching of deleted to added functions by body similarity, computed lazily.

The rule (pairs.py, `_match_across` steps 2-3): score every (left, right) pair whose similarity
reaches its threshold, then accept pairs in descending (score, left index, right index) order while
neither side is taken. Scoring every pair is quadratic: a release that moves a package (800 files,
thousands of functions on each side) spent minutes in `SequenceMatcher.ratio`.

This module gives the same accepted pairs, in the same order, from a priority queue of upper
bounds: a pair's next, tighter bound is computed only when the pair reaches the front of the queue
with both sides still free. The bounds, each at least the next one (same float formula, fewer
matches): the token-length bound (`real_quick_ratio`, O(1); enumerated per left function in
descending order over the right functions grouped by length, so the pairs it rules out are never
materialised), the token-multiset bound (`quick_ratio`), the longest common subsequence (bit-parallel,
about a millisecond where `ratio` takes a second on two 1,500-token functions), and the similarity
itself. An entry whose
exact score is at the front is accepted: every entry behind it has a key, hence a final score, no
greater (ties broken by indices exactly as the full sort does).

The similarity itself is `SequenceMatcher.ratio`; `RunMatcher` computes the same matching blocks
with its longest-match search on large regions done in numpy over a table of diagonal run lengths
(the pure-Python search walks every occurrence of each token: `Name` and `Load` make it quadratic).
"""

from __future__ import annotations

import difflib
import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from typing import Any

from investigator.detectors.functions import FunctionInfo, same_shape

Similarity = Callable[[FunctionInfo, FunctionInfo, "difflib.SequenceMatcher | None"], float]

_STREAM, _LENGTH, _QUICK, _LCS, _EXACT = 0, 1, 2, 3, 4
_AFTER_ALL = 1 << 62  # a stream's key sorts before each of its own pairs of equal bound


class RunMatcher(difflib.SequenceMatcher):
    """`difflib.SequenceMatcher` without junk (`autojunk=False`): the same matching blocks, hence
    the same `ratio`, with `find_longest_match` on regions of more than `SMALL_REGION` cells read
    from a table of diagonal run lengths (`runs[i, j]`: how many elements up to a[i] and b[j] are
    equal in a row) instead of walking every occurrence of every element of a.

    The longest match inside a region ending at (i, j) has length min(runs[i, j], i - alo + 1,
    j - blo + 1); difflib keeps the first longest one in (i, j) order, which is numpy's `argmax`
    over the region in row-major order. Without junk, difflib's extension loops add nothing to a
    longest match. The table is built once per pair of sequences (one numpy step per element of
    a) and only for regions up to `MAX_CELLS` cells; larger ones use difflib's search."""

    SMALL_REGION = 1024
    MAX_CELLS = 16_000_000
    a: list[str]
    b: list[str]

    def __init__(self, a: list[str], b: list[str]) -> None:
        self._runs: Any = None
        super().__init__(None, a, b, autojunk=False)

    def set_seq1(self, a: Any) -> None:
        self._runs = None
        super().set_seq1(a)

    def set_seq2(self, b: Any) -> None:
        self._runs = None
        super().set_seq2(b)

    def _run_table(self) -> Any:
        if self._runs is None:
            import numpy as np  # only for large functions: most runs never need it

            ids: dict[str, int] = {}
            ia = np.fromiter((ids.setdefault(x, len(ids)) for x in self.a), dtype=np.int32, count=len(self.a))
            ib = np.fromiter((ids.setdefault(x, len(ids)) for x in self.b), dtype=np.int32, count=len(self.b))
            self._runs = run_table(ia, ib)
        return self._runs

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0,
                           bhi: int | None = None) -> difflib.Match:
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        area = (ahi - alo) * (bhi - blo)
        if area <= self.SMALL_REGION or len(self.a) * len(self.b) > self.MAX_CELLS:
            return super().find_longest_match(alo, ahi, blo, bhi)
        import numpy as np

        table = self._run_table()
        region = np.minimum(table[alo:ahi, blo:bhi], np.arange(1, ahi - alo + 1, dtype=table.dtype)[:, None])
        np.minimum(region, np.arange(1, bhi - blo + 1, dtype=table.dtype)[None, :], out=region)
        end_i, end_j = divmod(int(region.argmax()), bhi - blo)
        k = int(region[end_i, end_j])
        if k == 0:
            return difflib.Match(alo, blo, 0)
        return difflib.Match(alo + end_i - k + 1, blo + end_j - k + 1, k)


def run_table(ia: Any, ib: Any) -> Any:
    """`runs[i, j]`: how many elements up to `ia[i]` and `ib[j]` are equal in a row (0 where they
    differ). Row by row, each row two numpy steps over a mask that is all ones where the elements
    are equal: `(runs[i - 1, j - 1] + 1) & mask[i, j]` (a multiplication by the boolean table cost
    half as much again: a cast per row)."""
    import numpy as np

    dtype = np.int16 if min(len(ia), len(ib)) < 32_000 else np.int32
    runs = np.negative((ia[:, None] == ib[None, :]).view(np.int8), dtype=dtype)  # -1 (all ones) or 0
    runs[0] &= 1
    runs[:, 0] &= 1
    if len(ib) > 1:
        step = np.empty(len(ib) - 1, dtype=dtype)
        add, both = np.add, np.bitwise_and
        for i in range(1, len(ia)):
            row = runs[i, 1:]
            add(runs[i - 1, :-1], 1, out=step)
            both(step, row, out=row)
    return runs


def lcs_length(a: list[str], masks: dict[str, int], m: int) -> int:
    """Length of the longest common subsequence of `a` and the `m`-token sequence whose per-token
    position bit masks are `masks` (bit-parallel, Hyyro 2004: O(len(a)) big-integer steps)."""
    full = (1 << m) - 1
    v = full
    for x in a:
        u = v & masks.get(x, 0)
        v = ((v + u) | (v - u)) & full
    return m - v.bit_count()


def position_masks(b: list[str]) -> dict[str, int]:
    masks: dict[str, int] = {}
    for j, x in enumerate(b):
        masks[x] = masks.get(x, 0) | (1 << j)
    return masks


def multiset_bound(a: Counter[str], b: Counter[str]) -> float:
    """`quick_ratio` of two token lists from their multisets (each function's counted once)."""
    total = a.total() + b.total()
    return 2.0 * sum((a & b).values()) / total if total else 1.0


class Counts(dict[int, "Counter[str]"]):
    """Each function's token multiset, counted once (keyed by the function object's id)."""

    def of(self, fn: FunctionInfo) -> Counter[str]:
        found = self.get(id(fn))
        if found is None:
            found = self[id(fn)] = Counter(fn.tokens)
        return found


def length_bound(la: int, lb: int) -> float:
    """`real_quick_ratio` of two token lists of these lengths (pairs.py `_length_bound`)."""
    return 2.0 * min(la, lb) / (la + lb) if la + lb else 1.0


class _Stream:
    """The right functions for one left function, in descending length bound (two pointers walking
    out from its own length over the distinct lengths of the right side)."""

    def __init__(self, la: int, lengths: list[int]) -> None:
        self.la = la
        self.lengths = lengths
        self.hi = bisect_right(lengths, la)  # first length > la
        self.lo = self.hi - 1  # last length <= la

    def peek(self) -> float | None:
        bounds = [length_bound(self.la, self.lengths[k]) for k in (self.lo, self.hi) if 0 <= k < len(self.lengths)]
        return max(bounds) if bounds else None

    def take(self) -> int:
        """The next length (the one with the larger bound; the shorter one on a tie)."""
        lo_b = length_bound(self.la, self.lengths[self.lo]) if self.lo >= 0 else -1.0
        hi_b = length_bound(self.la, self.lengths[self.hi]) if self.hi < len(self.lengths) else -1.0
        if lo_b >= hi_b:
            self.lo -= 1
            return self.lengths[self.lo + 1]
        self.hi += 1
        return self.lengths[self.hi - 1]


def best_pairs(
    left: list[FunctionInfo],
    right: list[FunctionInfo],
    similarity: Similarity,
    move: float,
    rename: float,
    huge: bool,
    accept: Callable[[FunctionInfo, FunctionInfo, float], bool] | None = None,
    gate: Callable[[FunctionInfo, FunctionInfo], bool] | None = None,
    refuse: Callable[[FunctionInfo, FunctionInfo], bool] | None = None,
) -> list[tuple[float, int, int]]:
    """Accepted (key, i, j) in acceptance order; key = similarity + 0.01 for equal names.

    A pair is a candidate when both or neither are module bodies, its similarity reaches `move` for
    equal names or `rename` otherwise, and (when `huge`) differently named functions have token
    lengths within 0.8-1.25 of each other, and `accept(f, g, similarity)` holds when given (checked
    once the exact similarity is known: a pair it refuses is never accepted). `gate(f, g)`, when
    given, is False only for pairs `accept` refuses whatever their similarity (a cheap bound of
    what `accept` measures): it is checked first, so such a pair costs no similarity bound at all.
    `refuse(f, g)`, when given, is True only for pairs `accept` refuses whatever their similarity
    (the exact test where `gate` is a bound): it is checked just before the similarity, which such a
    pair then never costs."""
    return _PairSearch(left, right, similarity, move, rename, huge, accept, gate, refuse).run()


class _PairSearch:
    """`best_pairs`' best-first search. The heap holds (-key, -i, -j, kind) entries whose key is an
    upper bound of the pair's (similarity + name bonus), refined kind by kind (`_LENGTH` -> `_QUICK`
    multiset bound -> `_LCS` bound -> `_EXACT` similarity); a `_STREAM` entry stands for all of
    left function i's differently named pairs of the next token length, expanded when popped."""

    def __init__(
        self,
        left: list[FunctionInfo],
        right: list[FunctionInfo],
        similarity: Similarity,
        move: float,
        rename: float,
        huge: bool,
        accept: Callable[[FunctionInfo, FunctionInfo, float], bool] | None,
        gate: Callable[[FunctionInfo, FunctionInfo], bool] | None,
        refuse: Callable[[FunctionInfo, FunctionInfo], bool] | None = None,
    ) -> None:
        self.left, self.right = left, right
        self.similarity, self.accept, self.gate, self.refuse = similarity, accept, gate, refuse
        self.move, self.rename, self.huge = move, rename, huge
        self.lens_l = [len(f.tokens) for f in left]
        self.lens_r = [len(g.tokens) for g in right]
        self.by_len: dict[int, list[int]] = {}
        for j, n in enumerate(self.lens_r):
            self.by_len.setdefault(n, []).append(j)
        self.streams: dict[int, _Stream] = {}
        self.matchers: dict[int, difflib.SequenceMatcher] = {}
        self.counts = Counts()
        self.lcs_masks: dict[int, dict[str, int]] = {}
        self.used_l: set[int] = set()
        self.used_r: set[int] = set()
        self.heap = self._seed()

    def _seed(self) -> list[tuple[float, int, int, int]]:
        """Equal-named pairs by their length bound, and each left function's first length stream."""
        lengths = sorted(self.by_len)
        by_name: dict[str, list[int]] = {}
        for j, g in enumerate(self.right):
            by_name.setdefault(g.name, []).append(j)
        heap: list[tuple[float, int, int, int]] = []
        for i, f in enumerate(self.left):
            for j in by_name.get(f.name, []):  # equal names: the lower threshold, found by name
                g = self.right[j]
                b = length_bound(self.lens_l[i], self.lens_r[j])
                if f.is_module == g.is_module and b >= self.move:
                    heap.append((-(b + 0.01), -i, -j, _LENGTH))
            stream = _Stream(self.lens_l[i], lengths)
            top = stream.peek()
            if top is not None and top >= self.rename:
                self.streams[i] = stream
                heap.append((-top, -i, -_AFTER_ALL, _STREAM))
        heapq.heapify(heap)
        return heap

    def run(self) -> list[tuple[float, int, int]]:
        heap, used_l, used_r = self.heap, self.used_l, self.used_r
        out: list[tuple[float, int, int]] = []
        while heap:
            neg_key, neg_i, neg_j, kind = heapq.heappop(heap)
            i = -neg_i
            if i in used_l:
                continue
            if kind == _STREAM:
                self._expand(i, -neg_key)
                continue
            j = -neg_j
            if j in used_r:
                continue
            if kind == _EXACT:
                used_l.add(i)
                used_r.add(j)
                out.append((-neg_key, i, j))
                continue
            self._refine(i, j, kind)
        return out

    def _expand(self, i: int, bound: float) -> None:
        """Push left function i's pairs of the stream's next length, and the stream's next entry."""
        f = self.left[i]
        stream = self.streams[i]
        for j in self.by_len[stream.take()]:
            g = self.right[j]
            if j in self.used_r or g.name == f.name or f.is_module != g.is_module:
                continue
            if self.huge and not 0.8 <= self.lens_l[i] / max(self.lens_r[j], 1) <= 1.25:
                continue
            heapq.heappush(self.heap, (-bound, -i, -j, _LENGTH))
        top = stream.peek()
        if top is not None and top >= self.rename:
            heapq.heappush(self.heap, (-top, -i, -_AFTER_ALL, _STREAM))

    def _refine(self, i: int, j: int, kind: int) -> None:
        """Replace a bound entry by the next, tighter one (or the exact similarity) if it still
        reaches the pair's threshold."""
        f, g = self.left[i], self.right[j]
        same = f.name == g.name
        bonus = 0.01 if same else 0.0
        threshold = self.move if same else self.rename
        if kind == _LENGTH and self.gate is not None and not self.gate(f, g):
            return  # `accept` would refuse it: not worth a bound
        if kind == _LENGTH and not same_shape(f, g):
            quick = multiset_bound(self.counts.of(f), self.counts.of(g))
            if quick >= threshold:  # below it, the similarity is below it too
                heapq.heappush(self.heap, (-(quick + bonus), -i, -j, _QUICK))
            return
        matcher = self.matchers.get(j)
        if matcher is None:
            matcher = self.matchers[j] = RunMatcher([], g.tokens)
        if kind == _QUICK:
            bound = self._lcs_bound(i, j)
            if bound >= threshold:
                heapq.heappush(self.heap, (-(bound + bonus), -i, -j, _LCS))
            return
        if self.refuse is not None and self.refuse(f, g):
            return  # `accept` would refuse it at any similarity
        s = self.similarity(f, g, matcher)
        if s >= threshold and (self.accept is None or self.accept(f, g, s)):
            heapq.heappush(self.heap, (-(s + bonus), -i, -j, _EXACT))

    def _lcs_bound(self, i: int, j: int) -> float:
        """SequenceMatcher's matching blocks are a common subsequence: the LCS bounds them."""
        masks = self.lcs_masks.get(j)
        if masks is None:
            masks = self.lcs_masks[j] = position_masks(self.right[j].tokens)
        lcs = lcs_length(self.left[i].tokens, masks, self.lens_r[j])
        total = self.lens_l[i] + self.lens_r[j]
        return 2.0 * lcs / total if total else 1.0


def best_option(f: FunctionInfo, options: list[FunctionInfo], similarity: Similarity, move: float) -> tuple[int, float]:
    """The index and score of the first best-scoring option: `max` over every option's
    `similarity(f, g)`, computing the expensive ones only while their bound can still win.

    `similarity` is 0.0 below `move` by the token-length or token-multiset bound, 1.0 for equal
    shapes, else SequenceMatcher's ratio (pairs.py `_similarity`); the bounds here follow it."""
    la = len(f.tokens)
    counts = Counts()
    heap: list[tuple[float, int, int]] = []
    for k, g in enumerate(options):
        b = length_bound(la, len(g.tokens))
        heap.append((-(b if b >= move else 0.0), k, _EXACT if b < move else _LENGTH))
    heapq.heapify(heap)
    while heap:
        neg, k, level = heapq.heappop(heap)
        if level == _EXACT:
            return k, -neg
        g = options[k]
        if level == _LENGTH:
            if same_shape(f, g):
                heapq.heappush(heap, (-similarity(f, g, None), k, _EXACT))
                continue
            quick = multiset_bound(counts.of(f), counts.of(g))
            heapq.heappush(heap, ((-quick, k, _QUICK) if quick >= move else (-0.0, k, _EXACT)))
        elif level == _QUICK:
            total = la + len(g.tokens)
            lcs = lcs_length(f.tokens, position_masks(g.tokens), len(g.tokens))
            heapq.heappush(heap, (-(2.0 * lcs / total if total else 1.0), k, _LCS))
        else:
            heapq.heappush(heap, (-similarity(f, g, None), k, _EXACT))
    raise ValueError("no options")
