"""Keyed audit chain and append-only guards: entry MAC versions, TRUNCATE refused, heads only move forward.

Existing audit entries keep their plain SM3 hash and are marked `mac_version = 1`; the application writes
every new entry with HMAC-SM3 (`mac_version = 2`), whose MAC covers the last legacy hash, and the first
signed checkpoint pins how many legacy entries there are (docs/reliability.md says what that guarantees).

Every append-only table (fanzha.db.append_only.APPEND_ONLY, as of this revision) refuses UPDATE, DELETE
and, on PostgreSQL, TRUNCATE. The audit and outbox heads only move forward and cannot be removed; on
PostgreSQL the audit head must match the log's last entry when the transaction commits.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fanzha.db.append_only import guard, no_truncate, unguard

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Guarded here besides audit_log (whose UPDATE/DELETE guard dates from 0001).
NEWLY_GUARDED = ("outbox", "disposal_order_events", "sample_history", "sample_sightings")
HEADS = {"audit_head": "seq", "outbox_head": "last_position"}
GENESIS = "0" * 64


def upgrade() -> None:
    """Apply."""
    op.add_column("audit_log", sa.Column("mac_version", sa.Integer(), server_default="1", nullable=False))
    dialect = op.get_bind().dialect.name
    for statement in no_truncate(dialect, "audit_log"):
        op.execute(statement)
    for table in NEWLY_GUARDED:
        for statement in guard(dialect, table):
            op.execute(statement)
    for table, counter in HEADS.items():
        _forward_only(dialect, table, counter)
    if dialect == "postgresql":
        _head_matches_log()


def downgrade() -> None:
    """Revert."""
    dialect = op.get_bind().dialect.name
    for table in HEADS:
        for statement in _unforward(dialect, table):
            op.execute(statement)
    for table in NEWLY_GUARDED:
        for statement in unguard(dialect, table):
            op.execute(statement)
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_matches_log ON audit_head")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS fanzha_audit_head_matches_log()")
        op.execute("DROP FUNCTION IF EXISTS fanzha_forward_only()")
        op.execute("DROP FUNCTION IF EXISTS fanzha_append_only()")
    op.execute("ALTER TABLE audit_log DROP COLUMN mac_version")


def _forward_only(dialect: str, table: str, counter: str) -> None:
    """The head's counter never goes back, it keeps its id, and the row cannot be removed."""
    # A head whose counter stays put may not change either (the audit head's MAC with its seq).
    same = "NEW.hash <> OLD.hash" if table == "audit_head" else "FALSE"
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION fanzha_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% only moves forward: % refused', TG_TABLE_NAME, TG_OP; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_forward_only BEFORE UPDATE ON {table} FOR EACH ROW "
            f"WHEN (NEW.id <> OLD.id OR NEW.{counter} < OLD.{counter} "
            f"OR (NEW.{counter} = OLD.{counter} AND {same})) EXECUTE FUNCTION fanzha_forward_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION fanzha_forward_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION fanzha_forward_only()"
        )
        return
    same = same.replace("FALSE", "0")
    op.execute(
        f"CREATE TRIGGER {table}_forward_only BEFORE UPDATE ON {table} "
        f"WHEN NEW.id <> OLD.id OR NEW.{counter} < OLD.{counter} "
        f"OR (NEW.{counter} = OLD.{counter} AND {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{table} only moves forward: UPDATE refused'); END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} only moves forward: DELETE refused'); END"
    )


def _head_matches_log() -> None:
    """At commit, the audit head names an entry that exists with that MAC, and no entry lies beyond it."""
    op.execute(
        "CREATE OR REPLACE FUNCTION fanzha_audit_head_matches_log() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE h_seq integer; h_hash varchar; BEGIN "
        "SELECT seq, hash INTO h_seq, h_hash FROM audit_head WHERE id = NEW.id; "
        "IF (h_seq = 0 AND h_hash = 'GENESIS' AND NOT EXISTS (SELECT 1 FROM audit_log)) "
        "OR (EXISTS (SELECT 1 FROM audit_log WHERE seq = h_seq AND hash = h_hash) "
        "AND NOT EXISTS (SELECT 1 FROM audit_log WHERE seq > h_seq)) THEN RETURN NULL; END IF; "
        "RAISE EXCEPTION 'audit_head must match the last audit_log entry'; END $$".replace("GENESIS", GENESIS)
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER audit_head_matches_log AFTER INSERT OR UPDATE ON audit_head "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fanzha_audit_head_matches_log()"
    )


def _unforward(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_forward_only ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_kept ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_forward_only", f"DROP TRIGGER IF EXISTS {table}_kept"]
