"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, Table, create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from fanzha.core.settings import Settings
from fanzha.db import appends

SqliteSync = Literal["normal", "full"]
SQLITE_SYNC_LEVELS: dict[str, str] = {"normal": "NORMAL", "full": "FULL"}
# Execution options of a session that only reads: on SQLite it takes no write lock, on PostgreSQL it is
# a READ ONLY transaction; on both a write in it fails.
READ_ONLY: dict[str, Any] = {"fanzha_read_only": True, "postgresql_readonly": True}
CACHE_KIB = 32 * 1024  # SQLite page cache of a pooled connection
BIG_CACHE_KIB = 256 * 1024  # during a bulk import: random-keyed token indexes thrash a small cache


@contextmanager
def big_cache(session: Session) -> Iterator[None]:
    """A large SQLite page cache on the session's connection for the block, then the usual one again."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.execute(text(f"PRAGMA cache_size=-{BIG_CACHE_KIB}"))
    try:
        yield
    finally:
        if sqlite:
            # Shrinking frees the pages; after a failed transaction the pool resets the connection anyway.
            with suppress(SQLAlchemyError):
                session.execute(text(f"PRAGMA cache_size=-{CACHE_KIB}"))


def build_engine(
    url: str, *, sqlite_synchronous: SqliteSync = "normal", pgbouncer: bool = False, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and write-serialising transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if pgbouncer:
            # PgBouncer's transaction mode hands each transaction any server connection: psycopg must
            # not prepare statements, which live on one connection only.
            kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "prepare_threshold": None}
        # psycopg pipelines an executemany already; multi-row VALUES measured slower here.
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so BEGIN IMMEDIATE below is honoured.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL syncs at checkpoints, not at every commit (an fsync each, a few ms here): a
        # killed process loses no committed transaction; a power cut may lose the last ones, never
        # consistency (sqlite.org/pragma.html#pragma_synchronous). FULL for power-cut durability.
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNC_LEVELS[sqlite_synchronous]}")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A page cache per pooled connection, so a server's memory is bounded by pool × this; bulk
        # imports raise it for their own connection while they run (`big_cache`).
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = bool(connection.get_execution_options().get("fanzha_read_only"))
        if connection.info.get("query_only", False) != read_only:  # a pooled connection keeps its mode
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            connection.info["query_only"] = read_only
        # A writer takes the write lock up front: two writers reading the audit chain head then both
        # upgrading would otherwise deadlock into "database is locked". A reader reads a snapshot (WAL)
        # beside the writer and keeps no one waiting.
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def reading(sessions: sessionmaker[Session]) -> Session:
    """A session that only reads (`READ_ONLY`)."""
    return sessions(execution_options=READ_ONLY)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit and write batches of new rows at once."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, future=True)
    event.listen(factory, "before_flush", number_new_rows)
    appends.hook(factory)
    return factory


def number_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    """Give new rows of one table their ids before a flush that writes several of them.

    Without ids the ORM inserts such rows one statement at a time to read each id back; with them it
    sends one executemany. SQLite numbers from max(id) under the write lock every transaction holds
    (BEGIN IMMEDIATE); PostgreSQL draws from the column's sequence.
    """
    pending: dict[Table, list[Any]] = {}
    for obj in session.new:
        table = getattr(obj, "__table__", None)
        if isinstance(table, Table) and _serial_id(table) and getattr(obj, "id", None) is None:
            pending.setdefault(table, []).append(obj)
    for table, objects in pending.items():
        ids = reserve_ids(session, table, len(objects)) if len(objects) > 1 else []
        if len(ids) == len(objects):
            for obj, new_id in zip(objects, ids, strict=True):
                obj.id = new_id


def _serial_id(table: Table) -> bool:
    key = list(table.primary_key.columns)
    return len(key) == 1 and key[0].name == "id" and key[0].autoincrement in (True, "auto")


def reserve_ids(session: Session, table: Table, n: int) -> list[int]:
    """`n` unused primary keys of `table`, in increasing order; none when the column has no sequence."""
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")
        ids = [row[0] for row in session.execute(query, {"t": table.name, "n": n})]
        return [int(i) for i in ids] if None not in ids else []
    with session.no_autoflush:
        first = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    return list(range(first, first + n))


def engine_of(settings: Settings) -> Engine:
    """The database engine the settings describe; pool sizes and PgBouncer apply to PostgreSQL."""
    if settings.database_url.startswith("sqlite"):
        return build_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    return build_engine(
        settings.database_url,
        pgbouncer=settings.db_pgbouncer,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
