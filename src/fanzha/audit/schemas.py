"""API models of the audit log."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditRead(BaseModel):
    """One audit entry."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    actor_user_id: int | None
    org_id: int | None
    action: str
    object_type: str
    object_id: str
    result: str
    source_ip: str
    detail: str
    hash: str


class AuditPage(BaseModel):
    """A page of entries, newest first; pass `next_cursor` as `before` for the next page."""

    items: list[AuditRead]
    next_cursor: int | None


class ChainReport(BaseModel):
    """The result of walking the hash chain."""

    entries: int
    intact: bool
    first_broken_seq: int | None = None
    reason_zh: str | None = None
    reason_en: str | None = None
