"""Change points in a per-commit metric history: E-divisive means (Matteson & James 2014, the method
Apache Otava, formerly Hunter, and MongoDB run over benchmark histories).

Why: a slow drift is a sum of steps no single pair of commits shows; the distribution of the whole
history before a point against the one after it does. The statistic for a split of the segment
Z[s:e) at tau (with the second cluster ending at kappa, searched too, as in the paper) is

    Q(tau, kappa) = m n / (m + n) * ( 2/(m n) sum |x - y|^a - C(m,2)^-1 sum_{i<k} |x_i - x_k|^a
                                      - C(n,2)^-1 sum_{j<k} |y_j - y_k|^a )

with X = Z[s:tau) (m points), Y = Z[tau:kappa) (n points) and a in (0, 2) (1 by default): an energy
distance, zero in expectation when both come from one distribution, whatever that distribution is.

Significance: a permutation test. The segment's values are shuffled `permutations` times (a seeded
generator: the same history gives the same answer) and the maximum of Q recomputed each time; the
p-value is (1 + #{shuffled max >= observed max}) / (1 + permutations). The split is kept when
p <= alpha, and then each side is searched again (recursion) until no split is significant: in
pure noise the first test rejects with probability about alpha and the search stops there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

DEFAULT_ALPHA = 0.05
DEFAULT_PERMUTATIONS = 199
DEFAULT_MIN_SIZE = 3  # points on each side of a split: fewer cannot make a distribution


class ChangePointOptions(BaseModel):
    alpha: float = Field(default=DEFAULT_ALPHA, gt=0, lt=1)  # significance level of each split
    permutations: int = Field(default=DEFAULT_PERMUTATIONS, ge=19)  # 19: the smallest with p able to reach 0.05
    min_size: int = Field(default=DEFAULT_MIN_SIZE, ge=2)
    exponent: float = Field(default=1.0, gt=0, lt=2)  # a in |x - y|^a
    seed: int = 0  # of the permutation generator
    max_points: int = Field(default=10, ge=1)  # change points at most (the recursion's bound)


class ChangePoint(BaseModel):
    """The first index of a new segment, with the segments' means on both sides of it."""

    index: int  # Z[index] is the first value after the change
    p_value: float
    statistic: float
    before_mean: float  # mean of the segment before (from the previous change point)
    after_mean: float  # mean of the segment after (to the next change point)
    direction: Literal["increase", "decrease"]

    def relative_change(self) -> float:
        """(after - before) / |before| (inf when before is 0 and they differ)."""
        if self.before_mean == 0:
            return 0.0 if self.after_mean == 0 else float("inf") * np.sign(self.after_mean)
        return (self.after_mean - self.before_mean) / abs(self.before_mean)


def _integral(d: np.ndarray) -> np.ndarray:
    """S with S[i, j] = sum of d[:i, :j]."""
    s = np.zeros((d.shape[0] + 1, d.shape[1] + 1))
    s[1:, 1:] = d.cumsum(0).cumsum(1)
    return s


def _block(s: np.ndarray, r0: np.ndarray | int, r1: np.ndarray | int, c0: np.ndarray | int,
           c1: np.ndarray | int) -> np.ndarray:
    return np.asarray(s[r1, c1] - s[r0, c1] - s[r1, c0] + s[r0, c0])


def best_split(values: np.ndarray, min_size: int, exponent: float = 1.0) -> tuple[int, float]:
    """(tau, Q): the split of `values` maximising Q over tau and kappa (each cluster >= min_size);
    (-1, 0.0) when the segment is too short to split."""
    n = len(values)
    if n < 2 * min_size:
        return -1, 0.0
    d = np.abs(values[:, None] - values[None, :]) ** exponent
    s = _integral(d)
    tau, kappa = np.meshgrid(np.arange(min_size, n - min_size + 1), np.arange(2 * min_size, n + 1), indexing="ij")
    ok = kappa - tau >= min_size
    tau, kappa = tau[ok], kappa[ok]
    m, k = tau.astype(float), (kappa - tau).astype(float)
    between = _block(s, 0, tau, tau, kappa)  # sum over x in X, y in Y
    within_x = _block(s, 0, tau, 0, tau) / 2  # each pair counted twice in the square block
    within_y = _block(s, tau, kappa, tau, kappa) / 2
    e = 2 * between / (m * k) - within_x / (m * (m - 1) / 2) - within_y / (k * (k - 1) / 2)
    q = m * k / (m + k) * e
    i = int(np.argmax(q))
    return int(tau[i]), float(q[i])


def _significance(values: np.ndarray, observed: float, opts: ChangePointOptions, rng: np.random.Generator) -> float:
    """The permutation p-value; stops early once it must exceed alpha (then a lower bound of it, only
    ever used to reject: a reported change point's p-value is always the full count)."""
    hits = 0
    limit = opts.alpha * (1 + opts.permutations) - 1  # more hits than this: p > alpha
    for _ in range(opts.permutations):
        _, q = best_split(rng.permutation(values), opts.min_size, opts.exponent)
        hits += q >= observed
        if hits > limit:
            break
    return (1 + hits) / (1 + opts.permutations)


def change_points(history: Sequence[float], opts: ChangePointOptions | None = None) -> list[ChangePoint]:
    """Significant change points of `history` (in order), found by recursive E-divisive splits."""
    opts = opts or ChangePointOptions()
    z = np.asarray([float(v) for v in history], dtype=float)
    if not np.all(np.isfinite(z)):
        raise ValueError("the history holds a non-finite value")
    rng = np.random.default_rng(opts.seed)
    found: list[tuple[int, float, float]] = []  # (index, p, Q)
    pending = [(0, len(z))]
    while pending and len(found) < opts.max_points:
        start, end = pending.pop(0)
        tau, q = best_split(z[start:end], opts.min_size, opts.exponent)
        if tau < 0 or q <= 0:
            continue
        p = _significance(z[start:end], q, opts, rng)
        if p > opts.alpha:
            continue
        found.append((start + tau, p, q))
        pending += [(start, start + tau), (start + tau, end)]
    return _described(z, sorted(found))


def _described(z: np.ndarray, found: list[tuple[int, float, float]]) -> list[ChangePoint]:
    bounds = [0, *(i for i, _, _ in found), len(z)]
    out = []
    for j, (index, p, q) in enumerate(found, start=1):
        before, after = float(z[bounds[j - 1]:index].mean()), float(z[index:bounds[j + 1]].mean())
        out.append(ChangePoint(index=index, p_value=round(p, 4), statistic=round(q, 6), before_mean=before,
                               after_mean=after, direction="increase" if after > before else "decrease"))
    return out


def segments(n: int, points: Sequence[ChangePoint]) -> list[tuple[int, int]]:
    """[start, end) of each segment of a history of `n` values split at `points`."""
    bounds = [0, *(c.index for c in points), n]
    return list(zip(bounds[:-1], bounds[1:], strict=True))
