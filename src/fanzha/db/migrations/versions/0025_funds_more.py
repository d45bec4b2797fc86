"""Funds: victims' own reports awaiting the police's confirmation, and unclaimed money paid to the
treasury with later refunds (Hunan Art 35¶3).

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply: cases taken in by the police so far count as confirmed when they were created."""
    with op.batch_alter_table("funds_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=10), nullable=False, server_default="police")
        )
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed_by", sa.String(length=64), nullable=False, server_default="")
        )
    op.execute("UPDATE funds_cases SET confirmed_at = created_at, confirmed_by = created_by")
    op.create_table(
        "funds_treasury",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("freeze_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("refunded_fen", sa.BigInteger(), nullable=False),
        sa.Column("investigation_ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_treasury_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["freeze_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_treasury_freeze_id_funds_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["funds_notices.id"], name=op.f("fk_funds_treasury_notice_id_funds_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_treasury")),
        sa.UniqueConstraint("freeze_id", name=op.f("uq_funds_treasury_freeze_id")),
    )
    op.create_index(op.f("ix_funds_treasury_case_id"), "funds_treasury", ["case_id"], unique=False)
    op.create_table(
        "funds_treasury_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("treasury_id", sa.Integer(), nullable=False),
        sa.Column("claimant", sa.String(length=50), nullable=False),
        sa.Column("account_kind", sa.String(length=32), nullable=False),
        sa.Column("account_token", sa.String(length=64), nullable=False),
        sa.Column("account_masked", sa.String(length=200), nullable=False),
        sa.Column("account_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["treasury_id"],
            ["funds_treasury.id"],
            name=op.f("fk_funds_treasury_refunds_treasury_id_funds_treasury"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_treasury_refunds")),
    )
    op.create_index(
        op.f("ix_funds_treasury_refunds_treasury_id"), "funds_treasury_refunds", ["treasury_id"], unique=False
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index(op.f("ix_funds_treasury_refunds_treasury_id"), table_name="funds_treasury_refunds")
    op.drop_table("funds_treasury_refunds")
    op.drop_index(op.f("ix_funds_treasury_case_id"), table_name="funds_treasury")
    op.drop_table("funds_treasury")
    with op.batch_alter_table("funds_cases", schema=None) as batch_op:
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("source")
