"""One Alembic history applies identically to SQLite and PostgreSQL, up and down."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy import text as text_sql

from fanzha.db.base import Base
from fanzha.db.migrate import alembic_config, downgrade, upgrade
from fanzha.samples.tables import Sample


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_create_exactly_the_mapped_schema(engine: Engine) -> None:
    assert _tables(engine) == set(Base.metadata.tables)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.columns.keys()), table.name


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    downgrade(engine, "base")
    assert _tables(engine) == set()
    upgrade(engine)
    assert _tables(engine) == set(Base.metadata.tables)


def test_0009_rewrites_bulk_time_texts_and_gives_samples_uuid4_stix_ids(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    before = ScriptDirectory.from_config(config).get_revision("0009").down_revision
    assert isinstance(before, str)
    downgrade(engine, before)
    sqlite = engine.dialect.name == "sqlite"
    # What the bulk path wrote on SQLite (sqlite3's adapter), beside what the ORM wrote.
    forms = (
        ["2026-11-28 02:00:00+00:00", "2026-11-28 02:00:00.250000+00:00", "2026-11-28 02:00:00.000000"]
        if sqlite
        else [datetime(2026, 11, 28, 2, 0, tzinfo=UTC)] * 3
    )
    with engine.begin() as connection:
        for n, moment in enumerate(forms, start=1):
            connection.execute(
                text(
                    "INSERT INTO samples (id, kind, token, ciphertext, masked, fraud_type, status,"
                    " confidence, risk_level, first_seen, last_seen, expires_at, status_reason, hits,"
                    " false_positives, created_at, updated_at) VALUES (:id, 'phone', :token, :blob,"
                    " 'm', 'other', 'active', 90, 'high', :t, :t, :t, '', 0, 0, :t, :t)"
                ),
                {"id": n, "token": f"{n:064x}", "blob": b"x", "t": moment},
            )
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT updated_at, stix_indicator, stix_observable FROM samples")
        ).all()
        if sqlite:
            assert sorted(r[0] for r in rows) == [
                "2026-11-28 02:00:00.000000",
                "2026-11-28 02:00:00.000000",
                "2026-11-28 02:00:00.250000",
            ]
            moment = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
            assert connection.scalar(select(func.count()).where(Sample.updated_at == moment)) == 2
    ids = [uuid.UUID(i) for r in rows for i in r[1:]]
    assert len(set(ids)) == 6 and {i.version for i in ids} == {4}
    assert {i.variant for i in ids} == {uuid.RFC_4122}


def _row(table: Table, **given: object) -> dict[str, object]:
    """A row for `table`: the given values, and a plain value of its type for every other required column."""
    now = datetime(2026, 12, 1, tzinfo=UTC)
    plain = {Integer: 1, String: "x", Text: "x", Boolean: True, LargeBinary: b"x", DateTime: now}
    row: dict[str, object] = {}
    for column in table.columns:
        if column.name in given:
            row[column.name] = given[column.name]
        elif not column.nullable and column.server_default is None:
            row[column.name] = next(v for t, v in plain.items() if isinstance(column.type, t))
    return row


def test_0013_migrates_existing_notices_orders_and_holdings(engine: Engine) -> None:
    """Finding 15 and Art 9 on existing rows: the code leaves the stored text, the ID ciphertext goes."""
    downgrade(engine, "0008")
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(tables.tables["organisations"]).values(_row(tables.tables["organisations"]))
        )
        for order_id, measure, issued_by in ((1, "suspend", "policy:linked"), (2, "suspend", "system")):
            connection.execute(
                insert(tables.tables["disposal_orders"]).values(
                    _row(
                        tables.tables["disposal_orders"],
                        id=order_id,
                        measure=measure,
                        issued_by=issued_by,
                        sample_id=None,
                        releases_order_id=None,
                        dedupe_key=None,
                    )
                )
            )
        text = "【湖南反诈】…如有异议，可凭申诉码 ABCDEFGHJK 登录反诈平台公众门户提出申诉"
        connection.execute(
            insert(tables.tables["disposal_notices"]).values(
                _row(tables.tables["disposal_notices"], order_id=1, text=text, code_hash="h" * 64)
            )
        )
        connection.execute(
            insert(tables.tables["holdings"]).values(_row(tables.tables["holdings"], holder_ciphertext=b"id"))
        )
    upgrade(engine)
    with engine.connect() as connection:
        notice_text, code_hash = connection.execute(
            text_sql("SELECT text, code_hash FROM disposal_notices")
        ).one()
        triggers = dict(connection.execute(text_sql("SELECT id, trigger FROM disposal_orders")).all())
    assert "ABCDEFGHJK" not in notice_text and "申诉码 〔申诉码〕" in notice_text
    assert code_hash == "h" * 64  # the code already sent still opens its appeal
    assert triggers == {1: "sample_notified", 2: "reverify_failed"}
    assert "holder_ciphertext" not in {c["name"] for c in inspect(engine).get_columns("holdings")}
