"""API models of detection runs (separate from the tables)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EngineRead(BaseModel):
    """One engine of the registry."""

    name: str
    version: int
    articles: str
    title_zh: str
    title_en: str
    inputs: list[str]
    # Precision of its high and of its medium-and-high alerts on the independent evaluation world
    # (model card; issue 19): what a level has meant outside the world it was tuned on. None for rules.
    evaluated_precision_high: float | None = None
    evaluated_precision_all: float | None = None


class RunCreate(BaseModel):
    """Start a run of an engine on a data directory under the configured root."""

    model_config = ConfigDict(extra="forbid")

    engine: str = Field(min_length=1, max_length=64)
    backend: str = Field(default="duckdb", max_length=16)
    data_dir: str = Field(min_length=1, max_length=500)


class RunRead(BaseModel):
    """A run with its status, progress and alert counts."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    engine: str
    engine_version: int
    backend: str
    data_dir: str
    requested_by: str
    org_id: int
    status: str
    stage: str
    error: str
    attempts: int
    alerts_high: int
    alerts_medium: int
    alerts_low: int
    policies_applied_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunPage(BaseModel):
    """Runs, newest first."""

    items: list[RunRead]


class AlertRead(BaseModel):
    """An alert: masked identifier and token always, the raw value only when revealed (audited)."""

    id: int
    kind: str
    token: str
    masked: str
    raw_value: str | None
    score: float
    level: str
    reasons: list[str]
    last_seen: datetime | None


class AlertPage(BaseModel):
    """A page of alerts; pass next_after as `after` for the next one."""

    items: list[AlertRead]
    next_after: int | None


class PolicyResult(BaseModel):
    """How many outcomes of each kind applying the policies created (none when applied before)."""

    created: dict[str, int]
