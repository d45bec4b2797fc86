"""The tables whose rows are never changed or removed, and the database guards that enforce it (Art 26).

`APPEND_ONLY` is the one declared list: the gate `tests/gates/test_append_only.py` checks that the
database refuses UPDATE, DELETE and (on PostgreSQL) TRUNCATE on every table in it, so a table added here
is tested the day it is added, and a migration that adds an append-only table calls `guard` for it.
Heads are rows that legitimately change, but only forward; `FORWARD_ONLY` names each with its counter.

These guards stop the application, a mistaken script or a user with ordinary rights. A superuser can
lift them (`session_replication_role = replica`, dropping a trigger); against that the audit log has its
keyed MACs and signed checkpoints outside the database (docs/reliability.md).
"""

from __future__ import annotations

APPEND_ONLY: tuple[str, ...] = (
    "audit_log",  # Art 26: the audit trail
    "outbox",  # the event feed: positions handed to receivers never change
    "disposal_order_events",  # an order's history (Art 25 assessment)
    "sample_history",  # a sample's changes, shown in appeals (Art 34)
    "sample_sightings",  # institutions' hits and false positives
    "credit_listing_events",  # a listing's history (Art 29: determination, approval, expiry, release)
    "oversight_archive",  # published notifications with their SM3 digest (Art 24)
)
# Head rows: table -> the counter that may only grow.
FORWARD_ONLY: dict[str, str] = {"audit_head": "seq", "outbox_head": "last_position"}

_PG_REFUSE = (
    "CREATE OR REPLACE FUNCTION fanzha_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; END $$"
)


def guard(dialect: str, table: str) -> list[str]:
    """Statements that make `table` refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE."""
    if dialect == "postgresql":
        return [
            _PG_REFUSE,
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION fanzha_append_only()",
            *no_truncate(dialect, table),
        ]
    return [
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def no_truncate(dialect: str, table: str) -> list[str]:
    """Statements that make `table` refuse TRUNCATE (SQLite has none: DELETE's trigger covers it)."""
    if dialect != "postgresql":
        return []
    return [
        _PG_REFUSE,
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION fanzha_append_only()",
    ]


def unguard(dialect: str, table: str) -> list[str]:
    """Undo `guard` (for a downgrade)."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{verb}" for verb in ("update", "delete")]
