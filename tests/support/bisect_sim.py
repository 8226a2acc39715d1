"""An in-process measurer for the bisection's decision code: commits are positions on a line, the
metric of a seed is the level of its position plus seed noise (deterministic per commit, seed and
noise seed), and chosen positions skip (exit 125) or have seeds that fail.

Why in process: the search's logic (rounds, seeds, skips, merges, budget) is tested and benchmarked
over thousands of ranges in seconds; `tests/bisect/test_repo_bisect.py` runs the same code through
the real probe runner on generated repositories.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from investigator.bisect.path import CommitPath
from investigator.bisect.search import SeedResult
from investigator.models import CommitRef


def sha(position: int, branch: str = "") -> str:
    """A fake 40-character sha naming a position (and a branch)."""
    return f"{branch or 'main'}{position:04d}".ljust(40, "0")


def ref(s: str, via: str | None = None) -> CommitRef:
    return CommitRef(sha=s, short=s[:7], subject=f"commit {s[:8]}", author="t", date="2026-01-01", via_merge=via)


def path(n: int, branch: str = "") -> CommitPath:
    return CommitPath([sha(p, branch) for p in range(n + 1)])


@dataclass
class Simulated:
    """Positions >= `culprit` (or the commits in `bad`) are `drop` lower; `noise` is the seed sd."""

    culprit: int | None
    noise: float = 4.0
    drop: float = 25.0
    level: float = 100.0
    seed: int = 0
    bad: set[str] = field(default_factory=set)  # shas bad regardless of position (a merged branch)
    skip: set[str] = field(default_factory=set)
    fail: dict[str, set[int]] = field(default_factory=dict)  # sha -> seeds that fail
    calls: list[list[tuple[str, list[int]]]] = field(default_factory=list)

    def value(self, s: str, seed: int) -> float:
        position = int(s[4:8])
        worse = s in self.bad or (self.culprit is not None and s.startswith("main") and position >= self.culprit)
        rng = random.Random(f"{self.seed}:{s}:{seed}")
        return self.level - (self.drop if worse else 0.0) + rng.gauss(0.0, self.noise)

    def measure(self, requests: list[tuple[str, list[int]]], deadline: float | None) -> dict[str, list[SeedResult]]:
        self.calls.append(requests)
        out: dict[str, list[SeedResult]] = {}
        for s, seeds in requests:
            for seed in seeds:
                if s in self.skip:
                    result = SeedResult(None, "skip", f"seed {seed}: the command exited 125")
                elif seed in self.fail.get(s, set()):
                    result = SeedResult(None, "failed", f"seed {seed}: exit code 1: boom")
                else:
                    result = SeedResult(self.value(s, seed), wall_s=1.0)
                out.setdefault(s, []).append(result)
        return out
