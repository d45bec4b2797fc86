"""Set-based inserts straight to the driver, for imports of a million rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, LargeBinary, Table


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Rows inserted with each column's bind processor applied once per distinct value (COPY on PostgreSQL).

    SQLAlchemy would run the processors (UTC conversion, datetime formatting) for every cell; a
    bulk import repeats the same few timestamps a million times, so converting each once is
    most of the saving. Table and column names come from our own metadata, never from input.
    """
    if not rows:
        return
    dialect = connection.dialect
    columns = list(rows[0])
    # Column by column: each converted column maps its values through a table of its distinct values,
    # so a million cells cost a million dict lookups in C, not a million Python calls.
    values = [list(map(itemgetter(name), rows)) for name in columns]
    for index, name in enumerate(columns):
        if isinstance(table.c[name].type, LargeBinary):
            continue  # both drivers take bytes as they are; unique ciphertexts would only fill a table
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            values[index] = _converted(values[index], processor)
    params: list[Any] = list(zip(*values, strict=True))
    if dialect.name == "postgresql":
        copy_rows(connection, table, columns, params)
        return
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    connection.exec_driver_sql(sql, params)


def copy_rows(
    connection: Connection, table: Table, columns: list[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL's COPY of driver-ready rows: one stream, where executemany sends a statement a row."""
    quote = connection.dialect.identifier_preparer
    sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(c) for c in columns)}) FROM STDIN"
    cursor: Any = connection.connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


def _converted(column: list[Any], processor: Callable[[Any], Any]) -> list[Any]:
    """`processor` applied to every value, once per distinct value (each value when one is unhashable)."""
    try:
        table = {value: processor(value) for value in set(column)}
    except TypeError:  # an unhashable value: convert every cell
        return [processor(value) for value in column]
    return list(map(table.__getitem__, column))
