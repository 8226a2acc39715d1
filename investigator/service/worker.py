"""One job's worker process (`python -m investigator.service.worker`), started by the pool.

It runs the investigation of one claimed job with a durable checkpointer (thread id = job id), so a
job whose worker died is resumed by the next claim without running its finished steps again. While
it runs, a watchdog thread renews the lease every `lease_s / 5` and enforces the rest:

- the lease was lost (expired and claimed elsewhere): stop at once, writing nothing;
- the service process that started it is gone: stop at once too (the job is resumed after a restart);
- a cancel was asked, the wall time (`job_timeout_s`, per attempt) or the memory limit was passed:
  the run is stopped like an interrupted CLI run (probes killed, a partial report written) and the
  job finished `cancelled` or `failed` with the reason;
- SIGTERM from the pool (a graceful shutdown) without a cancel: the job is given back to the queue.

Before any stop, checkpoint writes are closed (`CheckpointGate`): a probe killed by the stop must
not be checkpointed as a crashed probe, or the resumed run would report it so.

Memory is watched as the probes watch theirs (`probes.process`: the resident memory of the worker's
session, polled), not with RLIMIT_AS: a limit on address space would be inherited by the probe runs,
and CUDA reserves far more address space than it uses.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from investigator.git.errors import InputError
from investigator.interrupt import Interrupted, InvestigationInterrupted
from investigator.probes import process
from investigator.probes.runner import refuse_jobs
from investigator.service import checkpoints
from investigator.service.db import make_engine
from investigator.service.schemas import JobSubmission
from investigator.service.settings import ServiceSettings
from investigator.service.store import Job, JobStatus, JobStore
from investigator.workflow.state import Investigation, ProgressEvent

DB_ENV = "INVESTIGATOR_WORKER_DB"  # the database URL when it carries a password (not shown by `ps`)
TICK_S = 0.25  # how often the watchdog looks at the parent and the clock
MEMORY_EVERY_S = 1.0  # and at the memory (a scan of /proc)

EXIT_DONE = 0  # the job was finished (any status) or given back to the queue
EXIT_LOST = 3  # the lease was lost, or the job is no longer this worker's: nothing written
EXIT_ORPHANED = 4  # the service process is gone: the job is left to be resumed


class CheckpointGate:
    """Closes a checkpointer's writes for good: a write started finishes, later ones wait forever
    (the process is about to exit; their thread must not go on to record anything else)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False

    def wrap(self, saver: Any) -> Any:
        for name in ("put", "put_writes"):
            setattr(saver, name, self._gated(getattr(saver, name)))
        return saver

    def _gated(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def gated(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                if not self._closed:
                    return write(*args, **kwargs)
            threading.Event().wait()  # closed: never returns

        return gated

    def close(self) -> None:
        with self._lock:
            self._closed = True


@dataclass
class Stop:
    """Why the watchdog stopped the run (None: it did not)."""

    status: JobStatus | None = None
    error: str | None = None


class JobRun:
    """One attempt at one job, holding its lease as `owner`."""

    def __init__(self, settings: ServiceSettings, store: JobStore, job: Job, owner: str) -> None:
        self.settings, self.store, self.job, self.owner = settings, store, job, owner
        self.gate = CheckpointGate()
        self.stop = Stop()
        self.step: str | None = None
        self.parent = os.getppid()
        self.started = time.monotonic()
        self._done = threading.Event()
        self._signalled = False  # a stop signal was handled (a cancel sends one, the watchdog maybe another)

    # -- the run --
    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()
        try:
            with checkpoints.open_saver(self.settings, self.job.id) as saver:
                self.gate.wrap(saver)
                resumed = checkpoints.has_checkpoint(saver, self.job.id)
                self._event("job", "resumed" if resumed else "started",
                            f"attempt {self.job.attempts}" + (", from the last checkpoint" if resumed else ""))
                return self._investigate(saver)
        except Interrupted:  # a signal before or after the investigation itself
            return self._stopped({})
        finally:
            self._done.set()

    def _investigate(self, saver: Any) -> int:
        from investigator.workflow.graph import run_investigation

        try:
            request = JobSubmission.model_validate(self.job.request).to_request(
                self.settings.job_dir(self.job.id), probe_cache=str(self.settings.data_dir / "probe-cache"))
            inv = run_investigation(request, progress=self._progress, checkpointer=saver,
                                    thread_id=self.job.id, resume=True)
        except InvestigationInterrupted as stop:
            assert isinstance(stop.investigation, Investigation)
            return self._stopped(dict(stop.investigation.reports))
        except InputError as exc:
            return self._finish("failed", error=str(exc).strip().splitlines()[0] if str(exc).strip() else "bad input")
        except Exception as exc:
            traceback.print_exc()
            reports: dict[str, str] = getattr(exc, "partial_reports", None) or {}
            return self._finish("failed", error=f"{exc.__class__.__name__}: {exc}", reports=reports)
        counts = Counter(f.severity.value for f in inv.findings)
        return self._finish("failed" if inv.error else "succeeded", error=inv.error, reports=dict(inv.reports),
                            counts={s: counts.get(s, 0) for s in ("critical", "significant", "low")})

    def _stopped(self, reports: dict[str, str]) -> int:
        """After the run was interrupted: by the watchdog (cancel, limits), or by SIGTERM."""
        if self.stop.status is None:
            job = self.store.get(self.job.id)
            if job is not None and job.cancel_requested:
                self.stop = Stop("cancelled", "cancelled on request")
        if self.stop.status is None:  # a graceful shutdown of the service: resumed by the next claim
            if self.store.release(self.job.id, self.owner):
                self._event("job", "released", "the service stopped; the job will be resumed")
            return EXIT_DONE
        return self._finish(self.stop.status, error=self.stop.error, reports=reports)

    def _finish(self, status: JobStatus, *, error: str | None = None, reports: dict[str, str] | None = None,
                counts: dict[str, int] | None = None) -> int:
        self._done.set()
        done = self.store.finish(self.job.id, self.owner, status, error=error, counts=counts, reports=reports or {},
                                 output_dir=str(self.settings.job_dir(self.job.id)))
        if not done:
            return EXIT_LOST
        self._event("job", status, error or "")
        return EXIT_DONE

    # -- progress --
    def _progress(self, event: ProgressEvent) -> None:
        if event.status == "started":
            self.step = event.step
        self._event(event.step, event.status, event.detail, event.seconds)

    def _event(self, step: str, status: str, detail: str = "", seconds: float | None = None) -> None:
        """A progress event in the store; one that cannot be written is not worth stopping the job for."""
        try:
            self.store.add_event(self.job.id, step, status, detail[:2000], seconds)
        except Exception as exc:
            print(f"progress event not recorded: {exc.__class__.__name__}: {exc}", file=sys.stderr)

    # -- stops --
    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        if self._done.is_set() or self._signalled:  # finishing, or already stopping: once is enough
            return
        self._signalled = True
        self.gate.close()
        refuse_jobs()  # no probe starts after this one: it would outlive the worker
        raise Interrupted(signum)

    def _halt(self, status: JobStatus, error: str) -> None:
        """Stop the run and finish the job `status` (from the watchdog thread)."""
        if self.stop.status is None:
            self.stop = Stop(status, error)
            self.gate.close()
            os.kill(os.getpid(), signal.SIGTERM)  # the main thread stops the run as on a signal

    def _abandon(self, code: int, why: str) -> None:
        """Stop at once without writing anything to the store (the job is not this worker's to finish)."""
        self.gate.close()
        refuse_jobs()
        print(f"worker stopped: {why}", file=sys.stderr, flush=True)
        os._exit(code)

    def _watch(self) -> None:
        """The watchdog: parent, lease and cancel, wall time, memory."""
        every = self.settings.lease_s / 5
        next_renew = next_memory = time.monotonic()  # renewed at once: starting the worker took time
        held_until = time.monotonic() + self.settings.lease_s
        while not self._done.is_set():
            now = time.monotonic()
            if os.getppid() != self.parent:
                self._abandon(EXIT_ORPHANED, "the service process that started this worker is gone")
            if now >= next_renew:
                next_renew = now + every
                held_until = self._renew(now, held_until)
            if now - self.started > self.settings.job_timeout_s:
                self._halt("failed", f"the investigation ran past its time limit ({self.settings.job_timeout_s:g} s); "
                                     "the report written so far is partial")
            if now >= next_memory:
                next_memory = now + MEMORY_EVERY_S
                self._check_memory()
            self._done.wait(TICK_S)

    def _check_memory(self) -> None:
        rss = _resident_mb()
        if rss > self.settings.job_memory_mb:
            self._halt("failed", f"the worker used {rss:.0f} MB of memory, over its limit "
                                 f"({self.settings.job_memory_mb} MB); the report written so far is partial")

    def _renew(self, now: float, held_until: float) -> float:
        """Renew the lease; returns until when it is known to be held."""
        try:
            renewal = self.store.renew(self.job.id, self.owner, self.settings.lease_s, current_step=self.step)
        except Exception as exc:  # the database is unreachable: hold on while the lease may still be ours
            print(f"lease not renewed: {exc.__class__.__name__}: {exc}", file=sys.stderr, flush=True)
            if now >= held_until:
                self._abandon(EXIT_LOST, "the lease could not be renewed before it expired")
            return held_until
        if not renewal.held:
            self._abandon(EXIT_LOST, "the lease was lost (expired and claimed by another worker, or the job finished)")
        if renewal.cancel_requested:
            self._halt("cancelled", "cancelled on request")
        return now + self.settings.lease_s


def _resident_mb() -> float:
    """The worker's resident memory: its whole session when it leads one (as the pool starts it: git
    and other helpers included; probe runs have their own sessions and limits), else its own."""
    pid = os.getpid()
    if os.getsid(0) == pid:
        return sum(mb for _, mb in process.members(pid))
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m investigator.service.worker", description=__doc__.splitlines()[0])
    p.add_argument("--db", default=None, help=f"database URL (default: ${DB_ENV})")
    p.add_argument("--job", required=True)
    p.add_argument("--owner", required=True, help="the lease owner id the pool claimed the job as")
    p.add_argument("--data-dir", required=True, type=Path)
    p.add_argument("--lease-s", type=float, required=True)
    p.add_argument("--timeout-s", type=float, required=True)
    p.add_argument("--memory-mb", type=int, required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = args.db or os.environ.get(DB_ENV)
    if not db:
        print(f"no database: --db or ${DB_ENV}", file=sys.stderr)
        return 2
    settings = ServiceSettings(db_url=db, data_dir=args.data_dir, lease_s=args.lease_s,
                               job_timeout_s=args.timeout_s, job_memory_mb=args.memory_mb)
    store = JobStore(make_engine(db))  # the schema was upgraded by the service that started us
    job = store.get(args.job)
    if job is None or job.status != "running" or job.owner != args.owner:
        print(f"job {args.job} is not held by {args.owner}: nothing to do", file=sys.stderr)
        return EXIT_LOST
    return JobRun(settings, store, job, args.owner).run()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # graph threads stopped by the checkpoint gate must not hold the exit up
