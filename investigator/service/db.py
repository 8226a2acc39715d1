"""The service's database: one SQLAlchemy engine per URL, one metadata (`Base`), schema by Alembic.

SQLite (a file, zero setup) is the default; PostgreSQL is given by URL. The schema is created and
upgraded only through the migrations in `investigator/service/migrations/` (`upgrade`), never by
`create_all`, so a database made by an older release is upgraded in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """The metadata every service table (jobs, keys, watches) is declared on."""


def database_url(text: str) -> str:
    """A URL SQLAlchemy can open: `postgresql://` and `postgres://` get the psycopg 3 driver; a plain
    path is a SQLite file (its directory is created)."""
    text = text.strip()
    if not text:
        raise ValueError("empty database URL")
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix):]
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    """An engine for `url` (already normalised or not). SQLite: WAL journal and a busy timeout, so
    several processes (the service, its workers) share the file safely."""
    url = database_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` with Alembic (programmatic config, no alembic.ini)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = database_url(url)
    command.upgrade(config, revision)


def connect(url: str) -> Engine:
    """The engine for `url`, its schema upgraded to the newest revision first."""
    upgrade(url)
    return make_engine(url)
