"""Alembic environment: the URL comes from `config.attributes["url"]` (set by `db.upgrade`)."""

from __future__ import annotations

from alembic import context

from investigator.service.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.attributes["url"])
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
