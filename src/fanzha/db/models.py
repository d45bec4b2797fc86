"""Import every area's tables so the metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from fanzha.accountability import tables as accountability_tables
from fanzha.appeals import tables as appeal_tables
from fanzha.audit import tables as audit_tables
from fanzha.credit import tables as credit_tables
from fanzha.db import idempotency
from fanzha.db.base import Base
from fanzha.detect import tables as detect_tables
from fanzha.disposal import tables as disposal_tables
from fanzha.dissuasion import tables as publicity_tables
from fanzha.events import tables as event_tables
from fanzha.funds import tables as funds_tables
from fanzha.identity import tables as identity_tables
from fanzha.leaks import tables as leak_tables
from fanzha.oversight import tables as oversight_tables
from fanzha.prevention import tables as prevention_tables
from fanzha.samples import tables as sample_tables
from fanzha.tips import tables as tip_tables
from fanzha.warnings import tables as warning_tables

__all__ = [
    "Base",
    "accountability_tables",
    "appeal_tables",
    "audit_tables",
    "credit_tables",
    "detect_tables",
    "disposal_tables",
    "event_tables",
    "funds_tables",
    "idempotency",
    "identity_tables",
    "leak_tables",
    "oversight_tables",
    "prevention_tables",
    "publicity_tables",
    "sample_tables",
    "tip_tables",
    "warning_tables",
]
