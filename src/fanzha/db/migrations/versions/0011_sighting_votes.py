"""Sightings are one bounded vote per organisation: samples keep the part of confidence they moved.

Existing samples start with no shift: what earlier sightings did stays in their confidence, and the
next vote on them is measured from there.

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sighting_shift", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_column("sighting_shift")
