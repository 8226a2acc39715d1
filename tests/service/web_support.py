"""Helpers of the web UI tests: jobs put into the store as a worker would leave them, and real reports.

The reports are produced by real investigations of the generated demo repository (the full range, and a
shorter one whose findings differ), so the pages show what users see, not hand-written stand-ins.
"""

from __future__ import annotations

import hashlib
import json
import random
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

from sqlalchemy import select, update
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


# -- a watch with a history made by the real tick code (the watch browser tests and docs/screenshots.py) --

def simulated_watch(settings: ServiceSettings, repo: str, *, name: str = "gridarena-ppo:main",
                    interval_s: int = 3600) -> int:
    """A service watch whose history the real tick code wrote (`TickRunner`: bisection, change-point test,
    alerts and their markdown reports) over a simulated branch (tests/support/watch_sim.py): a 20 % step
    regression at commit 14 fixed at 22 (a resolved alert), then a slow 15 % drift from 34 on that no pair
    of commits shows (an open drift alert at its change point). The ticks are then spread back in time,
    one per interval, as a scheduled watch leaves them."""
    from investigator.bisect.search import BisectOptions
    from investigator.metrics.stats import StatOptions
    from investigator.service.db import connect
    from investigator.service.watches import WatchCreate, WatchStore
    from investigator.watch.engine import MetricOptions
    from investigator.watch.state import Alert, MetricPoint, Store, Tick
    from investigator.watch.tick import TickRunner, WatchSpec
    from tests.support.watch_sim import steps

    body = WatchCreate(repo=repo, branch="main", name=name, probe_command="python train.py --seed {seed} --logdir {logdir}",
                       primary_metric="charts/episodic_return", seeds=3, notify_url="https://hooks.example/rl-team",
                       interval_s=interval_s)
    watches = WatchStore(connect(settings.db_url))
    created = watches.create(body, repo)
    assert created is not None
    state = Store(settings.db_url)
    subjects = {14: "scale rewards by 0.1 before the value loss", 22: "revert the reward scaling",
                34: "entropy coefficient decays with the learning rate", 3: "log the value-loss histogram"}
    branch = _hex_branch(steps(60, level=250.0, changes={14: 0.8, 22: 1 / 0.8}, drift=(34, 58, 0.15)), noise=6.0,
                         subjects=subjects)
    spec = WatchSpec(name=name, repo=repo, branch="main", config_key="screens",
                     output=settings.data_dir / "watches" / str(created.id) / "reports")
    stats = StatOptions(n_boot=500)  # intervals a little coarser than the default 2000 resamples, 4 times faster
    metric = MetricOptions(metric="charts/episodic_return", bisect=BisectOptions(seeds=3, max_seeds=9, stats=stats))
    heads = [0, 4, 8, 11, 17, 20, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60]
    for head in heads:
        branch.head_at = head
        TickRunner(state, spec, branch, branch, metric).run()  # type: ignore[arg-type]
    state.close()
    with Session(watches.engine) as s, s.begin():
        ticks = list(s.scalars(select(Tick).where(Tick.watch_id == created.id).order_by(Tick.id)))
        for i, tick in enumerate(ticks):
            shift = timedelta(seconds=interval_s * (len(ticks) - i)) - timedelta(minutes=7)
            began, ended = tick.started_at, tick.finished_at
            tick.started_at = began - shift
            tick.finished_at = (began - shift + timedelta(minutes=11 + 7 * (i % 3))) if ended else None
            for row in (*s.scalars(select(MetricPoint).where(MetricPoint.watch_id == created.id)),
                        *s.scalars(select(Alert).where(Alert.watch_id == created.id))):
                _backdate_row(row, began, ended, tick.finished_at)
    return created.id


def _hex(p: int) -> str:
    return hashlib.sha1(f"simulated commit {p}".encode()).hexdigest()


_POSITIONS = {_hex(p): p for p in range(1000)}


SUBJECTS = ("tune the PPO clip range", "refactor the rollout buffer", "add a GAE unit test", "bump gymnasium",
            "log the learning rate", "faster vectorised env reset", "type hints in the trainer", "fix a typo in the README")


def _hex_branch_type() -> type:
    """SimBranch with commit ids that look like git's (a position's sha1) and commit subjects."""
    from investigator.bisect.path import CommitPath
    from investigator.models import CommitRef
    from tests.support.watch_sim import SimBranch

    class HexBranch(SimBranch):
        def _pos(self, s: str) -> int:
            return _POSITIONS[s]

        def head(self) -> str:
            return _hex(self.head_at)

        def path(self, good: str, bad: str) -> CommitPath:
            return CommitPath([_hex(p) for p in range(self._pos(good), self._pos(bad) + 1)])

        def is_ancestor(self, older: str, newer: str) -> bool:
            return self._pos(older) <= self._pos(newer)

        def ref(self, s: str, via: str | None = None) -> CommitRef:
            p = self._pos(s)
            return CommitRef(sha=s, short=s[:7], subject=self.subjects.get(p, SUBJECTS[p % len(SUBJECTS)]),
                             author="t", date="2026-01-01", via_merge=via)

        def value(self, s: str, seed: int) -> float:
            if (s, seed) not in self.cache:
                self.fresh_runs += 1
                rng = random.Random(f"{self.trial}:{s}:{seed}")
                self.cache[(s, seed)] = self.levels[self._pos(s)] + rng.gauss(0.0, self.noise)
            return self.cache[(s, seed)]

    return HexBranch


def _hex_branch(levels: list[float], **kwargs: Any) -> Any:
    return _hex_branch_type()(levels, **kwargs)


def _backdate_row(row: Any, began: Any, ended: Any, moved: Any) -> None:
    """Give a point or alert written during a tick (between `began` and `ended`) that tick's moved end."""
    if ended is None or moved is None:
        return
    for name in ("measured_at", "opened_at", "updated_at", "resolved_at"):
        value = getattr(row, name, None)
        if value is not None and began <= value <= ended:
            setattr(row, name, moved)
