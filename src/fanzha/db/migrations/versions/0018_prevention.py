"""Prevention: the configured lists of persons that refuse openings (Art 10(三), 17(五)).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "prevention_listed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=64), nullable=False),
        sa.Column("id_token", sa.String(length=64), nullable=False),
        sa.Column("id_masked", sa.String(length=32), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        sa.Column("applies_to", sa.String(length=16), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevention_listed")),
        sa.UniqueConstraint("list_name", "id_token", name=op.f("uq_prevention_listed_list_name")),
    )
    with op.batch_alter_table("prevention_listed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prevention_listed_id_token"), ["id_token"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("prevention_listed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prevention_listed_id_token"))
    op.drop_table("prevention_listed")
