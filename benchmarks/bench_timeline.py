"""Benchmark: where the `investigate` process's CPU goes, split by whether the second core had work.

A sampler thread reads every other thread's own CPU clock (`time.pthread_getcpuclockid`) and stack every
3 ms while the CLI runs in this process exactly as the console script does (`main()` without argv, so the
cyclic collector, `gc.freeze` and the exit without teardown are the real ones; the summary is printed by
an `atexit` handler, which that exit runs). Each CPU slice is charged to the workflow step on its stack
(or to `import` when the import machinery is on it) and marked *parallel* while a forked helper
(`investigator.parallel`) is alive, *serial* otherwise: serial CPU is time the second core sits idle,
the part a two-core wall time cannot hide. The shares matter, not the seconds: the sampler costs a
little CPU and a loaded machine stretches every figure.

Usage (from a checkout; the CLI's own arguments after `--`):
  PYTHONPATH=CHECKOUT python benchmarks/bench_timeline.py [--top 40] -- --repo /tmp/repos/d3rlpy.git \
      --baseline-commit v1.1.1 --candidate-commit v2.0.2 --output /tmp/out --analyzer-budget 5000
"""

from __future__ import annotations

import atexit
import collections
import sys
import threading
import time
from types import FrameType
from typing import Any

STEPS = ("resolve", "diff", "triage", "plan", "analyze", "rank", "attribute", "probe_plan", "probe", "verify", "report")

SAMPLES: list[tuple[float, tuple[str, ...], int]] = []  # (CPU seconds, stack outermost first, helpers alive)
ALIVE = [0]
STOP = threading.Event()


def _stack(frame: FrameType | None) -> tuple[str, ...]:
    names: list[str] = []
    while frame is not None:
        names.append(f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}")
        frame = frame.f_back
    return tuple(reversed(names))


def _sample() -> None:
    me = threading.get_ident()
    last: dict[int, float] = {}
    while not STOP.is_set():
        time.sleep(0.003)
        for tid, frame in sys._current_frames().items():
            if tid == me:
                continue
            try:
                cpu = time.clock_gettime(time.pthread_getcpuclockid(tid))
            except (OSError, ValueError):
                continue  # the thread ended
            d = cpu - last.get(tid, cpu)
            last[tid] = cpu
            if d > 0:
                SAMPLES.append((d, _stack(frame), ALIVE[0]))


def _step(stack: tuple[str, ...]) -> str:
    for name in stack:
        if name.startswith("investigator.workflow.graph.") and name.rsplit(".", 1)[1] in STEPS:
            return name.rsplit(".", 1)[1]
    if any("importlib" in s or "_find_and_load" in s for s in stack):
        return "import"
    return "analyzers" if any(s.startswith("investigator.budget.") for s in stack) else "other"


def summary(top: int, start: float) -> None:
    STOP.set()
    by_step: dict[tuple[str, str], float] = collections.defaultdict(float)
    serial_fn: dict[tuple[str, str], float] = collections.defaultdict(float)
    total: dict[str, float] = collections.defaultdict(float)
    for d, stack, alive in list(SAMPLES):
        step, kind = _step(stack), "parallel" if alive else "serial"
        by_step[(step, kind)] += d
        total[kind] += d
        if not alive:
            for name in dict.fromkeys(s for s in stack if s.startswith("investigator")):
                serial_fn[(step, name)] += d
    out = sys.stderr
    print(f"wall {time.time() - start:.2f} s; sampled CPU of this process: serial {total['serial']:.2f} s, "
          f"parallel {total['parallel']:.2f} s", file=out)
    for (step, kind), d in sorted(by_step.items(), key=lambda kv: -kv[1]):
        print(f"  {step:12s} {kind:9s} {d:6.2f}", file=out)
    print("serial CPU, inclusive, by function:", file=out)
    for (step, name), d in sorted(serial_fn.items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {d:6.2f} {step:10s} {name}", file=out)
    out.flush()


def main() -> None:
    argv = sys.argv[1:]
    top = 40
    if argv[:1] == ["--top"]:
        top, argv = int(argv[1]), argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    start = time.time()
    threading.Thread(target=_sample, daemon=True).start()
    from investigator import parallel

    real_start, real_wait = parallel.start, parallel.wait

    def start_helper(*a: Any, **k: Any) -> Any:
        helper = real_start(*a, **k)
        ALIVE[0] += 1
        return helper

    def wait_helper(*a: Any, **k: Any) -> Any:
        try:
            return real_wait(*a, **k)
        finally:
            ALIVE[0] -= 1

    parallel.start, parallel.wait = start_helper, wait_helper
    atexit.register(summary, top, start)
    from investigator import cli

    sys.argv = ["investigate", *argv]
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
