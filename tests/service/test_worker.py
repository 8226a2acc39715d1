"""The worker's parts that need no investigation: the checkpoint gate, the probe-start refusal of a
stopping worker, the memory and cancel decisions of its watchdog, the job it refuses to run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from investigator.service import worker
from investigator.service.db import connect
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore
from investigator.service.worker import CheckpointGate, JobRun

ROOT = Path(__file__).resolve().parents[2]


class Saver:
    def __init__(self) -> None:
        self.writes: list[str] = []

    def put(self, what: str) -> str:
        self.writes.append(what)
        return what

    def put_writes(self, what: str) -> None:
        self.writes.append(what)


def test_checkpoint_gate_passes_writes_until_closed_then_holds_them_forever():
    gate = CheckpointGate()
    saver = gate.wrap(Saver())
    assert saver.put("a") == "a"
    saver.put_writes("b")
    gate.close()
    late = threading.Thread(target=saver.put, args=("c",), daemon=True)
    late.start()
    late.join(0.3)
    assert late.is_alive() and saver.writes == ["a", "b"]  # the write after the close never happens


def test_refuse_jobs_kills_the_running_probe_and_starts_no_other(tmp_path):
    """In a process of its own: the refusal lasts for the life of the process."""
    script = textwrap.dedent(f"""
        import sys, threading, time
        from pathlib import Path
        from investigator.probes import runner
        from investigator.probes.model import ProbeJob
        tmp = Path({str(tmp_path)!r})
        (tmp / "co").mkdir(parents=True)
        def job():
            return ProbeJob(probe="t", side="baseline", command="{{python}} -c 'import time; time.sleep(60)'", timeout_s=90)
        box = {{}}
        first = threading.Thread(target=lambda: box.update(run=runner.run_job(job(), commit="c0", checkout=tmp / "co", artifacts=tmp / "a")))
        first.start()
        while not runner._LIVE:
            time.sleep(0.02)
        assert runner.refuse_jobs() == 1
        first.join(10)
        second = runner.run_job(job(), commit="c0", checkout=tmp / "co", artifacts=tmp / "b")
        print(box["run"].status.value, "|", second.status.value, "|", second.error, "|", second.wall_s)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    first, second, error, wall = done.stdout.strip().split(" | ")
    assert first == "crashed" and second == "skipped" and error == "not run: the process is stopping"
    assert float(wall) == 0.0  # nothing was started


def _run_of(tmp_path: Path, **settings: object) -> tuple[JobRun, JobStore, list[tuple[str, str]]]:
    db = f"sqlite:///{tmp_path}/s.db"
    store = JobStore(connect(db))
    job_id = store.submit("/r", {"repo": "/r", "baseline_commit": "v1"}).id
    job = store.claim("me", lease_s=60)
    assert job is not None and job.id == job_id
    run = JobRun(ServiceSettings(db_url=db, data_dir=tmp_path / "data").model_copy(update=settings), store, job, "me")
    halts: list[tuple[str, str]] = []
    run._halt = lambda status, error: halts.append((status, error))  # type: ignore[method-assign]
    return run, store, halts


def test_memory_over_the_limit_stops_the_job_and_under_it_does_not(tmp_path):
    run, _, halts = _run_of(tmp_path, job_memory_mb=100_000)
    run._check_memory()
    assert halts == []
    run.settings = run.settings.model_copy(update={"job_memory_mb": 1})  # below any Python process
    run._check_memory()
    assert len(halts) == 1 and halts[0][0] == "failed" and "over its limit (1 MB)" in halts[0][1]
    assert worker._resident_mb() > 10


def test_renewal_sees_a_cancel_and_keeps_the_lease(tmp_path):
    run, store, halts = _run_of(tmp_path)
    assert run._renew(time.monotonic(), time.monotonic() + 60) > time.monotonic()
    assert halts == []
    store.request_cancel(run.job.id)
    run._renew(time.monotonic(), time.monotonic() + 60)
    assert halts == [("cancelled", "cancelled on request")]


def test_a_job_not_held_by_the_given_owner_is_not_run(tmp_path):
    db = f"sqlite:///{tmp_path}/s.db"
    store = JobStore(connect(db))
    job_id = store.submit("/r", {"repo": "/r", "baseline_commit": "v1"}).id
    common = ["--db", db, "--job", job_id, "--data-dir", str(tmp_path), "--lease-s", "5", "--timeout-s", "60",
              "--memory-mb", "1024"]
    assert worker.main([*common, "--owner", "me"]) == worker.EXIT_LOST  # still queued
    store.claim("someone-else", 60)
    assert worker.main([*common, "--owner", "me"]) == worker.EXIT_LOST
    assert worker.main([*common[2:], "--owner", "me"]) == 2  # no database given
    assert store.events(job_id) == [] and store.get(job_id).status == "running"  # type: ignore[union-attr]
