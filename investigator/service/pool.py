"""The bounded worker pool: a dispatcher thread claims jobs and runs each in its own worker process.

At most `settings.workers` workers run at once. Each claim is made with a lease owner id unique to
the worker it starts (`host:pid:uuid`), and the worker (`python -P -m investigator.service.worker`: the
job folder it runs in is not on its import path) is started as an argument list, never through a shell,
in its own session, its output in `<job dir>/worker.log`. A database password is passed in the
environment, not on the command line that `ps` shows.

A worker that dies without finishing its job leaves the lease to expire; the job is then claimed
again (by this or any other service process on the same database) and resumed from its checkpoint.
After `MAX_ATTEMPTS` claims a job is failed rather than retried forever (a worker that crashes the
same way every time).

`stop()` (a graceful shutdown) does not wait for investigations, which can take hours: each worker
is sent SIGTERM, kills its probes, gives its job back to the queue and exits; the next start resumes
the job from its checkpoint. Workers still alive after `STOP_GRACE_S` are killed with their probes.

Every `PURGE_EVERY_S` the pool deletes the jobs finished more than `retention_days` ago, with their
directories and checkpoints.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

from sqlalchemy.engine import make_url

from investigator.probes import process
from investigator.service import checkpoints
from investigator.service.db import database_url
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStatus, JobStore
from investigator.service.worker import DB_ENV

log = logging.getLogger(__name__)

POLL_S = 0.5  # the dispatcher's pace when nothing wakes it
MAX_ATTEMPTS = 5  # claims of one job before it is failed
STOP_GRACE_S = 10.0  # a stopped or cancelled worker's time to record its outcome before SIGKILL
PURGE_EVERY_S = 3600.0


@dataclass
class Child:
    """A running worker: its process, the job and the lease owner id it runs as."""

    job_id: str
    owner: str
    proc: subprocess.Popen[bytes]
    log: IO[bytes]
    started: float = field(default_factory=time.monotonic)
    renewed: float = field(default_factory=time.monotonic)
    kill_at: float | None = None  # signalled to stop: SIGKILL past this time

    def signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _descendant_sessions(pid: int) -> set[int]:
    """Sessions of the processes descended from `pid` (a worker's probe runs have their own
    sessions): found before the worker is killed, since its orphans are re-parented."""
    children: dict[int, list[int]] = {}
    sessions: dict[int, int] = {}
    for child, fields in process.proc_stats():
        if len(fields) > 3:
            children.setdefault(int(fields[1]), []).append(child)
            sessions[child] = int(fields[3])
    found, todo = set(), list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.add(sessions[child])
        todo.extend(children.get(child, []))
    return found - {sessions.get(pid, pid)}


class WorkerPool:
    """Claims jobs from `store` and runs each in a worker process (see the module docstring)."""

    def __init__(self, settings: ServiceSettings, store: JobStore, *, python: str = sys.executable) -> None:
        self.settings, self.store, self.python = settings, store, python
        self._children: dict[str, Child] = {}  # by lease owner id
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = 0.0

    # -- the interface app.py uses --
    def start(self) -> None:
        """Prepare the checkpoint storage and start the dispatcher."""
        (self.settings.data_dir / "jobs").mkdir(parents=True, exist_ok=True)
        checkpoints.prepare(self.settings)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._dispatch, name="worker-pool", daemon=True)
        self._thread.start()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop claiming; each worker gives its job back to the queue and exits (SIGKILL past `grace_s`)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        with self._lock:
            children = list(self._children.values())
        for child in children:
            child.signal(signal.SIGTERM)
        until = time.monotonic() + grace_s
        while any(c.proc.poll() is None for c in children) and time.monotonic() < until:
            time.sleep(0.05)
        for child in children:
            if child.proc.poll() is None:
                self._kill(child)
        self._tend()

    def cancel(self, job_id: str) -> bool:
        """Stop the worker of `job_id` now (its cancel was recorded in the store first): it kills its
        probes and finishes the job `cancelled`; past STOP_GRACE_S it is killed and the pool finishes
        the job. False: no worker of this pool runs the job."""
        with self._lock:
            child = next((c for c in self._children.values() if c.job_id == job_id and c.proc.poll() is None), None)
            if child is None:
                return False
            child.signal(signal.SIGTERM)
            child.kill_at = time.monotonic() + STOP_GRACE_S
        self._wake.set()
        return True

    def notify(self) -> None:
        """A job was submitted: claim now rather than at the next poll."""
        self._wake.set()

    def running(self) -> dict[str, str]:
        """job id -> lease owner id of the workers running now."""
        with self._lock:
            return {c.job_id: c.owner for c in self._children.values() if c.proc.poll() is None}

    # -- the dispatcher --
    def _dispatch(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tend()
                self._purge_when_due()
                self._fill()
            except Exception:  # the database may be away for a while: the pool waits for it
                log.exception("worker pool: dispatch failed; retrying")
            self._wake.wait(POLL_S)
            self._wake.clear()

    def _fill(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if len(self._children) >= self.settings.workers:
                    return
            owner = new_owner()
            job = self.store.claim(owner, self.settings.lease_s)
            if job is None:
                return
            if job.attempts > MAX_ATTEMPTS:
                error = (f"gave up after {job.attempts - 1} attempts: its worker stopped without finishing each "
                         f"time (see {self.settings.job_dir(job.id) / 'worker.log'})")
                if self.store.finish(job.id, owner, "failed", error=error):
                    self.store.add_event(job.id, "job", "failed", error)
                continue
            self._spawn(job.id, owner)

    def _argv(self, job_id: str, owner: str) -> list[str]:
        argv = [self.python, "-P", "-m", "investigator.service.worker", "--job", job_id, "--owner", owner,
                "--data-dir", str(self.settings.data_dir), "--lease-s", str(self.settings.lease_s),
                "--timeout-s", str(self.settings.job_timeout_s), "--memory-mb", str(self.settings.job_memory_mb)]
        if make_url(database_url(self.settings.db_url)).password is None:
            argv += ["--db", self.settings.db_url]  # else in the environment: `ps` shows argument lists
        return argv

    def _spawn(self, job_id: str, owner: str) -> None:
        job_dir = self.settings.job_dir(job_id)
        job_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, DB_ENV: self.settings.db_url}
        logfile = open(job_dir / "worker.log", "ab")  # noqa: SIM115 - closed when the child is reaped
        try:
            proc = subprocess.Popen(self._argv(job_id, owner), stdin=subprocess.DEVNULL, stdout=logfile,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=job_dir)
        except OSError as exc:
            logfile.close()
            log.error("worker pool: cannot start a worker for job %s: %s", job_id, exc)
            self.store.release(job_id, owner)
            raise
        with self._lock:
            self._children[owner] = Child(job_id, owner, proc, logfile)

    def _tend(self) -> None:
        """Renew the leases of running workers, kill those past a deadline, forget those that exited."""
        with self._lock:
            children = list(self._children.values())
        for child in children:
            if child.proc.poll() is None:
                self._tend_running(child)
                continue
            child.log.close()
            with self._lock:
                self._children.pop(child.owner, None)
            self._exited(child)

    def _tend_running(self, child: Child) -> None:
        """The pool holds a running worker's lease too: the worker takes seconds to start (and renews
        it itself once running), so a short lease must not expire in between."""
        now = time.monotonic()
        if child.kill_at is not None and now > child.kill_at:  # cancelled and not stopped by itself
            self._kill(child)
            self._finish_cancelled(child)
        elif now - child.started > self.settings.job_timeout_s + STOP_GRACE_S:  # its own limit did not stop it
            self._kill(child)
            self._finish(child, "failed", f"the investigation ran past its time limit "
                                          f"({self.settings.job_timeout_s:g} s) and its worker did not stop; it was killed")
        elif now - child.renewed >= self.settings.lease_s / 5:
            child.renewed = now
            self.store.renew(child.job_id, child.owner, self.settings.lease_s)

    def _exited(self, child: Child) -> None:
        job = self.store.get(child.job_id)
        if job is None or job.finished or job.owner != child.owner:
            return
        if job.cancel_requested:  # killed before it could record the cancel
            self._finish_cancelled(child)
            return
        code = child.proc.returncode
        self.store.add_event(child.job_id, "worker", "failed",
                             f"the worker exited ({'signal ' + str(-code) if code < 0 else 'code ' + str(code)}) "
                             "without finishing the job; it is resumed from its checkpoint once its lease expires")

    def _finish_cancelled(self, child: Child) -> None:
        self._finish(child, "cancelled", "cancelled on request (the worker was killed)")

    def _finish(self, child: Child, status: JobStatus, error: str) -> None:
        if self.store.finish(child.job_id, child.owner, status, error=error,
                             output_dir=str(self.settings.job_dir(child.job_id))):
            self.store.add_event(child.job_id, "job", status, error)

    def _kill(self, child: Child) -> None:
        """SIGKILL a worker's process group and the sessions of its probe runs."""
        sessions = _descendant_sessions(child.proc.pid)
        child.signal(signal.SIGKILL)
        for session in sessions:
            process.signal_all(session, signal.SIGKILL)
        child.proc.wait()

    # -- retention --
    def _purge_when_due(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_EVERY_S
        self.purge()

    def purge(self) -> int:
        """Delete the jobs finished more than `retention_days` ago with their directories, then the
        checkpoints of every job no longer in the store (purged here or by another service process)."""
        gone = self.store.purge(timedelta(days=self.settings.retention_days))
        root = (self.settings.data_dir / "jobs").resolve()
        for job in gone:
            folder = self.settings.job_dir(job.id)
            if not folder.is_symlink() and folder.resolve().parent == root:
                shutil.rmtree(folder, ignore_errors=True)
        for job_id in checkpoints.threads(self.settings):
            if self.store.get(job_id) is None:
                checkpoints.delete(self.settings, job_id)
        if gone:
            log.info("worker pool: purged %d jobs finished more than %g days ago", len(gone),
                     self.settings.retention_days)
        return len(gone)
