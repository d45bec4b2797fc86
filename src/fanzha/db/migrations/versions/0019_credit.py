"""Joint punishment (Art 29): the serious-dishonesty list, its history (append-only) and its orders.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fanzha.db.append_only import guard, unguard

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "credit_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject_token", sa.String(length=64), nullable=False),
        sa.Column("subject_masked", sa.String(length=200), nullable=False),
        sa.Column("subject_name", sa.String(length=200), nullable=False),
        sa.Column("ground", sa.String(length=20), nullable=False),
        sa.Column("facts_items", sa.Integer(), nullable=False),
        sa.Column("facts_times", sa.Integer(), nullable=False),
        sa.Column("facts_counterparties", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=1000), nullable=False),
        sa.Column("deciding_org_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("approver_org_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("decision_reason", sa.String(length=500), nullable=False),
        sa.Column("decided_at", _TZ, nullable=True),
        sa.Column("chain_start", _TZ, nullable=True),
        sa.Column("starts_at", _TZ, nullable=True),
        sa.Column("ends_at", _TZ, nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("lifted_at", _TZ, nullable=True),
        sa.Column("lift_reason", sa.String(length=500), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["deciding_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_listings_deciding_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["approver_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_listings_approver_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["credit_listings.id"],
            name=op.f("fk_credit_listings_supersedes_id_credit_listings"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["disposal_notices.id"], name=op.f("fk_credit_listings_notice_id_disposal_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listings")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_listings_number")),
    )
    with op.batch_alter_table("credit_listings", schema=None) as batch_op:
        batch_op.create_index("ix_credit_listings_subject_status", ["subject_token", "status"], unique=False)
        for column in ("deciding_org_id", "status", "ends_at"):
            batch_op.create_index(batch_op.f(f"ix_credit_listings_{column}"), [column], unique=False)
    op.create_table(
        "credit_listing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("status_from", sa.String(length=12), nullable=False),
        sa.Column("status_to", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["credit_listings.id"],
            name=op.f("fk_credit_listing_events_listing_id_credit_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listing_events")),
    )
    with op.batch_alter_table("credit_listing_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_listing_events_listing_id"), ["listing_id"], unique=False)
    op.create_table(
        "credit_listing_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["credit_listings.id"],
            name=op.f("fk_credit_listing_orders_listing_id_credit_listings"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["disposal_orders.id"],
            name=op.f("fk_credit_listing_orders_order_id_disposal_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_listing_orders")),
    )
    with op.batch_alter_table("credit_listing_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_listing_orders_listing_id"), ["listing_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_listing_orders_order_id"), ["order_id"], unique=False)
    op.create_table(
        "credit_released_offenders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_token", sa.String(length=64), nullable=False),
        sa.Column("person_masked", sa.String(length=32), nullable=False),
        sa.Column("offence", sa.String(length=200), nullable=False),
        sa.Column("judgment_ref", sa.String(length=200), nullable=False),
        sa.Column("released_on", sa.String(length=10), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("notifier_org_id", sa.Integer(), nullable=False),
        sa.Column("police_org_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("report", sa.String(length=1000), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["notifier_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_released_offenders_notifier_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["police_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_released_offenders_police_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_released_offenders")),
    )
    with op.batch_alter_table("credit_released_offenders", schema=None) as batch_op:
        for column in ("person_token", "police_org_id"):
            name = batch_op.f(f"ix_credit_released_offenders_{column}")
            batch_op.create_index(name, [column], unique=False)
    for statement in guard(op.get_bind().dialect.name, "credit_listing_events"):
        op.execute(statement)


def downgrade() -> None:
    """Revert."""
    for statement in unguard(op.get_bind().dialect.name, "credit_listing_events"):
        op.execute(statement)
    op.drop_table("credit_released_offenders")
    op.drop_table("credit_listing_orders")
    op.drop_table("credit_listing_events")
    op.drop_table("credit_listings")
