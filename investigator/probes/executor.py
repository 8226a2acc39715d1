"""Run many probe jobs over the device slots, reusing cached results, within a deadline.

The workflow hands over every job of one probe (both sides, all seeds); independent jobs run in
parallel, one per free slot (`devices.py` decides the slots: one per CUDA device by default, or
CPU slots with thread limits). A job found in the result cache is not run again. Jobs not started
before the deadline are recorded as `skipped` (the budget ran out), never silently dropped.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from investigator.models import Side
from investigator.probes import cache as result_cache
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.probes.runner import CheckoutCache, Slot, run_job


class ResultStore(Protocol):
    """What the executor needs of a result cache (`probes.cache.ResultCache`). `scope` is the
    environment part of the key (`cache.scope`): the executor computes it once per side."""

    def get(self, job: ProbeJob, commit: str, scope: str = "") -> ProbeRun | None: ...

    def put(self, job: ProbeJob, commit: str, run: ProbeRun, scope: str = "") -> None: ...


class RemoteBackend(Protocol):
    """Runs a job elsewhere (`ray_backend.RayBackend`): makes its own checkout of `key`, returns the run with
    its artifacts brought into `artifacts`; never raises for the job's failures."""

    describe: str

    def run(self, job: ProbeJob, key: str, side: Side, artifacts: Path, checkouts: CheckoutCache, adapter: str | None,
            auto: dict[str, str] | None, python: str | None, stop: threading.Event) -> ProbeRun: ...


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
    repo: str = ""  # the repository's identity in the cache key (default: its git directory, resolved)
    backend: RemoteBackend | None = None  # None: jobs run here, on `slots`; else each slot is a remote task at once
    unavailable: str | None = None  # why no job can run (the cluster asked for cannot be reached): each is skipped

    def cache_scope(self, side: Side) -> str:
        """The environment part of the cache key for `side` (see `probes.cache`)."""
        repo = self.repo or str(Path(self.checkouts.git_dir).resolve())
        kind = self.slots[0].device.split(":")[0] if self.slots else "cpu"
        return result_cache.scope(repo=repo, python=self.python or sys.executable, adapter=self.adapters.get(side),
                           auto=self.auto.get(side), setup_command=self.checkouts.setup_command,
                           device_kind=f"{kind}@remote" if self.backend is not None else kind)


def _skipped(job: ProbeJob, commit: str, why: str) -> ProbeRun:
    return ProbeRun(probe=job.probe, side=job.side, commit=commit, status=ProbeStatus.skipped, seed=job.seed,
                    params=job.params, error=why)


PROBE_BUDGET = "the probe budget (--probe-budget)"
_MIN_JOB_S = 1.0  # a job started just before the deadline still gets this long


class _Execution:
    """One `execute` call: the free slots, the scopes, the stop flag, the serialised callback."""

    def __init__(self, env: ProbeEnvironment, deadline: float | None, on_run: Callable[[ProbeRun], None] | None,
                 budget: str = PROBE_BUDGET) -> None:
        self.env, self.deadline, self.on_run, self.budget = env, deadline, on_run, budget
        self.free: queue.Queue[Slot] = queue.Queue()
        for slot in env.slots or [Slot()]:
            self.free.put(slot)
        self.stop = threading.Event()
        self._scopes: dict[Side, str] = {}
        self._lock = threading.Lock()

    def scope(self, side: Side) -> str:
        with self._lock:
            if side not in self._scopes:
                self._scopes[side] = self.env.cache_scope(side)
            return self._scopes[side]

    def one(self, job: ProbeJob) -> ProbeRun:
        commit = job.commit or self.env.commits[job.side]
        store = self.env.cache
        cached = store.get(job, commit, self.scope(job.side)) if store is not None else None
        if cached is not None:
            run = cached.model_copy(update={"cached": True})
        elif self.stop.is_set():
            run = _skipped(job, commit, "not run: the investigation was interrupted")
        else:
            run = self._run(job, commit)
        if self.on_run is not None:
            with self._lock:
                self.on_run(run)
        return run

    def _run(self, job: ProbeJob, commit: str) -> ProbeRun:
        if self.env.unavailable is not None:
            return _skipped(job, commit, f"not run: {self.env.unavailable}")
        if self._spent():
            return _skipped(job, commit, f"not run: {self.budget} was spent")
        checkout = None
        if self.env.backend is None:  # a remote backend makes its checkouts on the worker
            try:
                checkout = self.env.checkouts.checkout(commit)
            except Exception as exc:  # export or setup failed: nothing ran, and it is said
                return _skipped(job, commit, "").model_copy(update={"status": ProbeStatus.setup_failed, "error": str(exc)[:500]})
        slot = self.free.get()
        try:
            if self._spent() or self.stop.is_set():  # waited for a slot past the deadline
                spent = f"not run: {self.budget} was spent"
                return _skipped(job, commit, spent if self._spent() else "not run: the investigation was interrupted")
            left = max(_MIN_JOB_S, self.deadline - time.monotonic()) if self.deadline is not None else job.timeout_s
            capped = left < job.timeout_s  # no job runs far past the budget
            kwargs = {"python": self.env.python} if self.env.python else {}
            artifacts = self.env.artifacts / commit[:12] if job.commit else self.env.artifacts
            to_run = job.model_copy(update={"timeout_s": left}) if capped else job
            if self.env.backend is not None:
                run = self.env.backend.run(to_run, commit, job.side, artifacts, self.env.checkouts,
                                           self.env.adapters.get(job.side), self.env.auto.get(job.side),
                                           self.env.python, self.stop)
            else:
                assert checkout is not None
                run = run_job(to_run, commit=commit, checkout=checkout, artifacts=artifacts, slot=slot,
                              adapter=self.env.adapters.get(job.side), auto=self.env.auto.get(job.side),
                              stop=self.stop, **kwargs)
        finally:
            self.free.put(slot)
        if capped and run.status == ProbeStatus.timeout:
            run = run.model_copy(update={"error": f"{run.error}: the rest of {self.budget}"})
        if self.env.cache is not None and run.ok:
            self.env.cache.put(job, commit, run, self.scope(job.side))
        return run

    def _spent(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


def execute(jobs: list[ProbeJob], env: ProbeEnvironment, deadline: float | None = None,
            on_run: Callable[[ProbeRun], None] | None = None, budget: str = PROBE_BUDGET) -> list[ProbeRun]:
    """Every job's run, in the order of `jobs`. `deadline` is a `time.monotonic()` value. `on_run`
    is called once per job as it ends (one call at a time, from a worker thread). On an exception
    here (KeyboardInterrupt) running jobs are ended and jobs not started are not started. `budget`
    names the deadline in the runs' errors ("the probe budget (--probe-budget)")."""
    execution = _Execution(env, deadline, on_run, budget)
    pool = ThreadPoolExecutor(max_workers=max(1, len(env.slots)), thread_name_prefix="probe")
    try:
        futures = [pool.submit(execution.one, job) for job in jobs]
        return [future.result() for future in futures]
    except BaseException:
        execution.stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
