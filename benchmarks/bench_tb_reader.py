"""Benchmark: the fast event-file reader vs tbparse on 1,000,000 scalars (20 tags x 50,000 steps).

Each reader runs in its own fresh subprocess so that its peak memory (ru_maxrss) is its own; the
frames both return are then compared value for value (steps, tags, float values, wall times).

    .venv/bin/python benchmarks/bench_tb_reader.py [--tags 20] [--steps 50000] [--writer raw|torch]
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import pickle, resource, sys, time
sys.path.insert(0, {root!r})

def status_kb(key):
    # VmHWM (peak RSS) is per address space, so unlike ru_maxrss it is not inherited across exec
    try:
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

reader, logdir, out = sys.argv[1], sys.argv[2], sys.argv[3]
import pandas, numpy  # imports are not part of the load time
if reader == "tbparse":
    from tbparse import SummaryReader
else:
    from investigator.metrics.tfrecord import read_scalars
rss_before = status_kb("VmRSS")
t0 = time.perf_counter()
if reader == "tbparse":
    frame = SummaryReader(logdir, extra_columns={{"wall_time"}}).scalars[["step", "tag", "value", "wall_time"]]
else:
    frame, problems = read_scalars(logdir)
    assert not problems, problems
seconds = time.perf_counter() - t0
rss_after = status_kb("VmHWM")
with open(out, "wb") as fh:
    pickle.dump({{"seconds": seconds, "rss_before_kb": rss_before, "peak_rss_kb": rss_after,
                  "step": frame["step"].to_numpy(), "tag": frame["tag"].astype(str).to_numpy(dtype=object),
                  "value": frame["value"].to_numpy(), "wall_time": frame["wall_time"].to_numpy()}}, fh)
"""


def run_reader(reader: str, logdir: Path, workdir: Path) -> dict:
    out = workdir / f"{reader}.pkl"
    subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), reader, str(logdir), str(out)],
        check=True,
        cwd=ROOT,
    )
    with out.open("rb") as fh:
        return pickle.load(fh)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--writer", choices=["raw", "torch"], default="raw")
    args = parser.parse_args()

    from tests.support.metric_logs import write_tensorboard_run

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        logdir = workdir / "run"
        rng = np.random.default_rng(0)
        steps = np.arange(args.steps, dtype=np.int64) * 128
        curves = {
            f"{group}/metric_{i:02d}": (steps, np.cumsum(rng.normal(size=args.steps)).astype(np.float32))
            for i, group in zip(
                range(args.tags), ["charts", "losses", "train", "perf"] * args.tags, strict=False
            )
        }
        t0 = time.perf_counter()
        path = write_tensorboard_run(logdir, curves, writer=args.writer)
        written = time.perf_counter() - t0
        scalars = args.tags * args.steps
        print(
            f"wrote {scalars:,} scalars ({args.tags} tags x {args.steps:,} steps) to {path.name}: "
            f"{path.stat().st_size / 1e6:.1f} MB in {written:.1f} s ({args.writer} writer)"
        )

        fast = run_reader("fast", logdir, workdir)
        slow = run_reader("tbparse", logdir, workdir)

        identical = (
            len(fast["step"]) == len(slow["step"]) == scalars
            and np.array_equal(fast["step"], slow["step"])
            and np.array_equal(fast["value"], slow["value"])
            and np.array_equal(fast["wall_time"], slow["wall_time"])
            and bool((fast["tag"] == slow["tag"]).all())
        )
        for name, r in (("tbparse", slow), ("fast reader", fast)):
            print(
                f"{name:12s} load {r['seconds']:7.2f} s   {scalars / r['seconds'] / 1e6:6.2f} M scalars/s   "
                f"peak RSS {r['peak_rss_kb'] / 1024:6.0f} MiB (+{(r['peak_rss_kb'] - r['rss_before_kb']) / 1024:.0f} MiB over the "
                f"{r['rss_before_kb'] / 1024:.0f} MiB after imports)"
            )
        print(f"speed-up: {slow['seconds'] / fast['seconds']:.1f}x")
        print(f"values identical (step, tag, value, wall_time; {scalars:,} rows): {identical}")
        return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
