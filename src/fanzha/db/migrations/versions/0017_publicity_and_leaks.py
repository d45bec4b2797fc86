"""Publicity campaigns (Art 7-8) and leak-source reports (Art 26).

Revision ID: 0017
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply: two new tables."""
    op.create_table(
        "publicity_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("target_dimension", sa.String(length=20), nullable=False),
        sa.Column("target_value", sa.String(length=60), nullable=False),
        sa.Column("target_label", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("reach", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_publicity_campaigns_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_campaigns")),
    )
    with op.batch_alter_table("publicity_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_campaigns_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publicity_campaigns_held_on"), ["held_on"], unique=False)
    op.create_table(
        "leak_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.String(length=100), nullable=False),
        sa.Column("party_kind", sa.String(length=20), nullable=False),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column("victims", sa.Integer(), nullable=False),
        sa.Column("victim_share_bp", sa.Integer(), nullable=False),
        sa.Column("population_share_bp", sa.Integer(), nullable=False),
        sa.Column("lift_x100", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_note", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_leak_reports_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leak_reports")),
    )
    with op.batch_alter_table("leak_reports", schema=None) as batch_op:
        for column in ("org_id", "party_id", "status"):
            batch_op.create_index(batch_op.f(f"ix_leak_reports_{column}"), [column], unique=False)


def downgrade() -> None:
    """Revert: drop both tables."""
    op.drop_table("leak_reports")
    op.drop_table("publicity_campaigns")
