"""Funds: the victim's phone (for the victim's status page) objections to return notices,
and the freeze expiry warning mark.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply: existing victims have no phone on record (empty mask, null token)."""
    with op.batch_alter_table("funds_victims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("phone_masked", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.create_index(batch_op.f("ix_funds_victims_phone_token"), ["phone_token"], unique=False)
    with op.batch_alter_table("funds_instructions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "funds_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("freeze_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone_token", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=200), nullable=False),
        sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("grounds", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_reason", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["funds_notices.id"], name=op.f("fk_funds_objections_notice_id_funds_notices")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_objections_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["freeze_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_objections_freeze_id_funds_instructions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_objections")),
    )
    with op.batch_alter_table("funds_objections", schema=None) as batch_op:
        for column in ("notice_id", "case_id", "freeze_id", "status"):
            batch_op.create_index(batch_op.f(f"ix_funds_objections_{column}"), [column], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_table("funds_objections")
    with op.batch_alter_table("funds_instructions", schema=None) as batch_op:
        batch_op.drop_column("warned_at")
    with op.batch_alter_table("funds_victims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_victims_phone_token"))
        batch_op.drop_column("phone_ciphertext")
        batch_op.drop_column("phone_masked")
        batch_op.drop_column("phone_token")
