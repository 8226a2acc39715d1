"""Jobs, their progress events and API keys in the service database.

A job is claimed by one worker at a time through a lease (`owner`, `lease_until`) renewed while it
runs: a worker that dies stops renewing, and once the lease has expired any service process may claim
the job again and resume it from its last checkpoint. Claims are atomic on SQLite and PostgreSQL
alike (a conditional UPDATE that only one claimant can win; `FOR UPDATE SKIP LOCKED` on PostgreSQL so
concurrent claimants do not queue on the same row). Finishing is conditional on still holding the
lease, so no job is finished twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from investigator.service.db import Base

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
FINISHED: tuple[JobStatus, ...] = ("succeeded", "failed", "cancelled")
Scope = Literal["submit", "read", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "submit", "admin")  # each includes the ones before it


def utcnow() -> datetime:
    """Naive UTC: what both SQLite and PostgreSQL `timestamp` columns hold without conversion."""
    return datetime.now(UTC).replace(tzinfo=None)


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    repo: Mapped[str] = mapped_column(String(2048), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the validated submission (schemas.JobSubmission)
    submitted_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # API key id
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(128), nullable=True)  # worker holding the lease
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims so far (a resume is a new claim)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    current_step: Mapped[str | None] = mapped_column(String(128), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    critical: Mapped[int | None] = mapped_column(Integer, nullable=True)
    significant: Mapped[int | None] = mapped_column(Integer, nullable=True)
    low: Mapped[int | None] = mapped_column(Integer, nullable=True)
    output_dir: Mapped[str | None] = mapped_column(String(4096), nullable=True)
    reports: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # format -> file written


class JobEventRow(Base):
    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    step: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # started | finished | skipped | failed | job state
    detail: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the public part of the key
    secret_hash: Mapped[str] = mapped_column(String(128))  # sha256 hex of the whole key
    scope: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


@dataclass(frozen=True)
class Job:
    """A job as read from the store (detached from any session)."""

    id: str
    status: str
    repo: str
    request: dict[str, Any]
    submitted_by: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    owner: str | None
    lease_until: datetime | None
    attempts: int
    cancel_requested: bool
    current_step: str | None
    error: str | None
    critical: int | None
    significant: int | None
    low: int | None
    output_dir: str | None
    reports: dict[str, str]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @classmethod
    def of(cls, row: JobRow) -> Job:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class JobEvent:
    seq: int  # increasing per store; `events(after=seq)` resumes a stream
    job_id: str
    at: datetime
    step: str
    status: str
    detail: str
    seconds: float | None


@dataclass(frozen=True)
class ApiKey:
    id: str
    scope: str
    name: str
    created_at: datetime
    revoked_at: datetime | None

    def allows(self, needed: Scope) -> bool:
        """admin ⊇ submit ⊇ read."""
        return SCOPES.index(self.scope) >= SCOPES.index(needed)


@dataclass(frozen=True)
class Renewal:
    held: bool  # False: the lease was lost (expired and claimed elsewhere, or the job finished)
    cancel_requested: bool


@dataclass(frozen=True)
class Stats:
    by_status: dict[str, int]
    finished_count: int
    finished_seconds_sum: float  # wall from start to finish of finished jobs, for Prometheus summaries

    @property
    def queue_length(self) -> int:
        return self.by_status.get("queued", 0)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class JobStore:
    """All reads and writes of jobs, events and keys: one short transaction per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    # -- jobs --
    def submit(self, repo: str, request: dict[str, Any], submitted_by: str | None = None) -> Job:
        row = JobRow(id=uuid.uuid4().hex, status="queued", repo=repo, request=request, submitted_by=submitted_by,
                     created_at=utcnow(), attempts=0, cancel_requested=False, reports={})
        with self._session() as s:
            s.add(row)
        return Job.of(row)

    def get(self, job_id: str) -> Job | None:
        with self._session() as s:
            row = s.get(JobRow, job_id)
            return Job.of(row) if row is not None else None

    def list_jobs(self, *, repo: str | None = None, status: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Job], int]:
        """Newest first, and the total matching count (for pagination)."""
        conditions = []
        if repo is not None:
            conditions.append(JobRow.repo == repo)
        if status is not None:
            conditions.append(JobRow.status == status)
        if since is not None:
            conditions.append(JobRow.created_at >= since)
        if until is not None:
            conditions.append(JobRow.created_at < until)
        where = and_(*conditions) if conditions else and_(True)
        with self._session() as s:
            total = s.scalar(select(func.count()).select_from(JobRow).where(where)) or 0
            rows = s.scalars(select(JobRow).where(where).order_by(JobRow.created_at.desc(), JobRow.id)
                             .limit(limit).offset(offset)).all()
            return [Job.of(r) for r in rows], int(total)

    def claim(self, owner: str, lease_s: float) -> Job | None:
        """The oldest queued job, or a running one whose lease expired (its worker died): now held by
        `owner` until `lease_s` from now. None when there is nothing to do."""
        for _ in range(8):  # lost races retry with the next candidate
            now = utcnow()
            claimable = or_(JobRow.status == "queued", and_(JobRow.status == "running", JobRow.lease_until < now))
            with self._session() as s:
                query = select(JobRow.id).where(claimable).order_by(JobRow.created_at, JobRow.id).limit(1)
                if self._postgres:
                    query = query.with_for_update(skip_locked=True)
                job_id = s.scalar(query)
                if job_id is None:
                    return None
                won = s.execute(
                    update(JobRow).where(JobRow.id == job_id, claimable).values(
                        status="running", owner=owner, lease_until=now + timedelta(seconds=lease_s),
                        attempts=JobRow.attempts + 1, started_at=func.coalesce(JobRow.started_at, now))
                ).rowcount  # type: ignore[attr-defined]
                if won == 1:
                    row = s.get(JobRow, job_id, populate_existing=True)
                    assert row is not None
                    return Job.of(row)
        return None

    def renew(self, job_id: str, owner: str, lease_s: float, current_step: str | None = None) -> Renewal:
        """Extend `owner`'s lease; says whether it is still held and whether a cancel was asked."""
        values: dict[str, Any] = {"lease_until": utcnow() + timedelta(seconds=lease_s)}
        if current_step is not None:
            values["current_step"] = current_step
        with self._session() as s:
            held = s.execute(update(JobRow).where(JobRow.id == job_id, JobRow.owner == owner,
                                                  JobRow.status == "running").values(**values)).rowcount  # type: ignore[attr-defined]
            cancel = s.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id))
        return Renewal(held=held == 1, cancel_requested=bool(cancel))

    def finish(self, job_id: str, owner: str, status: JobStatus, *, error: str | None = None,
               counts: dict[str, int] | None = None, reports: dict[str, str] | None = None,
               output_dir: str | None = None) -> bool:
        """Record the outcome, only while `owner` holds the job (False: it did not; nothing written)."""
        if status not in FINISHED:
            raise ValueError(f"not a final status: {status}")
        counts = counts or {}
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "lease_until": None, "error": error,
                                  "critical": counts.get("critical"), "significant": counts.get("significant"),
                                  "low": counts.get("low"), "reports": reports or {}}
        if output_dir is not None:
            values["output_dir"] = output_dir
        with self._session() as s:
            done = s.execute(update(JobRow).where(JobRow.id == job_id, JobRow.owner == owner,
                                                  JobRow.status == "running").values(**values)).rowcount  # type: ignore[attr-defined]
        return bool(done == 1)

    def set_output_dir(self, job_id: str, output_dir: str) -> None:
        with self._session() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(output_dir=output_dir))

    def request_cancel(self, job_id: str) -> Job | None:
        """A queued job is cancelled at once; a running one is flagged for its worker (which kills its
        probes and records `cancelled`). Finished jobs are left as they are. None: no such job."""
        with self._session() as s:
            row = s.get(JobRow, job_id, with_for_update=self._postgres)
            if row is None:
                return None
            if row.status == "queued":
                row.status, row.finished_at = "cancelled", utcnow()
            elif row.status == "running":
                row.cancel_requested = True
            return Job.of(row)

    # -- progress events --
    def add_event(self, job_id: str, step: str, status: str, detail: str = "", seconds: float | None = None) -> int:
        with self._session() as s:
            row = JobEventRow(job_id=job_id, at=utcnow(), step=step, status=status, detail=detail, seconds=seconds)
            s.add(row)
            s.flush()
            return int(row.id)

    def events(self, job_id: str, after: int = 0, limit: int = 1000) -> list[JobEvent]:
        with self._session() as s:
            rows = s.scalars(select(JobEventRow).where(JobEventRow.job_id == job_id, JobEventRow.id > after)
                             .order_by(JobEventRow.id).limit(limit)).all()
            return [JobEvent(seq=r.id, job_id=r.job_id, at=r.at, step=r.step, status=r.status, detail=r.detail,
                             seconds=r.seconds) for r in rows]

    # -- figures and retention --
    def stats(self) -> Stats:
        with self._session() as s:
            by_status = {str(k): int(v) for k, v in s.execute(select(JobRow.status, func.count()).group_by(JobRow.status))}
            rows = s.execute(select(JobRow.started_at, JobRow.finished_at).where(
                JobRow.status.in_(FINISHED), JobRow.started_at.is_not(None), JobRow.finished_at.is_not(None))).all()
        seconds = [(f - st).total_seconds() for st, f in rows if st is not None and f is not None]
        return Stats(by_status=by_status, finished_count=len(seconds), finished_seconds_sum=sum(seconds))

    def purge(self, older_than: timedelta) -> list[Job]:
        """Delete finished jobs (and their events) that finished before now - `older_than`; returns them so
        the caller can remove their report directories."""
        cutoff = utcnow() - older_than
        with self._session() as s:
            rows = s.scalars(select(JobRow).where(JobRow.status.in_(FINISHED), JobRow.finished_at < cutoff)).all()
            gone = [Job.of(r) for r in rows]
            ids = [j.id for j in gone]
            if ids:
                s.execute(delete(JobEventRow).where(JobEventRow.job_id.in_(ids)))
                s.execute(delete(JobRow).where(JobRow.id.in_(ids)))
        return gone

    # -- API keys --
    def create_key(self, scope: Scope, name: str = "") -> tuple[ApiKey, str]:
        """A new key: returns its record and the secret text, shown once (only its hash is stored)."""
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r} (expected one of {', '.join(SCOPES)})")
        key_id = secrets.token_hex(6)
        text = f"inv_{key_id}_{secrets.token_urlsafe(32)}"
        row = ApiKeyRow(id=key_id, secret_hash=_hash(text), scope=scope, name=name, created_at=utcnow())
        with self._session() as s:
            s.add(row)
        return ApiKey(id=row.id, scope=row.scope, name=row.name, created_at=row.created_at, revoked_at=None), text

    def authenticate(self, text: str) -> ApiKey | None:
        """The key `text` stands for, if it exists and is not revoked (constant-time hash comparison)."""
        parts = text.split("_")
        if len(parts) < 3 or parts[0] != "inv":
            return None
        with self._session() as s:
            row = s.get(ApiKeyRow, parts[1])
            if row is None or row.revoked_at is not None or not hmac.compare_digest(row.secret_hash, _hash(text)):
                return None
            row.last_used_at = utcnow()
            return ApiKey(id=row.id, scope=row.scope, name=row.name, created_at=row.created_at, revoked_at=None)

    def revoke_key(self, key_id: str) -> bool:
        with self._session() as s:
            done = s.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                             .values(revoked_at=utcnow())).rowcount  # type: ignore[attr-defined]
        return bool(done == 1)

    def keys(self) -> Sequence[ApiKey]:
        with self._session() as s:
            rows = s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).all()
            return [ApiKey(id=r.id, scope=r.scope, name=r.name, created_at=r.created_at, revoked_at=r.revoked_at)
                    for r in rows]
