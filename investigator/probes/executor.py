"""Run many probe jobs over the device slots, reusing cached results, within a deadline.

The workflow hands over every job of one probe (both sides, all seeds); independent jobs run in
parallel, one per free slot (`devices.py` decides the slots: one per CUDA device by default, or
CPU slots with thread limits). A job found in the result cache is not run again. Jobs not started
before the deadline are recorded as `skipped` (the budget ran out), never silently dropped.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from investigator.models import Side
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.probes.runner import CheckoutCache, Slot, run_job


class ResultStore(Protocol):
    """What the executor needs of a result cache (`probes.cache.ResultCache`)."""

    def get(self, job: ProbeJob, commit: str) -> ProbeRun | None: ...

    def put(self, job: ProbeJob, commit: str, run: ProbeRun) -> None: ...


@dataclass
class ProbeEnvironment:
    """Where and how jobs of this investigation run (built once by the workflow)."""

    commits: dict[Side, str]
    checkouts: CheckoutCache
    artifacts: Path
    slots: list[Slot] = field(default_factory=lambda: [Slot()])
    adapters: dict[Side, str | None] = field(default_factory=dict)
    auto: dict[Side, dict[str, str]] = field(default_factory=dict)  # functions found without an adapter
    cache: ResultStore | None = None
    python: str | None = None  # interpreter for the jobs (default: this one)


def _skipped(job: ProbeJob, commit: str, why: str) -> ProbeRun:
    return ProbeRun(probe=job.probe, side=job.side, commit=commit, status=ProbeStatus.skipped, seed=job.seed,
                    params=job.params, error=why)


def execute(jobs: list[ProbeJob], env: ProbeEnvironment, deadline: float | None = None,
            on_run: Callable[[ProbeRun], None] | None = None) -> list[ProbeRun]:
    """Every job's run, in the order of `jobs`. `deadline` is a `time.monotonic()` value."""
    free: queue.Queue[Slot] = queue.Queue()
    for slot in env.slots:
        free.put(slot)

    def one(job: ProbeJob) -> ProbeRun:
        commit = env.commits[job.side]
        cached = env.cache.get(job, commit) if env.cache is not None else None
        if cached is not None:
            run = cached.model_copy(update={"cached": True})
        elif deadline is not None and time.monotonic() >= deadline:
            run = _skipped(job, commit, "not run: the probe budget (--probe-budget) was spent")
        else:
            run = _run(job, commit)
        if on_run is not None:
            on_run(run)
        return run

    def _run(job: ProbeJob, commit: str) -> ProbeRun:
        try:
            checkout = env.checkouts.checkout(commit)
        except Exception as exc:  # export or setup failed: nothing ran, and it is said
            return _skipped(job, commit, "").model_copy(update={"status": ProbeStatus.setup_failed, "error": str(exc)[:500]})
        slot = free.get()
        try:
            kwargs = {"python": env.python} if env.python else {}
            run = run_job(job, commit=commit, checkout=checkout, artifacts=env.artifacts, slot=slot,
                          adapter=env.adapters.get(job.side), auto=env.auto.get(job.side), **kwargs)
        finally:
            free.put(slot)
        if env.cache is not None and run.ok:
            env.cache.put(job, commit, run)
        return run

    with ThreadPoolExecutor(max_workers=max(1, len(env.slots)), thread_name_prefix="probe") as pool:
        return list(pool.map(one, jobs))
