"""Benchmark: the serial phases before the analyzers' shared work, on a real commit range, in CPU
seconds of this process (the figure a loaded machine leaves comparable; wall follows the load).

Phases, each timed with `time.process_time` (this process only; a forked helper's CPU is read from
`os.times()` children): building the change set (git), triage (`triage_changeset`, its forked
helper beside), and the function pairing every code analyzer reads (`shared_pairs`). Each repetition
starts from a fresh change set, so nothing is cached between them. `--processes 1` keeps every phase
in one process (`INVESTIGATOR_PROCESSES`).

Usage:
  PYTHONPATH=CHECKOUT python benchmarks/bench_phases.py --repo /tmp/repos/skrl.git --baseline 1.4.3 \
      --candidate 2.0.0 [--repeat 3] [--processes 1]
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections.abc import Callable
from typing import Any


def _children() -> float:
    t = os.times()
    return t.children_user + t.children_system


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(value, CPU of this process, CPU of the child processes reaped meanwhile)."""
    cpu, kids = time.process_time(), _children()
    value = fn()
    return value, time.process_time() - cpu, _children() - kids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--processes", help="INVESTIGATOR_PROCESSES for the run")
    args = ap.parse_args()
    if args.processes:
        os.environ["INVESTIGATOR_PROCESSES"] = args.processes
    gc.disable()  # as the CLI runs an investigation (investigator.gc_pause)

    from investigator.detectors import pairs
    from investigator.detectors.analyzer import EQUIVALENT_KINDS
    from investigator.detectors.sources import changes_from_changeset
    from investigator.git import build_changeset, open_repository, resolve_range
    from investigator.playbooks_lib import load_playbooks
    from investigator.triage import triage_changeset

    playbooks = load_playbooks()
    handle = open_repository(args.repo)
    commits = resolve_range(handle, args.baseline, args.candidate)
    print(f"engine {pairs.__file__}")
    for n in range(args.repeat):
        pairs._SHARED.clear()
        cs, cs_cpu, cs_kids = timed(lambda: build_changeset(handle, commits))
        tri, tri_cpu, tri_kids = timed(lambda cs=cs: triage_changeset(cs, playbooks))
        equivalent = {e.path for e in tri.entries if e.change_kind in EQUIVALENT_KINDS and e.language == "python"}
        changes = changes_from_changeset(cs)
        index, pair_cpu, _ = timed(lambda cs=cs, ch=changes, eq=equivalent: pairs.shared_pairs(cs.baseline, cs.candidate, ch, eq))
        print(f"#{n + 1}: {len(cs.files)} files; change set {cs_cpu:.2f} s (+{cs_kids:.2f} git); "
              f"triage {tri_cpu:.2f} s (+{tri_kids:.2f} helper/git); pairing {pair_cpu:.2f} s "
              f"({len(index.pairs)} pairs); load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
