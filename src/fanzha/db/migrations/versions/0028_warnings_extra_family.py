"""Warnings: the extra-high level (a longer level column), a person's family contact, the funds draft.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_LEVELS = (
    ("warn_warnings", "level"),
    ("warn_signals", "level"),
    ("warn_tasks", "level"),
    ("warn_people", "warned_level"),
)


def upgrade() -> None:
    """Apply."""
    for table, column in _LEVELS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=8), type_=sa.String(length=12))
    with op.batch_alter_table("warn_people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("family_token", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("family_phone_token", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("family_phone_masked", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("family_phone_ciphertext", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("warn_warnings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("funds_case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_warn_warnings_funds_case_id_funds_cases"), "funds_cases", ["funds_case_id"], ["id"]
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("warn_warnings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_warn_warnings_funds_case_id_funds_cases"), type_="foreignkey")
        batch_op.drop_column("funds_case_id")
    with op.batch_alter_table("warn_people", schema=None) as batch_op:
        for column in (
            "family_phone_ciphertext",
            "family_phone_masked",
            "family_phone_token",
            "family_token",
        ):
            batch_op.drop_column(column)
    for table, column in _LEVELS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=12), type_=sa.String(length=8))
