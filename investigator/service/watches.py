"""Watches as a service resource (issue 18): the API's checks, the rows, and the scheduler.

A watch created through `POST /v1/watches` is a row of the watch's own `watches` table with its
options (the `investigate watch` options, underscores for dashes), a schedule (an interval, or a
5-field cron expression in an IANA timezone: `schedule.py`) and `next_run_at`. The scheduler thread of
every service process claims due watches with a database lease (a conditional UPDATE; SKIP LOCKED on
PostgreSQL), so each tick runs once however many processes serve the database. A tick is the CLI's
`investigate watch --once` in a child process (argument list, own session, a time limit), never a
second implementation. After it, `next_run_at` is the schedule's next time from now: a watch missed
during downtime runs once when the service is back, not once per missed interval or cron time.

The webhook's HMAC secret of a watch (`notify_secret`) is write-only in the API (views say only
`has_notify_secret`); the tick gets it in its environment, never on its command line or in a file.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from investigator.service.allowlist import Allowlist, RepoInvalid, RepoRefused
from investigator.service.jobs import Forbidden, SubmissionError
from investigator.service.schedule import (
    DEFAULT_INTERVAL_S,
    MIN_INTERVAL_S,
    check_cron,
    check_timezone,
    next_run,
)
from investigator.service.settings import ServiceSettings
from investigator.service.store import utcnow
from investigator.watch.state import Alert, MetricPoint, Tick, Watch

OPTION_FIELDS = ("baseline", "probe_command", "primary_metric", "seeds", "notify_url", "notify_format")
SECRET_ENV = "INVESTIGATOR_WATCH_NOTIFY_SECRET"  # the tick's environment variable holding the watch's secret
MAX_INTERVAL_S = 30 * 86400


class Schedule(BaseModel):
    """`interval_s` or `cron` (with an optional `timezone`): the fields and checks shared by create and PATCH."""

    interval_s: int | None = Field(default=None, ge=MIN_INTERVAL_S, le=MAX_INTERVAL_S,
                                   description=f"seconds between ticks (default {DEFAULT_INTERVAL_S} when no cron is given)")
    cron: str | None = Field(default=None, min_length=1, max_length=200,
                             description="5-field cron expression (minute hour day-of-month month day-of-week), "
                                         "instead of interval_s")
    timezone: str | None = Field(default=None, min_length=1, max_length=64,
                                 description="IANA timezone the cron expression is read in (default UTC)")

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        return None if v is None else check_cron(v)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str | None) -> str | None:
        return None if v is None else check_timezone(v)

    @model_validator(mode="after")
    def _one_schedule(self) -> Schedule:
        if self.interval_s is not None and self.cron is not None:
            raise ValueError("give interval_s or cron, not both")
        return self


class WatchCreate(Schedule):
    """`POST /v1/watches`: the `investigate watch` options (docs/watch.md), underscores for dashes."""

    model_config = ConfigDict(extra="forbid")

    repo: str = Field(min_length=1, max_length=2000, description="path or URL; must match the allowlist")
    branch: str = Field(min_length=1, max_length=250, pattern=r"^[^\s~^:?*\[\\]+$")
    name: str | None = Field(default=None, min_length=1, max_length=200, description="default <repo name>:<branch>")
    baseline: str | None = Field(default=None, min_length=1, max_length=250,
                                 description="a fixed baseline ref (default: the last commit judged good)")
    probe_command: str | None = Field(default=None, min_length=1, max_length=4000,
                                      description="training command with {seed} and {logdir}")
    primary_metric: str | None = Field(default=None, min_length=1, max_length=250)
    seeds: int = Field(default=3, ge=1, le=64)
    notify_url: str | None = Field(default=None, min_length=1, max_length=2000)
    notify_secret: str | None = Field(default=None, min_length=1, max_length=500,
                                      description="HMAC-SHA256 key of the webhook's signature; write-only")
    notify_format: Literal["json", "slack"] | None = Field(
        default=None, description="payload shape (default: slack for hooks.slack.com, else json)")

    @field_validator("branch", "baseline")
    @classmethod
    def _not_option(cls, v: str | None) -> str | None:
        if v is not None and v.startswith("-"):
            raise ValueError("must not start with '-'")
        return v

    @model_validator(mode="after")
    def _timezone_needs_cron(self) -> WatchCreate:
        if self.timezone is not None and self.cron is None:
            raise ValueError("timezone: applies to a cron schedule; give cron too")
        if self.interval_s is None and self.cron is None:
            self.interval_s = DEFAULT_INTERVAL_S
        return self


class WatchPatch(Schedule):
    """`PATCH /v1/watches/{id}`: a new schedule (interval_s, or cron and/or timezone) and the
    notification target (notify_url, notify_secret; null removes either). Absent fields stay."""

    model_config = ConfigDict(extra="forbid")

    notify_url: str | None = Field(default=None, min_length=1, max_length=2000)
    notify_secret: str | None = Field(default=None, min_length=1, max_length=500,
                                      description="HMAC-SHA256 key of the webhook's signature; write-only")


class WatchView(BaseModel):
    id: int
    name: str
    repo: str
    branch: str
    baseline_policy: str
    baseline_sha: str | None
    last_seen_sha: str | None
    options: dict[str, Any] | None
    interval_s: int | None
    cron: str | None
    timezone: str | None  # of the cron (null: UTC)
    has_notify_secret: bool  # the secret itself is never returned
    paused: bool
    next_run_at: datetime | None
    running: bool

    @classmethod
    def of(cls, w: Watch) -> WatchView:
        running = w.lease_until is not None and w.lease_until > utcnow()
        return cls(id=w.id, name=w.name, repo=w.repo, branch=w.branch, baseline_policy=w.baseline_policy,
                   baseline_sha=w.baseline_sha, last_seen_sha=w.last_seen_sha, options=w.options,
                   interval_s=None if w.cron else w.interval_s, cron=w.cron, timezone=w.timezone,
                   has_notify_secret=bool(w.notify_secret), paused=w.paused, next_run_at=w.next_run_at,
                   running=running)


class WatchDetail(WatchView):
    ticks: list[dict[str, Any]]
    points: list[dict[str, Any]]
    alerts: list[dict[str, Any]]


def check_notify_url(url: str | None) -> None:
    if url is not None:
        from investigator.git.errors import InputError
        from investigator.watch.notify import check_url

        try:
            check_url(url)
        except InputError as exc:
            raise SubmissionError(f"notify_url: {exc}") from None


def check_watch(body: WatchCreate, settings: ServiceSettings) -> str:
    """The repository (resolved by the allowlist) or a SubmissionError; the probe command is checked
    as the CLI checks it, so a bad one is a 422 now and not a failed tick every interval."""
    try:
        repo = Allowlist.of(settings.allow_repos).check_repo(body.repo)
    except RepoRefused as exc:
        raise Forbidden(str(exc)) from None
    except RepoInvalid as exc:
        raise SubmissionError(str(exc)) from None
    if body.probe_command is not None and "{logdir}" not in body.probe_command:
        raise SubmissionError("probe_command: no {logdir} placeholder: the metric is read from the logs the command writes there")
    check_notify_url(body.notify_url)
    return repo


def _row(row: Any) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in row.__table__.columns}


class WatchStore:
    """The service's view of the watch tables (the tick writes them through `watch/state.py`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._postgres = engine.dialect.name == "postgresql"

    def create(self, body: WatchCreate, repo: str) -> Watch | None:
        """The new watch, due now (interval) or at its first cron time; None when the name is taken."""
        name = body.name or f"{Path(repo.rstrip('/')).name.removesuffix('.git')}:{body.branch}"
        options = {f: getattr(body, f) for f in OPTION_FIELDS}
        now = utcnow()
        w = Watch(name=name, repo=repo, branch=body.branch, baseline_policy="fixed" if body.baseline else "last_good",
                  baseline_ref=body.baseline, config_key="", options=options, interval_s=body.interval_s,
                  cron=body.cron, timezone=body.timezone if body.cron else None, notify_secret=body.notify_secret,
                  paused=False, next_run_at=next_run(now, None, body.cron, body.timezone) if body.cron else now)
        try:
            with self._sessions.begin() as s:
                s.add(w)
        except IntegrityError:
            return None
        return w

    def all(self) -> list[Watch]:
        with self._sessions.begin() as s:
            return list(s.scalars(select(Watch).order_by(Watch.id)))

    def get(self, watch_id: int) -> Watch | None:
        with self._sessions.begin() as s:
            return s.get(Watch, watch_id)

    def history(self, watch_id: int) -> dict[str, list[dict[str, Any]]]:
        with self._sessions.begin() as s:
            return {
                "ticks": [_row(t) for t in s.scalars(select(Tick).where(Tick.watch_id == watch_id).order_by(Tick.id))],
                "points": [_row(p) for p in s.scalars(select(MetricPoint).where(MetricPoint.watch_id == watch_id)
                                                      .order_by(MetricPoint.seq, MetricPoint.id))],
                "alerts": [_row(a) for a in s.scalars(select(Alert).where(Alert.watch_id == watch_id).order_by(Alert.id))],
            }

    def set_paused(self, watch_id: int, paused: bool) -> Watch | None:
        """Pause or resume; a resumed watch is due now (its missed interval runs once)."""
        values: dict[str, Any] = {"paused": paused}
        if not paused:
            values["next_run_at"] = utcnow()
        with self._sessions.begin() as s:
            if s.execute(update(Watch).where(Watch.id == watch_id, Watch.options.is_not(None)).values(**values)).rowcount != 1:  # type: ignore[attr-defined]
                return None
        return self.get(watch_id)

    def patch(self, watch_id: int, body: WatchPatch) -> Watch | None:
        """A new schedule (due at its next time from now) and/or notification target; None when there
        is no service watch `watch_id`; SubmissionError when a timezone is given to an interval watch."""
        given = body.model_fields_set
        with self._sessions.begin() as s:
            w = s.get(Watch, watch_id)
            if w is None or w.options is None:
                return None
            rescheduled = True
            if body.cron is not None:
                w.cron, w.interval_s = body.cron, None
                w.timezone = body.timezone if "timezone" in given else w.timezone
            elif body.interval_s is not None:
                w.cron, w.timezone, w.interval_s = None, None, body.interval_s
                if body.timezone is not None:
                    raise SubmissionError("timezone: applies to a cron schedule, not to interval_s")
            elif "timezone" in given:
                if w.cron is None:
                    raise SubmissionError("timezone: this watch runs every interval_s; give cron to read one in a timezone")
                w.timezone = body.timezone
            else:
                rescheduled = False
            if rescheduled:
                w.next_run_at = next_run(utcnow(), w.interval_s, w.cron, w.timezone)
            if "notify_url" in given:
                w.options = {**w.options, "notify_url": body.notify_url}
            if "notify_secret" in given:
                w.notify_secret = body.notify_secret
        return self.get(watch_id)

    def run_now(self, watch_id: int) -> Watch | None:
        """Make an unpaused service watch due now (the scheduler claims it within its poll); None when
        there is no such watch, it is paused, or it is a CLI watch. A tick running now is left alone:
        its end sets the next run one interval later, so "run now" during a tick is asked again after."""
        with self._sessions.begin() as s:
            if s.execute(update(Watch).where(Watch.id == watch_id, Watch.options.is_not(None), Watch.paused.is_(False))
                         .values(next_run_at=utcnow())).rowcount != 1:  # type: ignore[attr-defined]
                return None
        return self.get(watch_id)

    def delete(self, watch_id: int) -> bool:
        """The watch and its history (children first: SQLite does not enforce ON DELETE CASCADE)."""
        with self._sessions.begin() as s:
            if s.get(Watch, watch_id) is None:
                return False
            for table in (Tick, MetricPoint, Alert):
                s.execute(delete(table).where(table.watch_id == watch_id))
            s.execute(delete(Watch).where(Watch.id == watch_id))
        return True

    def claim_due(self, owner: str, lease_s: float) -> Watch | None:
        """One due, unpaused service watch whose lease is free, now held by `owner` for `lease_s`."""
        for _ in range(8):  # lost races retry with the next candidate
            now = utcnow()
            due = and_(Watch.options.is_not(None), Watch.paused.is_(False), Watch.next_run_at <= now,
                       or_(Watch.lease_until.is_(None), Watch.lease_until < now))
            with self._sessions.begin() as s:
                query = select(Watch.id).where(due).order_by(Watch.next_run_at, Watch.id).limit(1)
                if self._postgres:
                    query = query.with_for_update(skip_locked=True)
                watch_id = s.scalar(query)
                if watch_id is None:
                    return None
                won = s.execute(update(Watch).where(Watch.id == watch_id, due).values(
                    lease_owner=owner, lease_until=now + timedelta(seconds=lease_s))).rowcount  # type: ignore[attr-defined]
                if won == 1:
                    return s.get(Watch, watch_id, populate_existing=True)
        return None

    def release(self, watch_id: int, owner: str) -> bool:
        """After a tick: the schedule's next time from now (not from the missed due time: a watch
        missed during downtime runs once), lease freed."""
        with self._sessions.begin() as s:
            w = s.get(Watch, watch_id)
            if w is None or w.lease_owner != owner:
                return False
            w.next_run_at = next_run(utcnow(), w.interval_s, w.cron, w.timezone)
            w.lease_owner, w.lease_until = None, None
        return True


