"""watches: cron schedules (an expression and its timezone) and the per-watch webhook secret (issue 18)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = ("cron", "timezone", "notify_secret")


def upgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        batch.add_column(sa.Column("cron", sa.String(200), nullable=True))  # null: every interval_s
        batch.add_column(sa.Column("timezone", sa.String(64), nullable=True))  # of the cron; null: UTC
        batch.add_column(sa.Column("notify_secret", sa.Text(), nullable=True))  # HMAC key; never returned by the API


def downgrade() -> None:
    with op.batch_alter_table("watches") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
