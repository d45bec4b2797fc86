"""Disposal: routing tables, orders, order history, notices; appeals.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "disposal_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("object_kind", sa.String(length=32), nullable=False),
        sa.Column("object_token", sa.String(length=64), nullable=False),
        sa.Column("object_masked", sa.String(length=200), nullable=False),
        sa.Column("object_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("article", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("evidence_ref", sa.String(length=200), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("escalation", sa.String(length=12), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("releases_order_id", sa.Integer(), nullable=True),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("verification", sa.String(length=12), nullable=True),
        sa.Column("receipt_reason", sa.String(length=500), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"],
            ["organisations.id"],
            name=op.f("fk_disposal_orders_issuer_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_disposal_orders_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["releases_order_id"],
            ["disposal_orders.id"],
            name=op.f("fk_disposal_orders_releases_order_id_disposal_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_disposal_orders_sample_id_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_orders")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_disposal_orders_dedupe_key")),
    )
    with op.batch_alter_table("disposal_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_orders_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_issuer_org_id"), ["issuer_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_object_token"), ["object_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_sample_id"), ["sample_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_orders_status"), ["status"], unique=False)

    op.create_table(
        "disposal_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_disposal_routes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_routes")),
    )
    with op.batch_alter_table("disposal_routes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_routes_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_routes_table_name"), ["table_name"], unique=False)

    op.create_table(
        "disposal_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("object_kind", sa.String(length=32), nullable=False),
        sa.Column("object_token", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"],
            ["organisations.id"],
            name=op.f("fk_disposal_notices_issuer_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["disposal_orders.id"], name=op.f("fk_disposal_notices_order_id_disposal_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_notices")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_disposal_notices_code_hash")),
    )
    with op.batch_alter_table("disposal_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_notices_object_token"), ["object_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_disposal_notices_order_id"), ["order_id"], unique=False)

    op.create_table(
        "disposal_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("status_from", sa.String(length=20), nullable=False),
        sa.Column("status_to", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["disposal_orders.id"],
            name=op.f("fk_disposal_order_events_order_id_disposal_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_order_events")),
    )
    with op.batch_alter_table("disposal_order_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disposal_order_events_order_id"), ["order_id"], unique=False)

    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("deciding_org_id", sa.Integer(), nullable=False),
        sa.Column("object_kind", sa.String(length=32), nullable=False),
        sa.Column("object_token", sa.String(length=64), nullable=False),
        sa.Column("object_masked", sa.String(length=200), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_reason", sa.String(length=1000), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("institutions_fulfilled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deciding_org_id"], ["organisations.id"], name=op.f("fk_appeals_deciding_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["disposal_notices.id"], name=op.f("fk_appeals_notice_id_disposal_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
        sa.UniqueConstraint("number", name=op.f("uq_appeals_number")),
    )
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_appeals_deciding_org_id"), ["deciding_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeals_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeals_object_token"), ["object_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_appeals_status"), ["status"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_status"))
        batch_op.drop_index(batch_op.f("ix_appeals_object_token"))
        batch_op.drop_index(batch_op.f("ix_appeals_notice_id"))
        batch_op.drop_index(batch_op.f("ix_appeals_deciding_org_id"))

    op.drop_table("appeals")
    with op.batch_alter_table("disposal_order_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_order_events_order_id"))

    op.drop_table("disposal_order_events")
    with op.batch_alter_table("disposal_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_notices_order_id"))
        batch_op.drop_index(batch_op.f("ix_disposal_notices_object_token"))

    op.drop_table("disposal_notices")
    with op.batch_alter_table("disposal_routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_routes_table_name"))
        batch_op.drop_index(batch_op.f("ix_disposal_routes_key"))

    op.drop_table("disposal_routes")
    with op.batch_alter_table("disposal_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_orders_status"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_sample_id"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_org_id"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_object_token"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_issuer_org_id"))
        batch_op.drop_index(batch_op.f("ix_disposal_orders_due_at"))

    op.drop_table("disposal_orders")
