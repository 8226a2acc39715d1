"""Database URLs the service tests run against: a SQLite file always, PostgreSQL when
INVESTIGATOR_TEST_POSTGRES names a database URL (CI starts one; see .ci/run)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

POSTGRES = os.environ.get("INVESTIGATOR_TEST_POSTGRES")
DROP_ATTEMPTS = 5


def _postgres_database() -> Iterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    assert POSTGRES is not None
    from investigator.service.db import database_url

    admin_url = database_url(POSTGRES)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        # a backend of another role still on the database (a server background worker) makes `FORCE` refuse
        # with InsufficientPrivilege now and then: retry, and leave the database to the throwaway cluster
        # (.ci/postgres.sh removes it at exit) rather than fail a test that passed
        for attempt in range(DROP_ATTEMPTS):
            try:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except DBAPIError:
                time.sleep(0.5 * (attempt + 1))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """Each store test runs on SQLite, and on PostgreSQL when one is configured (else skipped)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/service.db"
        return
    if not POSTGRES:
        pytest.skip("INVESTIGATOR_TEST_POSTGRES not set")
    yield from _postgres_database()
