"""The crash drill (issue 17): `investigate serve` is killed with SIGKILL (its whole process group)
while its workers are in the middle of investigations, and started again on the same database.

Every job must then reach `succeeded` with the findings an uninterrupted run has, none lost (the
job still queued at the crash too), none finished twice (one final event each, attempts counted),
the interrupted jobs resumed from their checkpoints (a `resumed` event, and no step that had
finished before the crash started again), and no worker left running after its service died.

The investigation is the demo's (a real probe, `advantage_reference`, takes a few seconds: the
kill lands while it runs). On SQLite and, with INVESTIGATOR_TEST_POSTGRES, on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from investigator.request import InvestigationRequest
from investigator.service.db import connect
from investigator.service.store import JobEvent, JobStore
from investigator.workflow.graph import run_investigation

ROOT = Path(__file__).resolve().parents[2]
UNIQUE_STEPS = ("resolve", "diff", "triage", "analyze:")  # run once per investigation (probe_plan runs per wave)

pytestmark = pytest.mark.slow  # about a minute on a loaded 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`investigate serve` in its own process group, its output in a log file."""

    def __init__(self, db: str, data_dir: Path, allow: Path, log: Path, workers: int = 2) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        argv = [sys.executable, "-m", "investigator.cli", "serve", "--port", str(self.port), "--db", db,
                "--data-dir", str(data_dir), "--allow-repo", str(allow), "--workers", str(workers), "--lease", "3"]
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.log = log
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the service did not answer within 90 s"
            time.sleep(0.2)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)


def _workers_of(data_dir: Path) -> list[int]:
    """Worker processes started for this drill (their command line names its data dir)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"investigator.service.worker" in cmdline and str(data_dir).encode() in cmdline:
                found.append(int(entry.name))
    return found


def _wait(until: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _findings(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What a finding says, without what differs between two runs of the same investigation."""
    return [(f["id"], f["severity"], f["confidence"], f["title"],
             tuple((e["kind"], e["summary"]) for e in f["evidence"])) for f in report["findings"]]


def _resumed_without_rerun(events: list[JobEvent], crash_seq: int) -> set[str]:
    """The steps the job had finished before the crash (events up to `crash_seq`); when there are
    any, the job resumed from its checkpoint and none of them started again after the crash."""
    before = {e.step for e in events if e.seq <= crash_seq and e.status in ("finished", "skipped")}
    after = [e for e in events if e.seq > crash_seq]
    unique = {s for s in before if s.startswith(UNIQUE_STEPS)}
    if unique:
        assert after[0].step == "job" and after[0].status == "resumed", after[0]
        again = {e.step for e in after if e.status == "started"}
        assert not unique & again, f"re-run after the resume: {sorted(unique & again)}"
    return before


def test_kill_9_mid_investigation_then_restart_finishes_every_job_once(db_url, demo_repo, tmp_path):
    data_dir, log = tmp_path / "data", tmp_path / "serve.log"
    store = JobStore(connect(db_url))
    _, key = store.create_key("submit", "drill")
    headers = {"Authorization": f"Bearer {key}"}
    body = {"repo": str(demo_repo.path), "baseline_commit": demo_repo.baseline,
            "candidate_commit": demo_repo.candidate, "formats": ["json"]}

    server = Server(db_url, data_dir, demo_repo.path.parent, log)
    ids = []
    for _ in range(3):  # two run at once, the third waits in the queue
        answer = httpx.post(f"{server.base}/v1/investigations", json=body, headers=headers, timeout=30)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])

    def probing() -> bool:  # a job is in its probe: the analyzers have finished and checkpointed
        return any(e.step.startswith("probe:") and e.status == "started" for i in ids for e in store.events(i))

    _wait(probing, 180, "a probe to start")
    server.kill()
    _wait(lambda: not _workers_of(data_dir), 10, "the orphaned workers to stop")
    crash_seq = max(e.seq for i in ids for e in store.events(i))  # the workers' last events included
    crashed = {i: store.get(i) for i in ids}
    interrupted = [i for i, job in crashed.items() if job is not None and job.status == "running"]
    assert interrupted and all(not job.finished for job in crashed.values() if job is not None)

    server = Server(db_url, data_dir, demo_repo.path.parent, log)
    try:
        _wait(lambda: all((j := store.get(i)) is not None and j.finished for i in ids), 300, "every job to finish")
        reports = [httpx.get(f"{server.base}/v1/investigations/{i}/report.json", headers=headers, timeout=30) for i in ids]
    finally:
        server.stop()
    assert "Traceback" not in log.read_text()

    reference = run_investigation(InvestigationRequest(**{**body, "output": tmp_path / "reference", "probe_cache": "none"}))
    expected = [(f.id, f.severity.value, f.confidence, f.title, tuple((e.kind.value, e.summary) for e in f.evidence))
                for f in reference.findings]
    assert expected and any(e[0] == "probe" for f in expected for e in f[4])  # the probe's evidence is in it
    finished_before: set[str] = set()
    for job_id, answer in zip(ids, reports, strict=True):
        job = store.get(job_id)
        assert job is not None and job.status == "succeeded", (job, (data_dir / "jobs" / job_id / "worker.log").read_text())
        assert answer.status_code == 200, (answer.text, job.reports, sorted(p.name for p in (data_dir / "jobs" / job_id).rglob("*")),
                                           (data_dir / "jobs" / job_id / "worker.log").read_text()[-3000:])
        assert _findings(answer.json()) == expected
        events = store.events(job_id)
        assert [e.status for e in events if e.step == "job" and e.status in ("succeeded", "failed", "cancelled")] == ["succeeded"]
        if job_id in interrupted:
            assert job.attempts == 2
            finished_before.update(_resumed_without_rerun(events, crash_seq))
        else:  # still queued at the crash: it ran once, after the restart
            assert job.attempts == 1 and not any(e.status == "resumed" for e in events)
    assert {"resolve", "diff", "triage", "analyze:code_detectors"} <= finished_before  # (the job in its probe)
