"""Disposal orders: open orders indexed on their own, status not at all, so delivery touches no index.

An order's status changes at every step. While status (or anything a step changes) is in an index,
each step writes a new entry into every index of the table; without, PostgreSQL updates the row in
place (a HOT update). The board's new orders and the overdue scan read the open orders (closed_at is
empty exactly while the status is issued, delivered or acknowledged) through two partial indexes;
the issuer's index served no query.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = {f"{dialect}_where": sa.text("closed_at IS NULL") for dialect in ("postgresql", "sqlite")}


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("disposal_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_orders_status"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_due_at"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_issuer_org_id"))
        batch_op.create_index("ix_disposal_orders_open_org_id", ["org_id"], **OPEN)
        batch_op.create_index("ix_disposal_orders_open_due_at", ["due_at"], **OPEN)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("disposal_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_disposal_orders_open_due_at")
        batch_op.drop_index("ix_disposal_orders_open_org_id")
        batch_op.create_index(batch_op.f("ix_disposal_orders_issuer_org_id"), ["issuer_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_status"), ["status"], unique=False)
