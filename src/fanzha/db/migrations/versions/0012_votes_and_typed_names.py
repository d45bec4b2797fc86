"""Sightings are one bounded vote per organisation; attachments are named by their detected type.

Samples keep the part of confidence sightings moved (`sighting_shift`). Existing samples start with no
shift: what earlier sightings did stays in their confidence, and the next vote is measured from there.
Existing attachments lose every extension the uploader gave and take their type's (`a.pdf.bat` →
`a.pdf`), as new ones are stored.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}  # as in appeals/attachments


def typed(name: str, media_type: str) -> str:
    """The stored name's first part and the detected type's extension (what `typed_name` gives)."""
    stem = name.lstrip(".").split(".")[0][:90] or "attachment"
    return f"{stem}.{EXTENSIONS.get(media_type, 'bin')}"


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sighting_shift", sa.Integer(), server_default="0", nullable=False))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name, media_type FROM appeal_attachments")).all()
    for row_id, name, media_type in rows:
        if typed(name, media_type) != name:
            bind.execute(
                sa.text("UPDATE appeal_attachments SET name = :name WHERE id = :id"),
                {"name": typed(name, media_type), "id": row_id},
            )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_column("sighting_shift")
