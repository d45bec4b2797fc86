"""Tips and rewards (Art 30-32, 38): tips with sealed reporters, files, messages, rewards, commendations.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "tips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("form", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("identifier_kind", sa.String(length=20), nullable=False),
        sa.Column("identifier_token", sa.String(length=64), nullable=False),
        sa.Column("identifier_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("identifier_masked", sa.String(length=300), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("match_key", sa.String(length=64), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("unit_org_id", sa.Integer(), nullable=False),
        sa.Column("route_reason", sa.String(length=200), nullable=False),
        sa.Column("officer_user_id", sa.Integer(), nullable=True),
        sa.Column("officer_name", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("outcome_reason", sa.String(length=1000), nullable=False),
        sa.Column("outcome_ref", sa.String(length=100), nullable=False),
        sa.Column("seal_id", sa.String(length=32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("reporter_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["duplicate_of"], ["tips.id"], name=op.f("fk_tips_duplicate_of_tips")),
        sa.ForeignKeyConstraint(
            ["officer_user_id"], ["users.id"], name=op.f("fk_tips_officer_user_id_users")
        ),
        sa.ForeignKeyConstraint(["sample_id"], ["samples.id"], name=op.f("fk_tips_sample_id_samples")),
        sa.ForeignKeyConstraint(
            ["unit_org_id"], ["organisations.id"], name=op.f("fk_tips_unit_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tips")),
        sa.UniqueConstraint("number", name=op.f("uq_tips_number")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_tips_receipt_hash")),
        sa.UniqueConstraint("seal_id", name=op.f("uq_tips_seal_id")),
    )
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tips_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_identifier_token"), ["identifier_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_match_key"), ["match_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_tips_status"), ["status"], unique=False)
        batch_op.create_index("ix_tips_unit_status", ["unit_org_id", "status"], unique=False)

    op.create_table(
        "tip_commendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_tip_commendations_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_commendations_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_commendations")),
    )
    op.create_table(
        "tip_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_events_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_events")),
    )
    with op.batch_alter_table("tip_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_events_tip_id"), ["tip_id"], unique=False)

    op.create_table(
        "tip_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_files_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_files")),
    )
    with op.batch_alter_table("tip_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_files_tip_id"), ["tip_id"], unique=False)

    op.create_table(
        "tip_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_messages_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_messages")),
    )
    with op.batch_alter_table("tip_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_messages_tip_id"), ["tip_id"], unique=False)

    op.create_table(
        "tip_rewards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("approval_reason", sa.String(length=500), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payee_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by", sa.String(length=64), nullable=False),
        sa.Column("payment_ref", sa.String(length=100), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_rewards_tip_id_tips")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_rewards")),
        sa.UniqueConstraint("tip_id", name=op.f("uq_tip_rewards_tip_id")),
    )
    with op.batch_alter_table("tip_rewards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_rewards_status"), ["status"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("tip_rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_rewards_status"))

    op.drop_table("tip_rewards")
    with op.batch_alter_table("tip_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_messages_tip_id"))

    op.drop_table("tip_messages")
    with op.batch_alter_table("tip_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_files_tip_id"))

    op.drop_table("tip_files")
    with op.batch_alter_table("tip_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_events_tip_id"))

    op.drop_table("tip_events")
    op.drop_table("tip_commendations")
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index("ix_tips_unit_status")
        batch_op.drop_index(batch_op.f("ix_tips_status"))
        batch_op.drop_index(batch_op.f("ix_tips_match_key"))
        batch_op.drop_index(batch_op.f("ix_tips_identifier_token"))
        batch_op.drop_index(batch_op.f("ix_tips_created_at"))

    op.drop_table("tips")
