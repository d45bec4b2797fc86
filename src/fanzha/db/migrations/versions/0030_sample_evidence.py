"""Evidence files on sample reports: encrypted at rest, read by police and the reporting organisation.

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "sample_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name=op.f("fk_sample_evidence_sample_id_samples")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_sample_evidence_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_evidence")),
    )
    op.create_index(op.f("ix_sample_evidence_sample_id"), "sample_evidence", ["sample_id"], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_index(op.f("ix_sample_evidence_sample_id"), table_name="sample_evidence")
    op.drop_table("sample_evidence")
