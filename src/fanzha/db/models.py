"""Import every area's tables so the metadata (and Alembic) sees the whole schema."""

from __future__ import annotations

from fanzha.audit import tables as audit_tables
from fanzha.db import idempotency
from fanzha.db.base import Base
from fanzha.events import tables as event_tables
from fanzha.identity import tables as identity_tables
from fanzha.samples import tables as sample_tables

__all__ = ["Base", "audit_tables", "event_tables", "idempotency", "identity_tables", "sample_tables"]
