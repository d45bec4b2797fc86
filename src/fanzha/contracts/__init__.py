"""Data contracts: one Arrow schema per table, shared by `fanzha.sim` and `fanzha.detect`."""

from __future__ import annotations

from fanzha.contracts import events, holdings, labels, lines, reference
from fanzha.contracts.base import Column, Contract
from fanzha.contracts.reference import ORG_KINDS, SCAM_CODES, SCAM_TYPES

VERSION = "1"

TABLES: dict[str, Contract] = {
    c.name: c for c in (*reference.TABLES, *holdings.TABLES, *events.TABLES, *lines.TABLES, *labels.TABLES)
}


def contract(name: str) -> Contract:
    """The contract of table `name`."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no data contract for table {name!r}") from None


__all__ = [
    "ORG_KINDS",
    "SCAM_CODES",
    "SCAM_TYPES",
    "TABLES",
    "VERSION",
    "Column",
    "Contract",
    "contract",
]
