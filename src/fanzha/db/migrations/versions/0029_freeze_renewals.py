"""Funds: renewals (续冻) of freezes, each approved by the head of a county+ unit (Hunan Art 19¶1).

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "funds_renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requester_org_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decider_org_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=False),
        sa.Column("expires_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_after", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_renewals_instruction_id_funds_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_renewals_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["requester_org_id"],
            ["organisations.id"],
            name=op.f("fk_funds_renewals_requester_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["decider_org_id"],
            ["organisations.id"],
            name=op.f("fk_funds_renewals_decider_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_renewals")),
    )
    op.create_index(
        op.f("ix_funds_renewals_instruction_id"), "funds_renewals", ["instruction_id"], unique=False
    )
    op.create_index(op.f("ix_funds_renewals_case_id"), "funds_renewals", ["case_id"], unique=False)
    op.create_index(op.f("ix_funds_renewals_status"), "funds_renewals", ["status"], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_index(op.f("ix_funds_renewals_status"), table_name="funds_renewals")
    op.drop_index(op.f("ix_funds_renewals_case_id"), table_name="funds_renewals")
    op.drop_index(op.f("ix_funds_renewals_instruction_id"), table_name="funds_renewals")
    op.drop_table("funds_renewals")
