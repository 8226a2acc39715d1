"""Helpers of the web UI tests: jobs put into the store as a worker would leave them, and real reports.

The reports are produced by real investigations of the generated demo repository (the full range, and a
shorter one whose findings differ), so the pages show what users see, not hand-written stand-ins.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from investigator.demo import DemoRepo
from investigator.request import InvestigationRequest
from investigator.service.settings import ServiceSettings
from investigator.service.store import Job, JobRow, JobStore, utcnow
from investigator.workflow import run_investigation
from investigator.workflow.state import ProgressEvent


@dataclass(frozen=True)
class RealReport:
    baseline: str
    candidate: str
    files: dict[str, Path]  # format -> report file
    counts: dict[str, int]
    titles: list[str]
    events: list[tuple[str, str, str, float | None]]  # the progress the run reported: step, status, detail, s
    seconds: float  # its wall time


def investigate(repo: DemoRepo, baseline: str, candidate: str, out: Path) -> RealReport:
    events: list[ProgressEvent] = []
    began = time.monotonic()
    inv = run_investigation(InvestigationRequest(repo=str(repo.path), baseline_commit=baseline,
                                                 candidate_commit=candidate, formats=["md", "json", "html"],
                                                 output=out, probes="none"), progress=events.append)
    files = {fmt: Path(path) for fmt, path in inv.reports.items()}
    findings = json.loads(files["json"].read_text())["findings"]
    counts = {s: sum(f["severity"] == s for f in findings) for s in ("critical", "significant", "low")}
    return RealReport(baseline=baseline, candidate=candidate, files=files, counts=counts,
                      titles=[f["title"] for f in findings],
                      events=[(e.step, e.status, e.detail, e.seconds) for e in events],
                      seconds=time.monotonic() - began)


def demo_reports(repo: DemoRepo, out: Path) -> tuple[RealReport, RealReport]:
    """The demo's whole range, and the range up to the commit before the GAE and update-step edits
    (the two last commits): the second lacks the findings those commits introduce."""
    shorter = repo.commits[-3][0]
    return (investigate(repo, repo.baseline, repo.candidate, out / "full"),
            investigate(repo, repo.baseline, shorter, out / "shorter"))


def _update(store: JobStore, job_id: str, **values: Any) -> None:
    with Session(store.engine) as session, session.begin():
        session.execute(update(JobRow).where(JobRow.id == job_id).values(**values))


def submit(store: JobStore, repo: str, baseline: str = "v1", candidate: str | None = "v2", **request: Any) -> Job:
    body = {"repo": repo, "baseline_commit": baseline, "candidate_commit": candidate,
            "formats": ["md", "json", "html"]} | request
    return store.submit(repo, body)


def start(store: JobStore, job_id: str, step: str = "resolve") -> None:
    """The job as a worker leaves it once it has claimed it (without a lease race in the tests)."""
    _update(store, job_id, status="running", started_at=utcnow(), owner="test-worker", attempts=1,
            current_step=step)


def backdate(store: JobStore, job_id: str, seconds: float) -> None:
    """Move the job's times `seconds` into the past (screenshots show jobs of a working day)."""
    job = store.get(job_id)
    assert job is not None
    shift = timedelta(seconds=seconds)
    _update(store, job_id, **{name: value - shift for name in ("created_at", "started_at", "finished_at")
                              if (value := getattr(job, name)) is not None})


def finish(store: JobStore, settings: ServiceSettings, job_id: str, report: RealReport | None = None, *,
           status: str = "succeeded", error: str | None = None, reports: dict[str, str] | None = None,
           counts: dict[str, int] | None = None) -> Job:
    """The job as its worker leaves it: reports copied into its folder, counts and report names recorded."""
    values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "owner": None, "lease_until": None,
                              "error": error}
    job = store.get(job_id)
    assert job is not None
    if job.started_at is None:
        values["started_at"] = utcnow()
    if report is not None:  # as long as the real run took
        values["started_at"] = values["finished_at"] - timedelta(seconds=report.seconds)
        values["created_at"] = min(job.created_at, values["started_at"])
    folder = settings.job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    recorded = dict(reports or {})
    if report is not None:
        for fmt, path in report.files.items():
            recorded[fmt] = str(shutil.copy(path, folder / path.name))
        values.update(report.counts)
    values.update(counts or {})
    _update(store, job_id, output_dir=str(folder), reports=recorded, **values)
    done = store.get(job_id)
    assert done is not None
    return done


def write_json_report(path: Path, findings: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"schema_version": "1.3", "findings": findings}))
    return path


def finding(source: str, title: str, severity: str, path: str = "train.py", line: int | None = 10,
            rank: int | None = 1) -> dict[str, Any]:
    """A finding as the JSON report writes it (the fields the comparison reads)."""
    return {"id": f"{source}:{title}", "source": source, "subsystem": "trainer", "severity": severity,
            "confidence": 0.8, "title": title, "rank": rank,
            "locations": [{"path": "old_" + path, "line": 3, "side": "baseline"},
                          {"path": path, "line": line, "side": "candidate"}]}


# -- a real server and a real browser (the browser tests and docs/screenshots.py) --

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[dev]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(settings: ServiceSettings) -> Iterator[str]:
    """The whole service app (API and UI, no workers) under uvicorn in a thread; yields its base URL."""
    import uvicorn

    from investigator.service.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, start_workers=False), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, headless."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/ui/")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ui/")
