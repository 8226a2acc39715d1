"""watches, watch_points, watch_alerts, watch_ticks (issue 18: the regression watch's state)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("branch", sa.String(250), nullable=False),
        sa.Column("baseline_policy", sa.String(20), nullable=False),
        sa.Column("baseline_ref", sa.Text(), nullable=True),
        sa.Column("baseline_sha", sa.String(64), nullable=True),
        sa.Column("last_seen_sha", sa.String(64), nullable=True),
        sa.Column("config_key", sa.String(64), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "watch_points",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("watch_id", sa.Integer(), sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sha", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("config_key", sa.String(64), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("iqm", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        _ts("measured_at"),
    )
    op.create_index("ix_watch_points_watch_id", "watch_points", ["watch_id"])
    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("watch_id", sa.Integer(), sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("culprit_sha", sa.String(64), nullable=True),
        sa.Column("culprit_subject", sa.Text(), nullable=False),
        sa.Column("reference_sha", sa.String(64), nullable=False),
        sa.Column("head_sha", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("notifications", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _ts("opened_at"),
        _ts("updated_at"),
        _ts("resolved_at", nullable=True),
        sa.UniqueConstraint("watch_id", "key", name="uq_watch_alert_key"),
    )
    op.create_index("ix_watch_alerts_watch_id", "watch_alerts", ["watch_id"])
    op.create_table(
        "watch_ticks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("watch_id", sa.Integer(), sa.ForeignKey("watches.id", ondelete="CASCADE"), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("head_sha", sa.String(64), nullable=True),
        sa.Column("new_commits", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_watch_ticks_watch_id", "watch_ticks", ["watch_id"])


def downgrade() -> None:
    for table in ("watch_ticks", "watch_alerts", "watch_points"):
        op.drop_index(f"ix_{table}_watch_id", table_name=table)
        op.drop_table(table)
    op.drop_table("watches")
