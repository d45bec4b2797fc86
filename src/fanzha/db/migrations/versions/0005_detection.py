"""Detection: runs with leases, their alerts, the outcomes policies made of them.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "detect_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("engine_version", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("data_dir", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("stage", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("alerts_high", sa.Integer(), nullable=False),
        sa.Column("alerts_medium", sa.Integer(), nullable=False),
        sa.Column("alerts_low", sa.Integer(), nullable=False),
        sa.Column("policies_applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_detect_runs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_runs")),
    )
    with op.batch_alter_table("detect_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detect_runs_engine"), ["engine"], unique=False)
        batch_op.create_index(batch_op.f("ix_detect_runs_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_detect_runs_status"), ["status"], unique=False)

    op.create_table(
        "detect_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("masked", sa.String(length=200), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["detect_runs.id"], name=op.f("fk_detect_alerts_run_id_detect_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_alerts")),
        sa.UniqueConstraint("run_id", "kind", "token", name=op.f("uq_detect_alerts_run_id")),
    )
    with op.batch_alter_table("detect_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detect_alerts_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_detect_alerts_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_detect_alerts_token"), ["token"], unique=False)

    op.create_table(
        "detect_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["detect_alerts.id"], name=op.f("fk_detect_outcomes_alert_id_detect_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["detect_runs.id"], name=op.f("fk_detect_outcomes_run_id_detect_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_detect_outcomes")),
        sa.UniqueConstraint("alert_id", "outcome", name=op.f("uq_detect_outcomes_alert_id")),
    )
    with op.batch_alter_table("detect_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_detect_outcomes_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("detect_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detect_outcomes_run_id"))

    op.drop_table("detect_outcomes")
    with op.batch_alter_table("detect_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detect_alerts_token"))
        batch_op.drop_index(batch_op.f("ix_detect_alerts_run_id"))
        batch_op.drop_index(batch_op.f("ix_detect_alerts_level"))

    op.drop_table("detect_alerts")
    with op.batch_alter_table("detect_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detect_runs_status"))
        batch_op.drop_index(batch_op.f("ix_detect_runs_org_id"))
        batch_op.drop_index(batch_op.f("ix_detect_runs_engine"))

    op.drop_table("detect_runs")
