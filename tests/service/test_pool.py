"""The worker pool and its workers: argument lists, attempts, retention, and real worker processes
cancelled, stopped, timed out and robbed of their lease while a probe runs.

The long-running job is the demo's investigation with a real `training_run` probe whose training
command sleeps (a stand-in for a long training run): its processes are found by a marker on their
command line, so the tests can check that they were killed with the worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from investigator.service import checkpoints
from investigator.service.db import connect
from investigator.service.pool import MAX_ATTEMPTS, WorkerPool, _descendant_sessions
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobRow, JobStore, utcnow


def _settings(db_url: str, tmp_path: Path, **overrides: Any) -> ServiceSettings:
    return ServiceSettings(**{"db_url": db_url, "data_dir": tmp_path / "data", "lease_s": 2.0, "workers": 1, **overrides})


def _sleeping_job(demo_repo: Any, marker: str, seconds: int = 300) -> dict[str, Any]:
    """The demo's investigation whose training-run probe sleeps (its processes carry `marker`)."""
    command = f"{sys.executable} -c 'import time; time.sleep({seconds})' {marker} {{logdir}} {{seed}}"
    return {"repo": str(demo_repo.path), "baseline_commit": demo_repo.baseline, "candidate_commit": demo_repo.candidate,
            "formats": ["json"], "probes": "training_run", "probe_command": command, "probe_seeds": 1}


