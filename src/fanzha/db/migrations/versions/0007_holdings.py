"""Holdings register: which person (by keyed ID token) holds an object an institution serves (Art 18, 20).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "holdings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("object_kind", sa.String(length=32), nullable=False),
        sa.Column("object_token", sa.String(length=64), nullable=False),
        sa.Column("object_masked", sa.String(length=200), nullable=False),
        sa.Column("object_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("holder_token", sa.String(length=64), nullable=False),
        sa.Column("holder_masked", sa.String(length=32), nullable=False),
        sa.Column("holder_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_holdings_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holdings")),
        sa.UniqueConstraint("org_id", "object_kind", "object_token", name=op.f("uq_holdings_org_id")),
    )
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holdings_object_token"), ["object_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_holdings_holder_token"), ["holder_token"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holdings_holder_token"))
        batch_op.drop_index(batch_op.f("ix_holdings_object_token"))

    op.drop_table("holdings")
