"""watches: the service's schedule and lease columns (issue 18: watches as a service resource)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_COLUMNS = ("options", "interval_s", "paused", "next_run_at", "lease_owner", "lease_until")


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("options", sa.JSON(), nullable=True))  # null: a CLI watch, not scheduled
        batch.add_column(sa.Column("interval_s", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("next_run_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(100), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
    op.create_index("ix_watches_next_run_at", "watches", ["next_run_at"])


def downgrade() -> None:
    op.drop_index("ix_watches_next_run_at", table_name="watches")
    with op.batch_alter_table("watches") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
