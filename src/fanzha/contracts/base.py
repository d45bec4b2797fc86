"""How a data contract is written down: named, typed, documented columns per table."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Every instant is an absolute time; Arrow stores UTC and the zone only says how to show it.
# Milliseconds, because Parquet has no second unit and would hand back milliseconds anyway.
TS = pa.timestamp("ms", tz="Asia/Shanghai")
STR = pa.string()
I64 = pa.int64()
I32 = pa.int32()
I16 = pa.int16()
I8 = pa.int8()
BOOL = pa.bool_()
DATE = pa.date32()
F64 = pa.float64()


@dataclass(frozen=True)
class Column:
    """One column: its name, Arrow type, whether it may be null, and what it means."""

    name: str
    type: pa.DataType
    doc: str
    nullable: bool = False

    def field(self) -> pa.Field:
        """The Arrow field, with the doc kept in the field metadata."""
        return pa.field(self.name, self.type, nullable=self.nullable, metadata={"doc": self.doc})


@dataclass(frozen=True)
class Contract:
    """One table: its name, group, meaning, key column and columns."""

    name: str
    group: str
    doc: str
    key: str | None
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema every writer and reader of this table uses."""
        return pa.schema([c.field() for c in self.columns], metadata={"doc": self.doc})

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")


def col(name: str, type_: pa.DataType, doc: str, *, null: bool = False) -> Column:
    """Shorthand for a Column."""
    return Column(name, type_, doc, null)