def report_url_prefix(public_url: str, watch_id: int) -> str:
    """Where the service serves the files of a watch's report folder (the UI's route, read scope:
    a browser without a key is sent to sign in and back)."""
    return f"{public_url.rstrip('/')}/ui/watches/{watch_id}/reports"


def tick_command(w: Watch, db_url: str, output: Path, public_url: str | None = None) -> list[str]:
    """`investigate watch ... --once` for `w` (an argument list: nothing goes through a shell). The
    watch's secret is named by its environment variable only (`tick_env` puts it there)."""
    o = w.options or {}
    cmd = [sys.executable, "-m", "investigator.cli", "watch", "--repo", w.repo, "--branch", w.branch,
           "--state", db_url, "--name", w.name, "--once", "--quiet", "--output", str(output)]
    if o.get("baseline"):
        cmd += ["--baseline", o["baseline"]]
    if o.get("probe_command"):
        cmd += ["--probe-command", o["probe_command"], "--seeds", str(o.get("seeds") or 3)]
    if o.get("primary_metric"):
        cmd += ["--primary-metric", o["primary_metric"]]
    if o.get("notify_url"):
        cmd += ["--notify-url", o["notify_url"]]
        if w.notify_secret:
            cmd += ["--notify-secret-env", SECRET_ENV]
    if o.get("notify_format"):
        cmd += ["--notify-format", o["notify_format"]]
    if public_url:
        cmd += ["--report-url-prefix", report_url_prefix(public_url, w.id)]
    return cmd


