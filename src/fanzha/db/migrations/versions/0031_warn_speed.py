"""Warning texts still to hand over: a partial index, so `deliver` skips the texts already sent.

Revision ID: 0031_warn_speed
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_warn_speed"
down_revision = "0030"
branch_labels = None
depends_on = None

QUEUED = sa.text("sent_at IS NULL")


def upgrade() -> None:
    """Apply."""
    op.create_index("ix_warn_sms_queued", "warn_sms", ["id"], postgresql_where=QUEUED, sqlite_where=QUEUED)


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_warn_sms_queued", table_name="warn_sms")
