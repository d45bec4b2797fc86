"""A tip's outcome links to what it created: the warning (Art 28¶2) or the case draft (Art 38¶1).

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warning_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_tips_warning_id_warn_warnings", "warn_warnings", ["warning_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_tips_case_id_funds_cases", "funds_cases", ["case_id"], ["id"])


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tips_case_id_funds_cases", type_="foreignkey")
        batch_op.drop_constraint("fk_tips_warning_id_warn_warnings", type_="foreignkey")
        batch_op.drop_column("case_id")
        batch_op.drop_column("warning_id")
