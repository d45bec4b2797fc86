"""Funds: stop-payment leads proposed by the tracing engine, accepted or dismissed by the police (Art 35¶2).

Revision ID: 0032_trace_leads
Revises: 0031_warn_speed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032_trace_leads"
down_revision = "0031_warn_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "funds_trace_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("run", sa.String(length=32), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("source_org_id", sa.Integer(), nullable=True),
        sa.Column("account_kind", sa.String(length=32), nullable=False),
        sa.Column("account_token", sa.String(length=64), nullable=False),
        sa.Column("account_masked", sa.String(length=200), nullable=False),
        sa.Column("account_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("hop", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("victims", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_trace_leads_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["source_org_id"],
            ["organisations.id"],
            name=op.f("fk_funds_trace_leads_source_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_trace_leads_instruction_id_funds_instructions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_trace_leads")),
    )
    op.create_index(op.f("ix_funds_trace_leads_case_id"), "funds_trace_leads", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_funds_trace_leads_account_token"), "funds_trace_leads", ["account_token"], unique=False
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index(op.f("ix_funds_trace_leads_account_token"), table_name="funds_trace_leads")
    op.drop_index(op.f("ix_funds_trace_leads_case_id"), table_name="funds_trace_leads")
    op.drop_table("funds_trace_leads")
