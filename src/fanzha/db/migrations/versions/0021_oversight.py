"""Oversight: monthly notifications (Art 24) and their append-only archive with SM3 digests.

Revision ID: 0021
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fanzha.db.append_only import guard, unguard

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "oversight_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sm3", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_notifications")),
    )
    with op.batch_alter_table("oversight_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oversight_notifications_month"), ["month"], unique=False)
    op.create_table(
        "oversight_archive",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("sm3", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["oversight_notifications.id"],
            name=op.f("fk_oversight_archive_notification_id_oversight_notifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_archive")),
        sa.UniqueConstraint("notification_id", name=op.f("uq_oversight_archive_notification_id")),
    )
    dialect = op.get_bind().dialect.name
    for statement in guard(dialect, "oversight_archive"):
        op.execute(statement)


def downgrade() -> None:
    """Revert."""
    dialect = op.get_bind().dialect.name
    for statement in unguard(dialect, "oversight_archive"):
        op.execute(statement)
    op.drop_table("oversight_archive")
    with op.batch_alter_table("oversight_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oversight_notifications_month"))
    op.drop_table("oversight_notifications")
