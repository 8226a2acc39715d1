"""Benchmark: metric forensics on long curves (1,000,000-row CSV exports x 3 seeds per side).

Writes wide CSV histories (a step column and six metrics, one row per step) for a baseline and a
regressed candidate, then times, in this process, loading each side and the analysis with figures
(`run_engine`), and, in a fresh process, the whole logs-only CLI run (`investigate --baseline-runs
... --candidate-runs ...`, md report). Prints each figure and the findings, so a slowdown or a lost
finding both show.

    .venv/bin/python benchmarks/bench_metrics.py [--rows 1000000] [--seeds 3] [--data DIR] [--profile]

`--data DIR` keeps the generated CSVs there (and reuses them when present), so that another checkout
can be measured on the same files: `PYTHONPATH=/other/checkout python benchmarks/bench_metrics.py --data DIR`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from investigator.metrics.aliases import MetricCatalog  # noqa: E402
from investigator.metrics.engine import markdown, run_engine  # noqa: E402
from investigator.metrics.loading import load_side  # noqa: E402
from investigator.metrics.rules import RuleOptions  # noqa: E402
from tests.support.metric_logs import make_curve  # noqa: E402


def write_side(root: Path, rows: int, seeds: int, end: float, seed0: int, narrow: bool = False) -> None:
    root.mkdir(parents=True, exist_ok=True)
    steps = np.arange(rows, dtype=np.int64) * 8
    for s in range(seeds):
        seed = seed0 + s
        table = pd.DataFrame(
            {
                "global_step": steps,
                "charts/episodic_return": make_curve(steps, start=0, end=end, noise=5, seed=seed),
                "losses/entropy": make_curve(steps, start=1.4, end=0.6, noise=0.02, seed=seed + 100),
                "losses/value_loss": make_curve(steps, start=1.0, end=0.2, noise=0.05, seed=seed + 200),
                "losses/approx_kl": make_curve(steps, start=0.02, end=0.01, noise=0.002, seed=seed + 300),
                "charts/learning_rate": make_curve(steps, start=3e-4, end=0, shape="linear"),
                "charts/SPS": make_curve(steps, start=1000, shape="constant", noise=20, seed=seed),
            }
        )
        if narrow:  # the shape of a plain progress.csv: a step and the return
            table = table[["global_step", "charts/episodic_return"]]
        table.to_csv(root / f"seed{s}.csv", index=False, float_format="%.6g")


def timed(label: str, fn, figures: dict[str, tuple[float, float]]):
    """Wall and CPU seconds (CPU tells the work apart from a busy machine's waiting)."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    figures[label] = (time.perf_counter() - start, time.process_time() - cpu)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print the top functions of the in-process analysis")
    ap.add_argument("--data", type=Path, help="keep (or reuse) the generated CSVs in this directory")
    ap.add_argument("--narrow", action="store_true", help="two columns (step, return) instead of seven")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        root = args.data or Path(tmp)
        t0 = time.perf_counter()
        if not (root / "cand" / f"seed{args.seeds - 1}.csv").is_file():
            write_side(root / "base", args.rows, args.seeds, end=100, seed0=0, narrow=args.narrow)
            write_side(root / "cand", args.rows, args.seeds, end=60, seed0=50, narrow=args.narrow)
        size = sum(p.stat().st_size for p in (root / "base").glob("*.csv")) + sum(
            p.stat().st_size for p in (root / "cand").glob("*.csv")
        )
        print(
            f"{2 * args.seeds} CSVs x {args.rows:,} rows x {2 if args.narrow else 7} columns ({size / 2**20:.0f} MiB), "
            f"written or found in {time.perf_counter() - t0:.1f} s"
        )
        figures: dict[str, tuple[float, float]] = {}
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        base, _ = timed("load baseline", lambda: load_side([str(root / "base")]), figures)
        cand, _ = timed("load candidate", lambda: load_side([str(root / "cand")]), figures)
        catalog = MetricCatalog()
        out = timed(
            "analysis + figures",
            lambda: run_engine(base, cand, catalog, RuleOptions(), Path(tmp) / "out"),
            figures,
        )
        timed("report section", lambda: markdown(out, base, cand, catalog, RuleOptions()), figures)
        if profiler:
            profiler.disable()
        for label, (wall, cpu) in figures.items():
            print(f"{label:<20} {wall:7.2f} s wall {cpu:7.2f} s CPU")
        total_wall = sum(w for w, _ in figures.values())
        total_cpu = sum(c for _, c in figures.values())
        print(f"{'in-process total':<20} {total_wall:7.2f} s wall {total_cpu:7.2f} s CPU")
        for f in sorted(out.findings, key=lambda f: -f.severity.weight):
            print(f"  finding: {f.severity.value:<11} {f.title}")
        cli = [
            sys.executable,
            "-m",
            "investigator.cli",
            "--baseline-runs",
            str(root / "base"),
            "--candidate-runs",
            str(root / "cand"),
            "--output",
            str(Path(tmp) / "report"),
            "--quiet",
        ]
        start = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print(
            f"{'CLI (fresh process)':<20} {wall:7.2f} s wall {cpu:7.2f} s CPU  exit {proc.returncode}: "
            f"{proc.stdout.strip().splitlines()[-1:]}"
        )
        if proc.returncode not in (0, 1):
            print(proc.stderr)
        if profiler:
            buf = io.StringIO()
            pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(25)
            print(buf.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
