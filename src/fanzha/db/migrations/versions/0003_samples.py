"""The fraud sample library: samples, sources, sightings, history, subscriptions, dead letters;
idempotency records for retried creates.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_idempotency_records_org_id")),
    )
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("masked", sa.String(length=200), nullable=False),
        sa.Column("fraud_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_reason", sa.String(length=500), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("false_positives", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_samples")),
        sa.UniqueConstraint("token", name=op.f("uq_samples_token")),
    )
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_samples_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_fraud_type"), ["fraud_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_samples_status"), ["status"], unique=False)

    op.create_table(
        "sample_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_sample_history_sample_id_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_history")),
    )
    with op.batch_alter_table("sample_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_history_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "sample_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_sample_sightings_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_sample_sightings_sample_id_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_sightings")),
    )
    with op.batch_alter_table("sample_sightings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_sightings_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sample_sightings_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "sample_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("fraud_type", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("case_ref", sa.String(length=100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_sample_sources_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_sample_sources_sample_id_samples")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_sources")),
        sa.UniqueConstraint("sample_id", "org_id", "case_ref", name=op.f("uq_sample_sources_sample_id")),
    )
    with op.batch_alter_table("sample_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sample_sources_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sample_sources_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.String(length=300), nullable=False),
        sa.Column("region_prefix", sa.String(length=12), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_subscriptions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_org_id"), ["org_id"], unique=False)

    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_dead_letters_subscription_id_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dead_letters_subscription_id"), ["subscription_id"], unique=False
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_subscription_id"))

    op.drop_table("dead_letters")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_org_id"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("sample_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_sources_sample_id"))
        batch_op.drop_index(batch_op.f("ix_sample_sources_org_id"))

    op.drop_table("sample_sources")
    with op.batch_alter_table("sample_sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_sightings_sample_id"))
        batch_op.drop_index(batch_op.f("ix_sample_sightings_org_id"))

    op.drop_table("sample_sightings")
    with op.batch_alter_table("sample_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sample_history_sample_id"))

    op.drop_table("sample_history")
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_samples_status"))
        batch_op.drop_index(batch_op.f("ix_samples_region_code"))
        batch_op.drop_index(batch_op.f("ix_samples_kind"))
        batch_op.drop_index(batch_op.f("ix_samples_fraud_type"))
        batch_op.drop_index(batch_op.f("ix_samples_expires_at"))

    op.drop_table("samples")
    op.drop_table("idempotency_records")