def tick_env(w: Watch) -> dict[str, str]:
    """The tick's environment: the service's, with the watch's secret (or none: another watch's
    secret is never inherited). The tick removes it from its own environment before any training
    run or git command starts (`watch/command.py`), so only the notifier sees it."""
    env = {k: v for k, v in os.environ.items() if k != SECRET_ENV}
    if w.notify_secret:
        env[SECRET_ENV] = w.notify_secret
    return env


@dataclass
class TickOutcome:
    watch_id: int
    exit_code: int | None  # None: killed at the time limit


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class WatchScheduler:
    """A thread that ticks due watches, one at a time per process; started by the app's lifespan."""

    def __init__(self, settings: ServiceSettings, store: WatchStore, *, poll_s: float = 5.0,
                 tick_timeout_s: float = 4 * 3600.0) -> None:
        self.settings, self.store = settings, store
        self.poll_s, self.tick_timeout_s = poll_s, tick_timeout_s
        self.owner = f"watch-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.command: Callable[[Watch, str, Path], list[str]] = functools.partial(tick_command,
                                                                                  public_url=settings.public_url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    def _run_tick(self, cmd: list[str], log: Path, env: dict[str, str]) -> int | None:
        """The tick in its own session, so its training runs die with it at the time limit or at stop."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True, env=env)
            self._proc = proc
            try:
                return proc.wait(timeout=self.tick_timeout_s)
            except subprocess.TimeoutExpired:
                _kill(proc)
                return None
            finally:
                self._proc = None

    def run_due(self) -> list[TickOutcome]:
        """Tick every watch due now (each claimed first: another process may hold it)."""
        done: list[TickOutcome] = []
        while not self._stop.is_set():
            w = self.store.claim_due(self.owner, self.tick_timeout_s + 60.0)
            if w is None:
                break
            folder = self.settings.data_dir / "watches" / str(w.id)
            from investigator.service.db import database_url

            code = self._run_tick(self.command(w, database_url(self.settings.db_url), folder / "reports"),
                                  folder / "ticks.log", tick_env(w))
            self.store.release(w.id, self.owner)
            done.append(TickOutcome(w.id, code))
        return done

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception as exc:  # a database hiccup must not end the scheduler
                print(f"investigate serve: watch scheduler: {exc.__class__.__name__}: {exc}", file=sys.stderr)
            self._stop.wait(self.poll_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="watch-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop claiming; a running tick is killed (its lease expires, the watch runs again later)."""
        self._stop.set()
        proc = self._proc
        if proc is not None:
            _kill(proc)
        if self._thread is not None:
            self._thread.join(timeout=10)
