"""A simulated watched branch for the watch's tick code: commits are positions, each with a true metric
level; a seed's metric is its commit's level plus Gaussian seed noise (deterministic per commit, seed
and trial); the branch's head moves forward when the test or the benchmark says so.

Why: the tick's decisions (dedupe, bisection, resolve, drift) are tested and benchmarked over hundreds
of commits in seconds, through the same `TickRunner`, search and state code as `investigate watch`;
`tests/watch/test_watch_e2e.py` runs the real thing on a generated repository.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from investigator.bisect.path import CommitPath
from investigator.bisect.search import SeedResult
from investigator.models import CommitRef
from tests.support.bisect_sim import sha


def position(s: str) -> int:
    return int(s[4:8])


@dataclass
class SimBranch:
    """`levels[p]`: the true metric at position p; `head_at`: the visible head; a result cache like
    the probe runner's (a (commit, seed) runs once: `fresh_runs` counts what actually ran)."""

    levels: list[float]
    noise: float = 5.0
    trial: int = 0
    head_at: int = 0
    fresh_runs: int = 0
    cache: dict[tuple[str, int], float] = field(default_factory=dict)
    subjects: dict[int, str] = field(default_factory=dict)

    # -- Source
    def head(self) -> str:
        return sha(self.head_at)

    def path(self, good: str, bad: str) -> CommitPath:
        return CommitPath([sha(p) for p in range(position(good), position(bad) + 1)])

    def is_ancestor(self, older: str, newer: str) -> bool:
        return position(older) <= position(newer)

    def ref(self, s: str, via: str | None = None) -> CommitRef:
        p = position(s)
        return CommitRef(sha=s, short=s[:7], subject=self.subjects.get(p, f"commit {p}"), author="t", date="2026-01-01",
                         via_merge=via)

    def branch(self, merge: str) -> CommitPath | None:
        return None

    # -- Measurer
    def value(self, s: str, seed: int) -> float:
        if (s, seed) not in self.cache:
            self.fresh_runs += 1
            rng = random.Random(f"{self.trial}:{s}:{seed}")
            self.cache[(s, seed)] = self.levels[position(s)] + rng.gauss(0.0, self.noise)
        return self.cache[(s, seed)]

    def measure(self, requests: list[tuple[str, list[int]]], deadline: float | None) -> dict[str, list[SeedResult]]:
        out: dict[str, list[SeedResult]] = {}
        for s, seeds in requests:
            for seed in seeds:
                cached = (s, seed) in self.cache
                out.setdefault(s, []).append(SeedResult(self.value(s, seed), cached=cached))
        return out


def steps(n: int, level: float = 100.0, changes: dict[int, float] | None = None,
          drift: tuple[int, int, float] | None = None) -> list[float]:
    """Levels of positions 0..n: `changes[p]` multiplies the level from p on (0.85: a 15 % drop at p;
    1 / 0.85 later: its fix); `drift` = (start, end, total) lowers it linearly by `total` (a share)
    from start to end, and keeps it there."""
    out, current = [], level
    for p in range(n + 1):
        current *= (changes or {}).get(p, 1.0)
        d = 0.0
        if drift is not None:
            start, end, total = drift
            d = total * min(1.0, max(0.0, (p - start) / (end - start)))
        out.append(current * (1.0 - d))
    return out
