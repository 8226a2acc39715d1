"""Benchmark: the whole `investigate` run on a real commit range, CPU and wall time per step.

Runs the CLI (static, `--format json`) in a fresh process per repetition, as a user would, with the
steps instrumented from outside: the CPU time of the thread that runs each step (`time.thread_time`:
the main thread for resolve/diff/triage/rank/attribute, the analyzer's own thread for each analyzer),
the process's CPU time and wall time from its first line (imports included) to the last `atexit`
handler, and, from the parent, the wall time and
user+sys CPU of the whole process (git subprocesses and interpreter exit included). On a shared
machine wall time follows the load; CPU time is the comparable figure. The analyzers that share their
pairs with a forked helper (`investigator.parallel`) show its CPU beside theirs ("+N helper"); the
interpreter's own CPU ("interpreter ... s CPU", helpers not counted) is then about the wall time of the
run on two idle cores (the helper computes its share while the interpreter computes its own).

`--dump F` writes the report of the last repetition normalised for comparison (run ids, timings,
durations and the output path left out); `compare A B` says whether two dumps are identical and, if
not, which sections differ. A speed change must leave the dump identical.

Usage:
  python benchmarks/bench_real_range.py run --repo /tmp/repos/skrl.git --baseline 1.4.3 --candidate 2.0.0 \
      [--repeat 3] [--dump out.json] [--budget 120] [--pythonpath DIR] [--profile DIR]
  python benchmarks/bench_real_range.py compare a.json b.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VOLATILE_KEYS = {"generated_at", "run_id", "timings", "artifacts", "request", "duration_s", "diff_seconds",
                 "seconds", "wall_s"}

CHILD = r"""
import time
wall0, cpu0 = time.perf_counter(), time.process_time()
import cProfile, json, os, sys
import investigator.workflow.graph as graph

steps = {}
children = {}  # CPU of the child processes reaped during the step: forked helpers (and git)
PROFILE = os.environ.get("BENCH_PROFILE")

def _children_cpu():
    t = os.times()
    return t.children_user + t.children_system

def measured(key, fn):
    t0 = time.thread_time()
    c0 = _children_cpu()
    # BENCH_PROFILE_CLOCK=thread: the step thread's CPU clock (on a loaded machine the default wall clock
    # charges each function the time other processes held the core)
    clock = time.thread_time if os.environ.get("BENCH_PROFILE_CLOCK") == "thread" else None
    profiler = (cProfile.Profile(clock) if clock else cProfile.Profile()) if PROFILE else None
    if profiler:
        profiler.enable()
    try:
        return fn()
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(os.path.join(PROFILE, key.replace(":", "_") + ".prof"))
        steps[key] = time.thread_time() - t0
        children[key] = _children_cpu() - c0  # other threads' children too: exact for the analyzers that take turns
real_budget = graph.run_with_budget

def run_with_budget(fn, seconds, name="analyzer"):
    return real_budget(lambda: measured("analyze:" + name, fn), seconds, name)

real_timed = graph.Pipeline._timed

def _timed(self, step, work, detail):
    return real_timed(self, step, lambda: measured(step, work), detail)

graph.run_with_budget = run_with_budget
graph.Pipeline._timed = _timed
def write_steps():  # at exit: the CLI may end the process itself once the report is written
    with open(os.environ["BENCH_STEPS"], "w") as fh:
        json.dump({"steps": steps, "children": children, "main_wall": time.perf_counter() - wall0, "main_cpu": time.process_time() - cpu0,
                   "engine": os.path.realpath(graph.__file__)}, fh)

