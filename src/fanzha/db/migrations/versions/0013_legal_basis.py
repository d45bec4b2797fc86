"""Legal basis of orders, notices to everyone affected, no decryptable ID numbers (Art 9, 13, 18, 29, 34).

Orders gain their trigger, the alert's risk level and the basis of a joint-punishment order; existing
orders get the trigger their issuer implies. Notices keep a slot instead of the appeal code (the code is
rendered at send time) and may go to a holder's registered phone; the codes already sent keep working
through their stored hash. Domain and app routes may hold the registrant's or developer's phone. The
holdings register drops the decryptable ID ciphertext and keeps the
holder's phone instead. Appeals record their escalation; police units get tasks to close.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SLOT = "〔申诉码〕"
_CODE = re.compile(r"申诉码 [A-Z2-9]{8,16}")


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("disposal_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trigger", sa.String(length=24), nullable=False, server_default="sample_notified")
        )
        batch_op.add_column(
            sa.Column("risk_level", sa.String(length=8), nullable=False, server_default="medium")
        )
        batch_op.add_column(sa.Column("basis", sa.String(length=500), nullable=False, server_default=""))
    orders = sa.table(
        "disposal_orders",
        sa.column("trigger", sa.String),
        sa.column("measure", sa.String),
        sa.column("issued_by", sa.String),
    )
    # What each existing order followed: a release an appeal, a system order a failed re-verification,
    # a re-verification an alert, the rest (linked disposal and police orders) a notified sample.
    op.execute(orders.update().where(orders.c.measure == "release").values(trigger="appeal_upheld"))
    op.execute(
        orders.update()
        .where(orders.c.issued_by == "system", orders.c.measure != "release")
        .values(trigger="reverify_failed")
    )
    op.execute(
        orders.update()
        .where(orders.c.measure.in_(["reverify", "associated_reverify"]))
        .values(trigger="monitoring_alert")
    )

    with op.batch_alter_table("disposal_notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_salt", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("recipient_token", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("recipient_ciphertext", sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column("delivered_by", sa.String(length=64), nullable=False, server_default="")
        )
    notices = sa.table("disposal_notices", sa.column("id", sa.Integer), sa.column("text", sa.Text))
    bind = op.get_bind()
    # The appeal code leaves the stored text; its hash stays, so a code already sent still opens an appeal.
    for notice_id, text in bind.execute(sa.select(notices.c.id, notices.c.text)).all():
        cleaned = _CODE.sub(f"申诉码 {SLOT}", text)
        if cleaned != text:
            bind.execute(notices.update().where(notices.c.id == notice_id).values(text=cleaned))

    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_column("holder_ciphertext")
        batch_op.add_column(sa.Column("phone_token", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=True))

    with op.batch_alter_table("disposal_routes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_token", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("contact_ciphertext", sa.LargeBinary(), nullable=True))

    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "disposal_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("object_masked", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("report", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_disposal_tasks_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_disposal_tasks_sample_id_samples")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["disposal_orders.id"], name=op.f("fk_disposal_tasks_order_id_disposal_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_tasks")),
    )
    with op.batch_alter_table("disposal_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_tasks_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert (the dropped ID ciphertext cannot come back: rows get an empty one)."""
    with op.batch_alter_table("disposal_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_tasks_org_id"))
    op.drop_table("disposal_tasks")
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
    with op.batch_alter_table("disposal_routes", schema=None) as batch_op:
        batch_op.drop_column("contact_ciphertext")
        batch_op.drop_column("contact_token")
    with op.batch_alter_table("holdings", schema=None) as batch_op:
        batch_op.drop_column("phone_ciphertext")
        batch_op.drop_column("phone_token")
        batch_op.add_column(
            sa.Column("holder_ciphertext", sa.LargeBinary(), nullable=False, server_default=sa.text("''"))
        )
    with op.batch_alter_table("disposal_notices", schema=None) as batch_op:
        batch_op.drop_column("delivered_by")
        batch_op.drop_column("recipient_ciphertext")
        batch_op.drop_column("recipient_token")
        batch_op.drop_column("code_salt")
    with op.batch_alter_table("disposal_orders", schema=None) as batch_op:
        batch_op.drop_column("basis")
        batch_op.drop_column("risk_level")
        batch_op.drop_column("trigger")
