"""Warnings (Art 4, 28¶2): people and grids, warnings, their signals, tasks, texts and bank delays.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

_TZ = sa.DateTime(timezone=True)


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "warn_grids",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("township_code", sa.String(length=9), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_warn_grids")),
    )
    with op.batch_alter_table("warn_grids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_grids_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_grids_township_code"), ["township_code"], unique=False)

    op.create_table(
        "warn_people",
        sa.Column("person_token", sa.String(length=64), nullable=False),
        sa.Column("masked", sa.String(length=32), nullable=False),
        sa.Column("grid_code", sa.String(length=12), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("phone_token", sa.String(length=64), nullable=False),
        sa.Column("phone_masked", sa.String(length=32), nullable=False),
        sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("warned_level", sa.String(length=8), nullable=True),
        sa.Column("warned_at", _TZ, nullable=True),
        sa.Column("last_sms_at", _TZ, nullable=True),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("person_token", name=op.f("pk_warn_people")),
    )
    with op.batch_alter_table("warn_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_people_grid_code"), ["grid_code"], unique=False)

    op.create_table(
        "warn_templates",
        sa.Column("scam_type", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=400), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.PrimaryKeyConstraint("scam_type", name=op.f("pk_warn_templates")),
    )
    op.create_table(
        "warn_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_token", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("scam_type", sa.String(length=32), nullable=False),
        sa.Column("contact_tail", sa.String(length=4), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("grid_code", sa.String(length=12), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("first_at", _TZ, nullable=False),
        sa.Column("last_at", _TZ, nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("first_contact_at", _TZ, nullable=True),
        sa.Column("outcome_at", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["warn_warnings.id"],
            name=op.f("fk_warn_warnings_merged_into_id_warn_warnings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warn_warnings")),
    )
    with op.batch_alter_table("warn_warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_warnings_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_warnings_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_warnings_level"), ["level"], unique=False)
        batch_op.create_index("ix_warn_warnings_person_last", ["person_token", "last_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_warnings_status"), ["status"], unique=False)

    op.create_table(
        "warn_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("person_token", sa.String(length=64), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("source_org_id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=False),
        sa.Column("engine", sa.String(length=64), nullable=False),
        sa.Column("engine_version", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("received_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_org_id"], ["organisations.id"], name=op.f("fk_warn_signals_source_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warn_warnings.id"], name=op.f("fk_warn_signals_warning_id_warn_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warn_signals")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_warn_signals_source_ref")),
    )
    with op.batch_alter_table("warn_signals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_signals_person_token"), ["person_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_signals_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_signals_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "warn_sms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("person_token", sa.String(length=64), nullable=False),
        sa.Column("phone_token", sa.String(length=64), nullable=False),
        sa.Column("phone_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("text", sa.String(length=400), nullable=False),
        sa.Column("queued_at", _TZ, nullable=False),
        sa.Column("sent_at", _TZ, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warn_warnings.id"], name=op.f("fk_warn_sms_warning_id_warn_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warn_sms")),
    )
    with op.batch_alter_table("warn_sms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_sms_person_token"), ["person_token"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_sms_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_sms_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "warn_delays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["disposal_orders.id"], name=op.f("fk_warn_delays_order_id_disposal_orders")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warn_warnings.id"], name=op.f("fk_warn_delays_warning_id_warn_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warn_delays")),
    )
    with op.batch_alter_table("warn_delays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_delays_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "warn_grid_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grid_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_code"], ["warn_grids.code"], name=op.f("fk_warn_grid_members_grid_code_warn_grids")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_warn_grid_members_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_warn_grid_members")),
    )
    with op.batch_alter_table("warn_grid_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_grid_members_grid_code"), ["grid_code"], unique=False)

    op.create_table(
        "warn_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("township_code", sa.String(length=9), nullable=True),
        sa.Column("grid_code", sa.String(length=12), nullable=True),
        sa.Column("widened", sa.Boolean(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=False),
        sa.Column("due_at", _TZ, nullable=False),
        sa.Column("accepted_at", _TZ, nullable=True),
        sa.Column("done_at", _TZ, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("escalated_from_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_warn_tasks_assignee_id_users")),
        sa.ForeignKeyConstraint(
            ["escalated_from_id"], ["warn_tasks.id"], name=op.f("fk_warn_tasks_escalated_from_id_warn_tasks")
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"], ["warn_warnings.id"], name=op.f("fk_warn_tasks_warning_id_warn_warnings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warn_tasks")),
    )
    with op.batch_alter_table("warn_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warn_tasks_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_tasks_grid_code"), ["grid_code"], unique=False)
        batch_op.create_index("ix_warn_tasks_open", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_warn_tasks_warning_id"), ["warning_id"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("warn_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_tasks_warning_id"))
        batch_op.drop_index("ix_warn_tasks_open")
        batch_op.drop_index(batch_op.f("ix_warn_tasks_grid_code"))
        batch_op.drop_index(batch_op.f("ix_warn_tasks_county_code"))

    op.drop_table("warn_tasks")
    with op.batch_alter_table("warn_grid_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_grid_members_grid_code"))

    op.drop_table("warn_grid_members")
    with op.batch_alter_table("warn_delays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_delays_warning_id"))

    op.drop_table("warn_delays")
    with op.batch_alter_table("warn_sms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_sms_warning_id"))
        batch_op.drop_index(batch_op.f("ix_warn_sms_sent_at"))
        batch_op.drop_index(batch_op.f("ix_warn_sms_person_token"))

    op.drop_table("warn_sms")
    with op.batch_alter_table("warn_signals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_signals_warning_id"))
        batch_op.drop_index(batch_op.f("ix_warn_signals_run_id"))
        batch_op.drop_index(batch_op.f("ix_warn_signals_person_token"))

    op.drop_table("warn_signals")
    with op.batch_alter_table("warn_warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_warnings_status"))
        batch_op.drop_index("ix_warn_warnings_person_last")
        batch_op.drop_index(batch_op.f("ix_warn_warnings_level"))
        batch_op.drop_index(batch_op.f("ix_warn_warnings_created_at"))
        batch_op.drop_index(batch_op.f("ix_warn_warnings_county_code"))

    op.drop_table("warn_warnings")
    op.drop_table("warn_templates")
    with op.batch_alter_table("warn_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_people_grid_code"))

    op.drop_table("warn_people")
    with op.batch_alter_table("warn_grids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warn_grids_township_code"))
        batch_op.drop_index(batch_op.f("ix_warn_grids_county_code"))

    op.drop_table("warn_grids")
