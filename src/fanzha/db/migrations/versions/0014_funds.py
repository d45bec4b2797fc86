"""Funds: cases, victims, transfers, stop-payment/freeze/release/return instructions, traces, notices.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""

    op.create_table(
        "funds_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("scam_type", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_funds_cases_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_funds_cases_number")),
    )
    with op.batch_alter_table("funds_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_cases_org_id"), ["org_id"], unique=False)

    op.create_table(
        "funds_instructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("issuer_org_id", sa.Integer(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("account_kind", sa.String(length=32), nullable=False),
        sa.Column("account_token", sa.String(length=64), nullable=False),
        sa.Column("account_masked", sa.String(length=200), nullable=False),
        sa.Column("account_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("account_name", sa.String(length=100), nullable=False),
        sa.Column("hop", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("result_fen", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("include_interest", sa.Boolean(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("extensions", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("officers", sa.String(length=100), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("approver_org_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approver_org_id"],
            ["organisations.id"],
            name=op.f("fk_funds_instructions_approver_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_instructions_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_org_id"],
            ["organisations.id"],
            name=op.f("fk_funds_instructions_issuer_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_funds_instructions_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_instructions_parent_id_funds_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_instructions_target_id_funds_instructions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_instructions")),
    )
    with op.batch_alter_table("funds_instructions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funds_instructions_account_token"), ["account_token"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_funds_instructions_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_funds_instructions_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_funds_instructions_status"), ["status"], unique=False)

    op.create_table(
        "funds_victims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("loss_fen", sa.BigInteger(), nullable=False),
        sa.Column("account_kind", sa.String(length=32), nullable=False),
        sa.Column("account_token", sa.String(length=64), nullable=False),
        sa.Column("account_masked", sa.String(length=200), nullable=False),
        sa.Column("account_ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_victims_case_id_funds_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_victims")),
    )
    with op.batch_alter_table("funds_victims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_victims_case_id"), ["case_id"], unique=False)

    op.create_table(
        "funds_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("freeze_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_notices_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["freeze_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_notices_freeze_id_funds_instructions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_notices")),
    )
    with op.batch_alter_table("funds_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_notices_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_funds_notices_freeze_id"), ["freeze_id"], unique=False)

    op.create_table(
        "funds_onward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("account_kind", sa.String(length=32), nullable=False),
        sa.Column("account_token", sa.String(length=64), nullable=False),
        sa.Column("account_masked", sa.String(length=200), nullable=False),
        sa.Column("account_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("traced_fen", sa.BigInteger(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_onward_instruction_id_funds_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["funds_instructions.id"], name=op.f("fk_funds_onward_lead_id_funds_instructions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_onward")),
    )
    with op.batch_alter_table("funds_onward", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_onward_instruction_id"), ["instruction_id"], unique=False)

    op.create_table(
        "funds_return_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("victim_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_return_shares_instruction_id_funds_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["victim_id"], ["funds_victims.id"], name=op.f("fk_funds_return_shares_victim_id_funds_victims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_return_shares")),
    )
    with op.batch_alter_table("funds_return_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funds_return_shares_instruction_id"), ["instruction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_funds_return_shares_victim_id"), ["victim_id"], unique=False)

    op.create_table(
        "funds_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("victim_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("payer_kind", sa.String(length=32), nullable=False),
        sa.Column("payer_token", sa.String(length=64), nullable=False),
        sa.Column("payer_masked", sa.String(length=200), nullable=False),
        sa.Column("payer_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("payee_kind", sa.String(length=32), nullable=False),
        sa.Column("payee_token", sa.String(length=64), nullable=False),
        sa.Column("payee_masked", sa.String(length=200), nullable=False),
        sa.Column("payee_ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_transfers_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["victim_id"], ["funds_victims.id"], name=op.f("fk_funds_transfers_victim_id_funds_victims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_transfers")),
    )
    with op.batch_alter_table("funds_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_transfers_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_funds_transfers_payee_token"), ["payee_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_funds_transfers_victim_id"), ["victim_id"], unique=False)

    op.create_table(
        "funds_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instruction_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_verifications_instruction_id_funds_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["funds_instructions.id"],
            name=op.f("fk_funds_verifications_release_id_funds_instructions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_verifications")),
    )
    with op.batch_alter_table("funds_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funds_verifications_instruction_id"), ["instruction_id"], unique=False
        )

    op.create_table(
        "funds_traces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("victim_id", sa.Integer(), nullable=False),
        sa.Column("account_token", sa.String(length=64), nullable=False),
        sa.Column("hop", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=True),
        sa.Column("via_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["funds_cases.id"], name=op.f("fk_funds_traces_case_id_funds_cases")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["funds_transfers.id"], name=op.f("fk_funds_traces_transfer_id_funds_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["via_id"], ["funds_instructions.id"], name=op.f("fk_funds_traces_via_id_funds_instructions")
        ),
        sa.ForeignKeyConstraint(
            ["victim_id"], ["funds_victims.id"], name=op.f("fk_funds_traces_victim_id_funds_victims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds_traces")),
    )
    with op.batch_alter_table("funds_traces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_traces_account_token"), ["account_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_funds_traces_case_id"), ["case_id"], unique=False)
    # Art 19¶1: one live freeze per case and account.
    live = sa.text("kind = 'freeze' AND status IN ('pending_approval', 'queued', 'issued', 'frozen')")
    op.create_index(
        "uq_funds_instructions_live_freeze",
        "funds_instructions",
        ["case_id", "account_token"],
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index("uq_funds_instructions_live_freeze", table_name="funds_instructions")

    with op.batch_alter_table("funds_traces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_traces_case_id"))
        batch_op.drop_index(batch_op.f("ix_funds_traces_account_token"))

    op.drop_table("funds_traces")
    with op.batch_alter_table("funds_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_verifications_instruction_id"))

    op.drop_table("funds_verifications")
    with op.batch_alter_table("funds_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_transfers_victim_id"))
        batch_op.drop_index(batch_op.f("ix_funds_transfers_payee_token"))
        batch_op.drop_index(batch_op.f("ix_funds_transfers_case_id"))

    op.drop_table("funds_transfers")
    with op.batch_alter_table("funds_return_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_return_shares_victim_id"))
        batch_op.drop_index(batch_op.f("ix_funds_return_shares_instruction_id"))

    op.drop_table("funds_return_shares")
    with op.batch_alter_table("funds_onward", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_onward_instruction_id"))

    op.drop_table("funds_onward")
    with op.batch_alter_table("funds_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_notices_freeze_id"))
        batch_op.drop_index(batch_op.f("ix_funds_notices_case_id"))

    op.drop_table("funds_notices")
    with op.batch_alter_table("funds_victims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_victims_case_id"))

    op.drop_table("funds_victims")
    with op.batch_alter_table("funds_instructions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_instructions_status"))
        batch_op.drop_index(batch_op.f("ix_funds_instructions_org_id"))
        batch_op.drop_index(batch_op.f("ix_funds_instructions_case_id"))
        batch_op.drop_index(batch_op.f("ix_funds_instructions_account_token"))

    op.drop_table("funds_instructions")
    with op.batch_alter_table("funds_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funds_cases_org_id"))

    op.drop_table("funds_cases")
