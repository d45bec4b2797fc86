"""Accountability: penalty cases (Art 39-41), interviews and tracked items (Art 5, 24, 36), inspections
(Art 15, 31), internal controls (Art 5, 11), specialists (Art 6) and licensed institutions (Art 22).

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""

    op.create_table(
        "acc_licensed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("licence_no", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_licensed")),
        sa.UniqueConstraint("licence_no", name=op.f("uq_acc_licensed_licence_no")),
    )
    with op.batch_alter_table("acc_licensed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_licensed_credit_code"), ["credit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_acc_licensed_name"), ["name"], unique=False)

    op.create_table(
        "acc_controls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("business_line", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("conclusion", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_acc_controls_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_controls")),
    )
    with op.batch_alter_table("acc_controls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_controls_org_id"), ["org_id"], unique=False)

    op.create_table(
        "acc_interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("by_org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("commitments", sa.Text(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_org_id"], ["organisations.id"], name=op.f("fk_acc_interviews_by_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_acc_interviews_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_interviews")),
    )
    with op.batch_alter_table("acc_interviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_interviews_org_id"), ["org_id"], unique=False)

    op.create_table(
        "acc_penalty_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("rule", sa.String(length=12), nullable=False),
        sa.Column("applied_rule", sa.String(length=12), nullable=False),
        sa.Column("respondent_kind", sa.String(length=8), nullable=False),
        sa.Column("respondent_org_id", sa.Integer(), nullable=True),
        sa.Column("venue_name", sa.String(length=200), nullable=False),
        sa.Column("venue_type", sa.String(length=24), nullable=False),
        sa.Column("venue_address", sa.String(length=300), nullable=False),
        sa.Column("deciding_org_id", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("correct_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("circumstance", sa.String(length=16), nullable=False),
        sa.Column("proposed_fen", sa.Integer(), nullable=True),
        sa.Column("hearing_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hearing_record", sa.Text(), nullable=False),
        sa.Column("decided_fen", sa.Integer(), nullable=True),
        sa.Column("decision_no", sa.String(length=40), nullable=False),
        sa.Column("decision_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("decision_sm3", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pay_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_fen", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_ref", sa.String(length=64), nullable=False),
        sa.Column("appeal_kind", sa.String(length=16), nullable=False),
        sa.Column("appeal_note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deciding_org_id"],
            ["organisations.id"],
            name=op.f("fk_acc_penalty_cases_deciding_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["respondent_org_id"],
            ["organisations.id"],
            name=op.f("fk_acc_penalty_cases_respondent_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_penalty_cases")),
        sa.UniqueConstraint("number", name=op.f("uq_acc_penalty_cases_number")),
    )
    with op.batch_alter_table("acc_penalty_cases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_acc_penalty_cases_deciding_org_id"), ["deciding_org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_acc_penalty_cases_respondent_org_id"), ["respondent_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_acc_penalty_cases_state"), ["state"], unique=False)

    op.create_table(
        "acc_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("speciality", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_acc_roster_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_roster")),
    )
    with op.batch_alter_table("acc_roster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_roster_org_id"), ["org_id"], unique=False)

    op.create_table(
        "acc_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject_org_id", sa.Integer(), nullable=True),
        sa.Column("venue_name", sa.String(length=200), nullable=False),
        sa.Column("venue_type", sa.String(length=24), nullable=False),
        sa.Column("venue_address", sa.String(length=300), nullable=False),
        sa.Column("inspector", sa.String(length=8), nullable=False),
        sa.Column("inspected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("reported_to_police", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duty_failed", sa.String(length=300), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["acc_penalty_cases.id"], name=op.f("fk_acc_inspections_case_id_acc_penalty_cases")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_acc_inspections_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["subject_org_id"],
            ["organisations.id"],
            name=op.f("fk_acc_inspections_subject_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_inspections")),
    )
    with op.batch_alter_table("acc_inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_inspections_org_id"), ["org_id"], unique=False)

    op.create_table(
        "acc_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("unit_org_id", sa.Integer(), nullable=False),
        sa.Column("owner_org_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=True),
        sa.Column("issuer_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=40), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_every_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_report_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"], ["acc_interviews.id"], name=op.f("fk_acc_items_interview_id_acc_interviews")
        ),
        sa.ForeignKeyConstraint(
            ["owner_org_id"], ["organisations.id"], name=op.f("fk_acc_items_owner_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["unit_org_id"], ["organisations.id"], name=op.f("fk_acc_items_unit_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_items")),
        sa.UniqueConstraint("number", name=op.f("uq_acc_items_number")),
    )
    with op.batch_alter_table("acc_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_items_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_acc_items_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_acc_items_owner_org_id"), ["owner_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_acc_items_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_acc_items_unit_org_id"), ["unit_org_id"], unique=False)

    op.create_table(
        "acc_penalty_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["acc_penalty_cases.id"],
            name=op.f("fk_acc_penalty_events_case_id_acc_penalty_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_penalty_events")),
    )
    with op.batch_alter_table("acc_penalty_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_penalty_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "acc_item_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("by_org_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_org_id"], ["organisations.id"], name=op.f("fk_acc_item_reports_by_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["acc_items.id"], name=op.f("fk_acc_item_reports_item_id_acc_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acc_item_reports")),
    )
    with op.batch_alter_table("acc_item_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acc_item_reports_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    """Revert."""

    with op.batch_alter_table("acc_item_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_item_reports_item_id"))

    op.drop_table("acc_item_reports")
    with op.batch_alter_table("acc_penalty_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_penalty_events_case_id"))

    op.drop_table("acc_penalty_events")
    with op.batch_alter_table("acc_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_items_unit_org_id"))
        batch_op.drop_index(batch_op.f("ix_acc_items_status"))
        batch_op.drop_index(batch_op.f("ix_acc_items_owner_org_id"))
        batch_op.drop_index(batch_op.f("ix_acc_items_kind"))
        batch_op.drop_index(batch_op.f("ix_acc_items_deadline"))

    op.drop_table("acc_items")
    with op.batch_alter_table("acc_inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_inspections_org_id"))

    op.drop_table("acc_inspections")
    with op.batch_alter_table("acc_roster", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_roster_org_id"))

    op.drop_table("acc_roster")
    with op.batch_alter_table("acc_penalty_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_penalty_cases_state"))
        batch_op.drop_index(batch_op.f("ix_acc_penalty_cases_respondent_org_id"))
        batch_op.drop_index(batch_op.f("ix_acc_penalty_cases_deciding_org_id"))

    op.drop_table("acc_penalty_cases")
    with op.batch_alter_table("acc_interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_interviews_org_id"))

    op.drop_table("acc_interviews")
    with op.batch_alter_table("acc_controls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_controls_org_id"))

    op.drop_table("acc_controls")
    with op.batch_alter_table("acc_licensed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acc_licensed_name"))
        batch_op.drop_index(batch_op.f("ix_acc_licensed_credit_code"))

    op.drop_table("acc_licensed")
