"""Funds: the victim's phone (token, mask, ciphertext) for the victim's status page.

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


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("funds_victims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_victims_phone_token"))
        batch_op.drop_column("phone_ciphertext")
        batch_op.drop_column("phone_masked")
        batch_op.drop_column("phone_token")
