"""Durable LangGraph checkpoints of the service's investigations (thread id = job id).

SQLite job store: one checkpoint file per job, `data_dir/checkpoints/<job id>.sqlite` (no write lock
shared between workers; removed with the job). PostgreSQL job store: LangGraph's own tables in the
same database (`PostgresSaver`, created once per service start under an advisory lock).

The serializer is LangGraph's msgpack one, restricted to the classes of the investigation state
(`state_types`): a checkpoint read back from the database can only rebuild those, and LangGraph's
warning that unregistered types will be blocked does not apply to them.
"""

from __future__ import annotations

import enum
import sqlite3
import types
import typing
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import make_url

from investigator.service.db import database_url, is_sqlite
from investigator.service.settings import ServiceSettings

_SETUP_LOCK = 0x1D_C4EC  # pg_advisory_lock key: one service process creates the tables at a time


def state_types(root: type[BaseModel] | None = None) -> set[tuple[str, str]]:
    """(module, name) of every pydantic model and enum reachable from the investigation state's
    fields: what a checkpoint may rebuild."""
    if root is None:
        from investigator.workflow.state import Investigation

        root = Investigation
    found: set[tuple[str, str]] = set()
    seen: set[int] = set()

    def walk(tp: Any) -> None:
        if id(tp) in seen:
            return
        seen.add(id(tp))
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found.add((tp.__module__, tp.__name__))
            for field in tp.model_fields.values():
                walk(field.annotation)
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            found.add((tp.__module__, tp.__name__))
        for arg in typing.get_args(tp) if isinstance(tp, types.UnionType) or typing.get_origin(tp) else ():
            walk(arg)

    walk(root)
    return found


def serde() -> Any:
    """LangGraph's serializer, allowed to rebuild the investigation state's classes only."""
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    return JsonPlusSerializer(allowed_msgpack_modules=sorted(state_types()))


def _postgres_url(db_url: str) -> str:
    """The libpq form of the service's database URL (psycopg, not SQLAlchemy's `+psycopg`)."""
    url = make_url(database_url(db_url)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def sqlite_path(settings: ServiceSettings, job_id: str) -> Path:
    return settings.data_dir / "checkpoints" / f"{job_id}.sqlite"


def prepare(settings: ServiceSettings) -> None:
    """Create the checkpoint storage (PostgreSQL: LangGraph's tables and their migrations)."""
    if is_sqlite(database_url(settings.db_url)):
        (settings.data_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
        return
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    with Connection.connect(_postgres_url(settings.db_url), autocommit=True, prepare_threshold=0,
                            row_factory=dict_row) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_SETUP_LOCK,))
        try:
            PostgresSaver(conn).setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))


@contextmanager
def open_saver(settings: ServiceSettings, job_id: str) -> Iterator[Any]:
    """The checkpointer of job `job_id` (a `BaseCheckpointSaver`), open for the block."""
    if is_sqlite(database_url(settings.db_url)):
        from langgraph.checkpoint.sqlite import SqliteSaver

        path = sqlite_path(settings, job_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(str(path), check_same_thread=False, timeout=30)) as conn:
            saver = SqliteSaver(conn, serde=serde())
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    with Connection.connect(_postgres_url(settings.db_url), autocommit=True, prepare_threshold=0,
                            row_factory=dict_row) as conn:
        yield PostgresSaver(conn, serde=serde())


def has_checkpoint(saver: Any, job_id: str) -> bool:
    return saver.get_tuple({"configurable": {"thread_id": job_id}}) is not None


def threads(settings: ServiceSettings) -> list[str]:
    """The job ids that have checkpoints."""
    if is_sqlite(database_url(settings.db_url)):
        folder = settings.data_dir / "checkpoints"
        return sorted(p.stem for p in folder.glob("*.sqlite")) if folder.is_dir() else []
    from psycopg import Connection

    with Connection.connect(_postgres_url(settings.db_url), autocommit=True) as conn:
        return [str(row[0]) for row in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")]


def delete(settings: ServiceSettings, job_id: str) -> None:
    """Remove job `job_id`'s checkpoints (retention)."""
    if is_sqlite(database_url(settings.db_url)):
        path = sqlite_path(settings, job_id)
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        return
    from langgraph.checkpoint.postgres import PostgresSaver

    with PostgresSaver.from_conn_string(_postgres_url(settings.db_url)) as saver:
        saver.delete_thread(job_id)