def _with_marker(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _wait(until: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/service.db"


@pytest.fixture
def marker() -> Iterator[str]:
    """A word on the sleeping probe's command line; whatever still carries it is killed afterwards."""
    word = f"marker-{uuid.uuid4().hex}"
    yield word
    for pid in _with_marker(word):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# -- without worker processes --

def test_worker_argv_is_a_list_and_keeps_a_password_out_of_it(tmp_path):
    store = JobStore(connect(f"sqlite:///{tmp_path}/s.db"))
    plain = WorkerPool(_settings(f"sqlite:///{tmp_path}/s.db", tmp_path), store)._argv("j1", "h:1:u")
    assert plain[1:4] == ["-P", "-m", "investigator.service.worker"]
    assert plain[plain.index("--db") + 1] == f"sqlite:///{tmp_path}/s.db" and plain[plain.index("--job") + 1] == "j1"
    secret = WorkerPool(_settings("postgresql://inv:s3cret@db/x", tmp_path), store)._argv("j1", "h:1:u")
    assert "--db" not in secret and not any("s3cret" in a for a in secret)  # given in the environment instead


def test_a_job_claimed_too_often_is_failed_without_a_worker(db_url, tmp_path):
    store = JobStore(connect(db_url))
    doomed = store.submit("/r", {"repo": "/r", "baseline_commit": "v1"}).id
    for n in range(MAX_ATTEMPTS):  # workers that died before finishing, each time
        assert store.claim(f"dead{n}", lease_s=0.001) is not None
        time.sleep(0.01)
    pool = WorkerPool(_settings(db_url, tmp_path), store)
    pool._fill()
    job = store.get(doomed)
    assert job is not None and job.status == "failed" and f"gave up after {MAX_ATTEMPTS} attempts" in (job.error or "")
    assert pool.running() == {}
    fresh = store.submit("/r", {"repo": "/r", "baseline_commit": "v1"}).id  # a first claim is not refused
    assert store.claim("w", 60) is not None and store.get(fresh).attempts == 1  # type: ignore[union-attr]


def test_purge_removes_old_jobs_their_folders_and_checkpoints_only(tmp_path):
    db = f"sqlite:///{tmp_path}/service.db"
    store, settings = JobStore(connect(db)), _settings(db, tmp_path, retention_days=1)
    old, recent, running = (store.submit("/r", {"repo": "/r", "baseline_commit": "v1"}).id for _ in range(3))
    for job_id in (old, recent):
        assert store.claim("w", 60) is not None
        store.finish(job_id, "w", "succeeded")
    store.claim("w", 60)
    with store._session() as s:
        s.execute(update(JobRow).where(JobRow.id == old).values(finished_at=utcnow() - timedelta(days=2)))
    checkpoints.prepare(settings)
    for job_id in (old, recent, running, "gone-already"):  # the last: its row was purged by another process
        settings.job_dir(job_id).mkdir(parents=True)
        (settings.job_dir(job_id) / "report.json").write_text("{}")
        with checkpoints.open_saver(settings, job_id):
            pass
    pool = WorkerPool(settings, store)
    assert pool.purge() == 1
    assert store.get(old) is None and not settings.job_dir(old).exists()
    assert checkpoints.threads(settings) == sorted([recent, running])
    assert all(settings.job_dir(j).is_dir() for j in (recent, running, "gone-already"))  # not a job of this purge
    assert pool.purge() == 0


def test_descendant_sessions_finds_a_grandchild_in_its_own_session(tmp_path):
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'], start_new_session=True); time.sleep(30)"
    parent = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        _wait(lambda: len(_descendant_sessions(parent.pid)) == 1, 20, "the grandchild")
        (session,) = _descendant_sessions(parent.pid)
        assert session not in (parent.pid, os.getsid(0))
        os.killpg(session, signal.SIGKILL)
        assert _descendant_sessions(os.getpid()) >= set()  # our own children: no error, whatever they are
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait()


# -- with worker processes (SQLite; the crash drill runs them on PostgreSQL too) --

def test_cancel_kills_the_running_probe_and_finishes_cancelled_with_the_partial_report(sqlite_url, tmp_path, demo_repo, marker):
    store, settings = JobStore(connect(sqlite_url)), _settings(sqlite_url, tmp_path)
    job_id = store.submit(str(demo_repo.path), _sleeping_job(demo_repo, marker)).id
    pool = WorkerPool(settings, store)
    assert pool.cancel(job_id) is False  # not running here
    pool.start()
    try:
        _wait(lambda: _with_marker(marker), 120, "the probe's training command")
        store.request_cancel(job_id)
        assert pool.cancel(job_id) is True
        _wait(lambda: store.get(job_id).finished, 30, "the cancel")  # type: ignore[union-attr]
        _wait(lambda: not _with_marker(marker), 10, "the probe processes to end")
    finally:
        pool.stop()
    job = store.get(job_id)
    assert job is not None and job.status == "cancelled" and job.error == "cancelled on request"
    assert Path(job.reports["json"]).is_file()  # what finished before the cancel: a partial report
    assert [e.status for e in store.events(job_id) if e.step == "job"] == ["started", "cancelled"]


@pytest.mark.slow
def test_graceful_stop_gives_the_job_back_and_the_next_pool_resumes_it(sqlite_url, tmp_path, demo_repo, marker):
    store, settings = JobStore(connect(sqlite_url)), _settings(sqlite_url, tmp_path)
    job_id = store.submit(str(demo_repo.path), _sleeping_job(demo_repo, marker)).id
    pool = WorkerPool(settings, store)
    pool.start()
    _wait(lambda: _with_marker(marker), 120, "the probe's training command")
    pool.stop()
    job = store.get(job_id)
    assert job is not None and job.status == "queued" and job.owner is None and job.attempts == 1
    assert not _with_marker(marker) and pool.running() == {}
    assert [e.status for e in store.events(job_id) if e.step == "job"] == ["started", "released"]

    again = WorkerPool(settings, store)
    again.start()
    try:
        _wait(lambda: _with_marker(marker), 120, "the probe to run again")
        store.request_cancel(job_id)
        again.cancel(job_id)
        _wait(lambda: store.get(job_id).finished, 30, "the cancel")  # type: ignore[union-attr]
    finally:
        again.stop()
    events = store.events(job_id)
    resumed = next(i for i, e in enumerate(events) if e.status == "resumed")
    assert not any(e.step.startswith("analyze:") for e in events[resumed:])  # checkpointed before the stop
    assert store.get(job_id).attempts == 2  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_job_past_its_time_limit_fails_with_the_reason_and_its_probes_killed(sqlite_url, tmp_path, demo_repo, marker):
    store, settings = JobStore(connect(sqlite_url)), _settings(sqlite_url, tmp_path, job_timeout_s=4)
    job_id = store.submit(str(demo_repo.path), _sleeping_job(demo_repo, marker)).id
    pool = WorkerPool(settings, store)
    pool.start()
    try:
        _wait(lambda: store.get(job_id).finished, 120, "the time limit")  # type: ignore[union-attr]
        _wait(lambda: not _with_marker(marker), 10, "the probe processes to end")
    finally:
        pool.stop()
    job = store.get(job_id)
    assert job is not None and job.status == "failed" and "ran past its time limit (4 s)" in (job.error or "")


@pytest.mark.slow
def test_a_worker_that_lost_its_lease_stops_without_writing(sqlite_url, tmp_path, demo_repo, marker):
    store, settings = JobStore(connect(sqlite_url)), _settings(sqlite_url, tmp_path)
    job_id = store.submit(str(demo_repo.path), _sleeping_job(demo_repo, marker)).id
    pool = WorkerPool(settings, store)
    pool.start()
    try:
        _wait(lambda: _with_marker(marker), 120, "the probe's training command")
        with store._session() as s:  # another service process claimed it (the lease had expired)
            s.execute(update(JobRow).where(JobRow.id == job_id).values(owner="thief", lease_until=utcnow() + timedelta(minutes=5)))
        seq = store.events(job_id)[-1].seq
        _wait(lambda: pool.running() == {}, 30, "the worker to stop")
        _wait(lambda: not _with_marker(marker), 10, "the probe processes to end")
    finally:
        pool.stop()
    job = store.get(job_id)
    assert job is not None and job.status == "running" and job.owner == "thief"
    assert not [e for e in store.events(job_id, after=seq) if e.step in ("job", "worker")]
    assert "the lease was lost" in (settings.job_dir(job_id) / "worker.log").read_text()
