"""Times in one text form on SQLite; samples keep UUIDv4 STIX ids.

Bulk inserts wrote times as `YYYY-MM-DD HH:MM:SS+00:00` (sqlite3's adapter) where the ORM writes
`YYYY-MM-DD HH:MM:SS.ffffff`: compared as text, the same instant was both greater and unequal, so
keyset cursors on time never advanced. Every time column of every table is rewritten to the ORM's
form (`db.base.UTCDateTime` now formats on every path). PostgreSQL stores timestamptz: nothing to do.

STIX 2.1 wants UUIDv4 for SDOs and for custom SCOs without id-contributing properties: each sample
gets a random indicator id and observable id, stored, so they stay stable.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# A random UUIDv4 as text in SQLite's SQL: version nibble 4, variant 8, 9, a or b.
_SQLITE_UUID4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||"
    " substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||"
    " substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))"
)


def _canonical_times(bind: sa.Connection) -> None:
    """`…SS+00:00` and `…SS.ffffff+00:00` become `…SS.ffffff` (all stored times are UTC)."""
    inspector = sa.inspect(bind)
    quote = bind.dialect.identifier_preparer.quote
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            if not isinstance(column["type"], sa.DateTime):
                continue
            name = quote(column["name"])
            bind.exec_driver_sql(
                f"UPDATE {quote(table)} SET {name} = substr({name}, 1, 19) ||"  # noqa: S608 - our names
                f" CASE WHEN substr({name}, 20, 1) = '.' THEN substr({name}, 20, 7) ELSE '.000000' END"
                f" WHERE {name} LIKE '%+00:00' OR length({name}) = 19"
            )


def upgrade() -> None:
    """Apply."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _canonical_times(bind)
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stix_indicator", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("stix_observable", sa.String(length=36), nullable=True))
    fresh = _SQLITE_UUID4 if sqlite else "gen_random_uuid()::text"
    bind.exec_driver_sql(f"UPDATE samples SET stix_indicator = {fresh}, stix_observable = {fresh}")  # noqa: S608
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.alter_column("stix_indicator", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("stix_observable", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_samples_stix_indicator"), ["stix_indicator"])


def downgrade() -> None:
    """Revert (times stay in the one form: it is what the ORM always wrote)."""
    with op.batch_alter_table("samples", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_samples_stix_indicator"), type_="unique")
        batch_op.drop_column("stix_observable")
        batch_op.drop_column("stix_indicator")
