"""What a watch remembers between ticks, in SQL (SQLAlchemy 2): SQLite by a path or URL, PostgreSQL
(`postgresql+psycopg://...`) the same way.

Why a database and not a JSON file: a watch runs from cron, CI or the service, possibly two ticks at
once; rows are written in transactions, and the service's job store is the same kind of database.

- `watches`: one row per watched branch: the baseline policy (a fixed ref, or the last commit judged
  good) and its current commit, the last commit seen, the configuration the metric was measured with.
- `watch_points`: the metric per commit (every seed's value and the IQM with its interval), in the
  order the watch measured them; `config_key` keeps histories of different commands apart.
- `watch_alerts`: one row per regression (unique key: watch + first bad commit), open or resolved,
  with its report and the notifications sent for it.
- `watch_ticks`: each tick's outcome and notes (failed deliveries included).

The tables are declared on the service's `Base` and created by its Alembic migrations (revision
0002), so the service's database can hold its watches; `--state` may be that same database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from investigator.git.errors import InputError
from investigator.service.db import Base


def _now() -> datetime:
    return datetime.now(UTC)


class Watch(Base):
    __tablename__ = "watches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    repo: Mapped[str] = mapped_column(Text)
    branch: Mapped[str] = mapped_column(String(250))
    baseline_policy: Mapped[str] = mapped_column(String(20))  # "fixed" | "last_good"
    baseline_ref: Mapped[str | None] = mapped_column(Text, nullable=True)  # the ref the user gave (fixed)
    baseline_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the current reference commit
    last_seen_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    config_key: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
    # the service's schedule (revision 0003; docs/service.md "Watches"): null options = a CLI watch
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    interval_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)  # naive UTC
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # naive UTC
    # revision 0004: a cron schedule instead of interval_s, and the webhook's HMAC secret (write-only in the API)
    cron: Mapped[str | None] = mapped_column(String(200), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the cron's; null: UTC
    notify_secret: Mapped[str | None] = mapped_column(Text, nullable=True)


class MetricPoint(Base):
    __tablename__ = "watch_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # the order the watch measured heads in
    sha: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text, default="")
    config_key: Mapped[str] = mapped_column(String(64), default="")
    values: Mapped[list[float]] = mapped_column(JSON, default=list)  # one per seed
    iqm: Mapped[float | None] = mapped_column(Float, nullable=True)
    ci_low: Mapped[float | None] = mapped_column(Float, nullable=True)
    ci_high: Mapped[float | None] = mapped_column(Float, nullable=True)
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Alert(Base):
    __tablename__ = "watch_alerts"
    __table_args__ = (UniqueConstraint("watch_id", "key", name="uq_watch_alert_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))  # the first bad commit (or the change point's commit)
    kind: Mapped[str] = mapped_column(String(20))  # "regression" | "drift" | "static"
    status: Mapped[str] = mapped_column(String(20), default="open")  # "open" | "resolved"
    severity: Mapped[str] = mapped_column(String(20))
    culprit_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    culprit_subject: Mapped[str] = mapped_column(Text, default="")
    reference_sha: Mapped[str] = mapped_column(String(64))  # the good commit it is measured against
    head_sha: Mapped[str] = mapped_column(String(64))  # the last head it was checked at
    summary: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[str | None] = mapped_column(Text, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # top findings, metric figures
    notifications: Mapped[int] = mapped_column(Integer, default=0)  # messages delivered for it
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Tick(Base):
    __tablename__ = "watch_ticks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    head_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    new_commits: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(30), default="")
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)


def database_url(state: str) -> str:
    """`--state`: a SQLAlchemy URL, or a plain path (a SQLite file); InputError (one line) otherwise."""
    if "://" not in state:
        path = Path(state).expanduser()
        if path.is_dir():
            raise InputError(f"--state: {state} is a directory (give a database file or a URL)")
        if not path.parent.is_dir():
            raise InputError(f"--state: the directory of {state} does not exist")
        return f"sqlite:///{path.resolve()}"
    try:
        url = make_url(state)
    except ArgumentError as exc:
        raise InputError(f"--state: not a database URL: {state} ({exc})") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(f"--state: unsupported database {url.get_backend_name()!r} (sqlite or postgresql)")
    return state


class Store:
    """The watch tables in one database; every method is one transaction."""

    def __init__(self, state: str) -> None:
        from investigator.service import db

        self.url = db.database_url(database_url(state))
        try:
            db.upgrade(self.url)  # the schema only through the service's Alembic migrations
            self.engine: Engine = db.make_engine(self.url)
        except (SQLAlchemyError, ImportError, OSError) as exc:
            raise InputError(f"--state: cannot open {state}: {str(exc).splitlines()[0]}") from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()

    # -- watches
    def watch(self, name: str) -> Watch | None:
        with self.session() as s:
            return s.scalar(select(Watch).where(Watch.name == name))

    def save(self, row: Base) -> Any:
        """Insert or update one row; returns it (ids filled in)."""
        with self.session() as s:
            merged = s.merge(row)
            s.flush()
            return merged

    # -- history
    def points(self, watch_id: int, config_key: str | None = None) -> list[MetricPoint]:
        with self.session() as s:
            q = select(MetricPoint).where(MetricPoint.watch_id == watch_id)
            if config_key is not None:
                q = q.where(MetricPoint.config_key == config_key)
            return list(s.scalars(q.order_by(MetricPoint.seq, MetricPoint.id)))

    def next_seq(self, watch_id: int) -> int:
        pts = self.points(watch_id)
        return (pts[-1].seq + 1) if pts else 0

    # -- alerts
    def alerts(self, watch_id: int, status: str | None = None) -> list[Alert]:
        with self.session() as s:
            q = select(Alert).where(Alert.watch_id == watch_id)
            if status is not None:
                q = q.where(Alert.status == status)
            return list(s.scalars(q.order_by(Alert.id)))

    def alert(self, watch_id: int, key: str) -> Alert | None:
        with self.session() as s:
            return s.scalar(select(Alert).where(Alert.watch_id == watch_id, Alert.key == key))

    def ticks(self, watch_id: int) -> list[Tick]:
        with self.session() as s:
            return list(s.scalars(select(Tick).where(Tick.watch_id == watch_id).order_by(Tick.id)))