import atexit
atexit.register(write_steps)
from investigator.cli import main
sys.exit(main())
"""


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def normalised(report: Path) -> dict[str, Any]:
    """The report without what changes from run to run (ids, times, the output directory)."""
    data = json.loads(report.read_text())
    out = _strip(data)
    text = json.dumps(out, sort_keys=True).replace(str(report.parent), "<out>")
    if data.get("run_id"):  # also in the paths of probe logs
        text = text.replace(str(data["run_id"]), "<run>")
    return json.loads(text)


def run_once(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """One fresh `investigate` process; its step CPU times, wall and whole-process CPU."""
    steps_file = out / "steps.json"
    env = dict(os.environ, BENCH_STEPS=str(steps_file))
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        env["BENCH_PROFILE"] = str(Path(args.profile).resolve())
        env["BENCH_PROFILE_CLOCK"] = args.profile_clock
    if args.pythonpath:
        env["PYTHONPATH"] = args.pythonpath
    # -P and a neutral working directory: `-c` would otherwise put the caller's directory (a checkout
    # of the engine?) ahead of PYTHONPATH, and measure that code instead of the one asked for
    cmd = [sys.executable, "-P", "-c", CHILD, "--repo", args.repo, "--baseline-commit", args.baseline,
           "--candidate-commit", args.candidate, "--format", "json", "--output", str(out / "report"),
           "--quiet", "--analyzer-budget", str(args.budget)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=out)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"investigate exited {proc.returncode}: {proc.stderr[-2000:]}")
    info = json.loads(steps_file.read_text())
    engine = info.get("engine", "")
    if args.pythonpath and not engine.startswith(str(Path(args.pythonpath).resolve())):
        raise SystemExit(f"the run imported the engine from {engine}, not from {args.pythonpath}")
    return {
        "wall": wall, "load": load,
        "user": after.ru_utime - before.ru_utime, "sys": after.ru_stime - before.ru_stime,
        "main_wall": info["main_wall"], "main_cpu": info["main_cpu"], "steps": info["steps"],
        "children": info.get("children", {}),
        "summary": proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "",
    }


def cmd_run(args: argparse.Namespace) -> None:
    runs = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-real-") as tmp:
            run = run_once(args, Path(tmp))
            runs.append(run)
            steps = " · ".join(f"{k.removeprefix('analyze:')} {v:.1f}"
                               + (f" (+{run['children'][k]:.1f} helper)" if run["children"].get(k, 0) >= 0.05
                                  and k.startswith("analyze:") else "")
                               for k, v in run["steps"].items() if v >= 0.05)
            print(f"#{i + 1}: wall {run['wall']:.1f} s, CPU {run['user'] + run['sys']:.1f} s "
                  f"(user {run['user']:.1f}, sys {run['sys']:.1f}); interpreter to its last atexit handler {run['main_wall']:.1f} s wall, "
                  f"{run['main_cpu']:.1f} s CPU; load {run['load']:.1f}\n    CPU per step: {steps}\n    {run['summary']}",
                  flush=True)
            if args.dump and i == args.repeat - 1:
                report = Path(tmp) / "report" / "latest.json"
                Path(args.dump).write_text(json.dumps(normalised(report), sort_keys=True, indent=1))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(runs, indent=1))
    cpus = sorted(r["user"] + r["sys"] for r in runs)
    walls = sorted(r["wall"] for r in runs)
    print(f"{args.baseline}..{args.candidate}: CPU min {cpus[0]:.1f} s, median {cpus[len(cpus) // 2]:.1f} s; "
          f"wall min {walls[0]:.1f} s, median {walls[len(walls) // 2]:.1f} s (n={len(runs)})")


def cmd_compare(args: argparse.Namespace) -> None:
    a, b = json.loads(Path(args.a).read_text()), json.loads(Path(args.b).read_text())
    differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if not differ:
        print(f"identical ({len(a.get('findings', []))} findings, {len(a.get('no_effect', []))} no-effect)")
        return
    for key in differ:
        print(f"differs: {key}")
    sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--repo", required=True)
    run.add_argument("--baseline", required=True)
    run.add_argument("--candidate", required=True)
    run.add_argument("--repeat", type=int, default=1)
    run.add_argument("--budget", type=float, default=120.0, help="--analyzer-budget of the runs")
    run.add_argument("--dump", help="normalised report of the last run, for `compare`")
    run.add_argument("--json-out", help="all figures as JSON")
    run.add_argument("--profile", help="directory for one cProfile file per step (STEP.prof; slows the run)")
    run.add_argument("--profile-clock", choices=("wall", "thread"), default="wall",
                     help="the profiler's clock: wall (cProfile's default) or the step thread's CPU time")
    run.add_argument("--pythonpath", help="PYTHONPATH of the runs (another checkout of the engine)")
    run.set_defaults(handler=cmd_run)
    cmp = sub.add_parser("compare")
    cmp.add_argument("a")
    cmp.add_argument("b")
    cmp.set_defaults(handler=cmd_compare)
    args = ap.parse_args()
    args.handler(args)


if __name__ == "__main__":
    main()
