"""Benchmark: noise-tolerant bisection against a plain single-run bisection over many generated ranges.

Each range has N commits after the good one and a planted culprit at a random position; a seed's
metric is the commit's level plus Gaussian seed noise, the level `drop` lower from the culprit on
(`tests/support/bisect_sim.py`: in process, through the same search and decision code as the probe
runner). Per effect size (drop / seed sd) it prints, for the noise-tolerant bisection at the default
seeds: accuracy of the first bad commit (target >= 95 %), how often the answer is an honest range
(`ambiguous`) that contains the culprit, mean parallel rounds (target <= ceil(log2 N) + 1), mean runs;
and the same for a plain bisection with one run per commit (`git bisect run` with a threshold halfway
between the ends' runs), the baseline to beat. Ranges without a regression check that the answer is
"none". `--real K` also bisects K generated repositories through the real probe runner (a subprocess per
seed, in an exported checkout per commit).

    .venv/bin/python benchmarks/bench_bisect.py [--ranges 100] [--commits 64] [--effects 2.5,4,6] [--real 2]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from investigator.bisect.model import BisectStatus
from investigator.bisect.search import BisectOptions, Search
from tests.support.bisect_sim import Simulated, path, ref, sha

NOISE = 4.0  # seed sd of the simulated metric (level 100)


@dataclass
class Tally:
    correct: int = 0
    in_suspects: int = 0  # an ambiguous answer whose range holds the culprit
    wrong: int = 0  # a wrong commit named (the costly error)
    rounds: list[int] | None = None
    runs: list[int] | None = None

    def add(self, ok: bool, suspects_ok: bool, named: bool, rounds: int, runs: int) -> None:
        self.correct += ok
        self.in_suspects += suspects_ok
        self.wrong += named and not ok
        (self.rounds if self.rounds is not None else []).append(rounds)
        (self.runs if self.runs is not None else []).append(runs)


def plain_bisect(sim: Simulated, n: int) -> tuple[str, int, int]:
    """One run per commit, bad when below the midpoint of the ends' runs: (first bad, rounds, runs)."""
    value = {s: r[0].value for s, r in sim.measure([(sha(0), [1]), (sha(n), [1])], None).items()}
    threshold = ((value[sha(0)] or 0.0) + (value[sha(n)] or 0.0)) / 2
    lo, hi, rounds, runs = 0, n, 1, 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        got = sim.measure([(sha(mid), [1])], None)[sha(mid)][0].value
        rounds, runs = rounds + 1, runs + 1
        if got is not None and got < threshold:
            hi = mid
        else:
            lo = mid
    return sha(hi), rounds, runs


def one_effect(effect: float, ranges: int, commits: int) -> tuple[Tally, Tally]:
    noisy, plain = Tally(rounds=[], runs=[]), Tally(rounds=[], runs=[])
    for trial in range(ranges):
        culprit = random.Random(f"culprit:{trial}").randint(1, commits)
        sim = Simulated(culprit, noise=NOISE, drop=effect * NOISE, seed=trial)
        b = Search(sim, BisectOptions(), ref).run(path(commits), ref(sha(0)), ref(sha(commits)), "return")
        ok = b.status == BisectStatus.FOUND and b.first_bad == sha(culprit)
        noisy.add(ok, b.status == BisectStatus.AMBIGUOUS and sha(culprit) in b.suspects, b.first_bad is not None,
                  b.rounds, b.runs)
        first, rounds, runs = plain_bisect(Simulated(culprit, noise=NOISE, drop=effect * NOISE, seed=trial), commits)
        plain.add(first == sha(culprit), False, True, rounds, runs)
    return noisy, plain


def no_regression(ranges: int, commits: int) -> tuple[int, float]:
    """How many ranges without a regression answer `no_regression` (first bad null), and their mean runs."""
    none, runs = 0, []
    for trial in range(ranges):
        sim = Simulated(None, noise=NOISE, seed=10_000 + trial)
        b = Search(sim, BisectOptions(), ref).run(path(commits), ref(sha(0)), ref(sha(commits)), "return")
        none += b.status == BisectStatus.NO_REGRESSION and b.first_bad is None
        runs.append(b.runs)
    return none, statistics.mean(runs)


def real(k: int, commits: int, effect: float) -> None:
    """K generated repositories through the real probe runner (subprocesses, exported checkouts)."""
    from investigator.bisect.run import BisectRequest, run_bisect
    from tests.support.bisect_repo import COMMAND, linear_range

    print(f"\nreal probe runner: {k} generated repositories x {commits} commits, effect {effect:g} sd, cache off")
    for i in range(k):
        with tempfile.TemporaryDirectory() as tmp:
            culprit = random.Random(f"real:{i}").randint(1, commits)
            planted = linear_range(Path(tmp) / "repo", commits, culprit, noise=NOISE, drop=effect * NOISE / 100)
            start = time.perf_counter()
            b, _ = run_bisect(BisectRequest(repo=str(planted.repo), good=planted.shas[0], bad=planted.shas[-1],
                                            probe_command=COMMAND, output=Path(tmp) / "out", probe_cache="none"))
            ok = "correct" if b.first_bad == planted.culprit else f"WRONG ({b.status.value})"
            print(f"  culprit at {culprit:3d}: {ok}, {b.runs} runs in {b.rounds} rounds, "
                  f"{time.perf_counter() - start:.1f} s wall")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranges", type=int, default=100, help="generated ranges per effect size")
    ap.add_argument("--commits", type=int, default=64)
    ap.add_argument("--effects", default="2.5,4,6", help="regression sizes in seed standard deviations")
    ap.add_argument("--real", type=int, default=2, help="ranges bisected through the real probe runner")
    args = ap.parse_args()
    n = args.commits
    target = math.ceil(math.log2(n)) + 1
    print(f"{args.ranges} ranges of {n} commits per effect size; default seeds (3, up to 9); "
          f"target: accuracy >= 95 %, mean rounds <= {target}\n")
    print("| effect (sd) | method | first bad correct | range holds it | wrong commit named | mean rounds | max rounds | mean runs |")
    print("|---|---|---|---|---|---|---|---|")
    start = time.perf_counter()
    for effect in (float(e) for e in args.effects.split(",")):
        noisy, plain = one_effect(effect, args.ranges, n)
        for name, t in (("noise-tolerant (3 seeds)", noisy), ("plain, 1 run per commit", plain)):
            assert t.rounds is not None and t.runs is not None
            print(f"| {effect:g} | {name} | {t.correct / args.ranges:.0%} | {t.in_suspects / args.ranges:.0%} | "
                  f"{t.wrong / args.ranges:.0%} | {statistics.mean(t.rounds):.2f} | {max(t.rounds)} | "
                  f"{statistics.mean(t.runs):.1f} |")
    none, runs = no_regression(args.ranges, n)
    print(f"\nno regression planted: {none}/{args.ranges} answered no_regression with first_bad null "
          f"(mean {runs:.1f} runs); simulated part {time.perf_counter() - start:.0f} s")
    if args.real:
        real(args.real, min(n, 32), 4.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
