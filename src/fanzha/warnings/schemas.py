"""API models of warnings (names start with Warning: unique across the app's OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fanzha.samples.domain import FraudType
from fanzha.warnings.domain import Level, Outcome, SignalKind

MAX_SIGNALS = 1000
MAX_CONTACTS = 50_000


class _Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_token: str | None = Field(default=None, max_length=64)
    id_number: str | None = Field(default=None, max_length=32)

    @model_validator(mode="after")
    def _one_person(self) -> _Person:
        if (self.person_token is None) == (self.id_number is None):
            raise ValueError("give person_token or id_number")
        return self


class WarningSignalIn(_Person):
    """One sign that a person is being defrauded; `ref` is the sender's id (a repeat is dropped)."""

    kind: SignalKind
    ref: str = Field(min_length=1, max_length=80)
    at: datetime | None = None
    level: Level | None = None
    phone: str | None = Field(default=None, max_length=32)
    scam_type: FraudType = FraudType.OTHER
    fraud_number: str = Field(default="", max_length=64)
    still_paying: bool = False
    contacts: int = Field(default=1, ge=1, le=10_000)
    longest_call_s: int = Field(default=0, ge=0, le=86_400)
    region_code: str | None = Field(default=None, pattern=r"^\d{6}(\d{3}(\d{3})?)?$")
    payer_kind: Literal["bank_card", "payment_account"] | None = None
    payer_value: str | None = Field(default=None, max_length=128)
    engine: str = Field(default="", max_length=64)
    engine_version: int | None = Field(default=None, ge=1)
    run_id: int | None = Field(default=None, ge=1)
    alert_id: int | None = Field(default=None, ge=1)
    sample_id: int | None = Field(default=None, ge=1)


class WarningSignalBatch(BaseModel):
    """Up to 1,000 signals, taken all or none."""

    model_config = ConfigDict(extra="forbid")
    items: list[WarningSignalIn] = Field(min_length=1, max_length=MAX_SIGNALS)


class WarningSignalResult(BaseModel):
    """What one signal did: its warning, the level now and the contact made."""

    warning_id: int
    level: str
    action: str
    task_id: int | None = None
    merged: list[int] = []
    visit_task_id: int | None = None


class WarningSignalResults(BaseModel):
    """Results in request order."""

    results: list[WarningSignalResult]


class WarningContact(_Person):
    """One person the operator's call records show in contact with the number (12381)."""

    phone: str = Field(min_length=5, max_length=32)
    calls: int = Field(default=1, ge=1, le=10_000)
    longest_call_s: int = Field(default=0, ge=0, le=86_400)
    last_at: datetime | None = None


class WarningContactList(BaseModel):
    """A new sample number's contacts in the last N days, from the operator's call records (12381)."""

    model_config = ConfigDict(extra="forbid")
    fraud_number: str = Field(min_length=4, max_length=64)
    sample_id: int | None = Field(default=None, ge=1)
    scam_type: FraudType = FraudType.OTHER
    contacts: list[WarningContact] = Field(min_length=1, max_length=MAX_CONTACTS)


class WarningContactSummary(BaseModel):
    """How many contacts were texted, already warned, or joined a warning."""

    received: int
    actions: dict[str, int]


class WarningRouteIn(BaseModel):
    """The grid a visit of the county's unassigned queue goes to (12 digits)."""

    model_config = ConfigDict(extra="forbid")
    grid_code: str = Field(pattern=r"^\d{12}$")


class WarningTaskRead(BaseModel):
    """A task as a list shows it: no identifier, the phone masked."""

    id: int
    warning_id: int
    channel: str
    level: str
    status: str
    county_code: str | None
    grid_code: str | None
    widened: bool
    assignee: str
    due_at: datetime
    overdue: bool
    accepted_at: datetime | None
    done_at: datetime | None
    outcome: str | None
    scam_type: str
    contact_tail: str


class WarningTaskPage(BaseModel):
    """Tasks, the most urgent first."""

    items: list[WarningTaskRead]


class WarningTaskDetail(WarningTaskRead):
    """One task with what it needs: the phone to dial (shown while it is open), the reasons, the grid."""

    phone: str | None
    phone_masked: str
    reasons: list[str]
    grid_name: str
    note: str


class WarningOutcomeIn(BaseModel):
    """What the call or visit achieved."""

    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    note: str = Field(default="", max_length=1000)


class WarningSignalRead(BaseModel):
    """A signal of a warning (no identifier)."""

    kind: str
    at: datetime
    level: str
    reasons: list[str]
    engine: str
    run_id: int | None
    sample_id: int | None


class WarningRead(BaseModel):
    """A warning: level, status, outcome, reasons and its times."""

    id: int
    level: str
    status: str
    outcome: str | None
    scam_type: str
    contact_tail: str
    county_code: str | None
    grid_code: str | None
    reasons: list[str]
    first_at: datetime
    last_at: datetime
    created_at: datetime
    first_contact_at: datetime | None
    outcome_at: datetime | None
    merged_into_id: int | None
    funds_case_id: int | None = None  # already paid: the funds case drafted for the police to confirm


class WarningDetail(BaseModel):
    """A warning with its signals and tasks."""

    warning: WarningRead
    signals: list[WarningSignalRead]
    tasks: list[WarningTaskRead]


class WarningBoard(BaseModel):
    """The county live board: open tasks by state and by level."""

    new: int
    in_progress: int
    overdue: int
    extra_high: int = 0
    high: int
    medium: int
    low: int


class WarningStats(BaseModel):
    """Outcomes, times to first contact and to outcome, false alarms per engine and per detection run."""

    warnings: int
    by_outcome: dict[str, int]
    by_level: dict[str, dict[str, int]]
    first_contact_s_median: float | None
    outcome_s_median: float | None
    false_alarms_by_engine: dict[str, dict[str, int]]
    false_alarms_by_run: dict[str, int]


class WarningGridIn(BaseModel):
    """A grid of a township (12 digits)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=12, max_length=12)
    name_zh: str = Field(min_length=1, max_length=100)


class WarningGridRead(BaseModel):
    """A grid."""

    code: str
    township_code: str
    county_code: str
    name_zh: str


class WarningGridWorker(BaseModel):
    """The grid worker to put on a grid."""

    model_config = ConfigDict(extra="forbid")
    user_id: int = Field(ge=1)


class WarningResident(_Person):
    """A resident of a grid (the grid register, Art 4¶2)."""

    phone: str = Field(min_length=5, max_length=32)
    grid_code: str = Field(min_length=12, max_length=12)
    # The family or emergency contact, called when the person refuses to believe a warning.
    family_person_token: str | None = Field(default=None, max_length=64)
    family_id_number: str | None = Field(default=None, max_length=32)
    family_phone: str | None = Field(default=None, min_length=5, max_length=32)

    @model_validator(mode="after")
    def _family_whole(self) -> WarningResident:
        kin = self.family_person_token is not None or self.family_id_number is not None
        if kin != (self.family_phone is not None) or (self.family_person_token and self.family_id_number):
            raise ValueError(
                "a family contact is one of family_person_token / family_id_number, and family_phone"
            )
        return self


class WarningRegister(BaseModel):
    """Up to 50,000 residents, all or none."""

    model_config = ConfigDict(extra="forbid")
    items: list[WarningResident] = Field(min_length=1, max_length=MAX_CONTACTS)


class WarningCount(BaseModel):
    """How many rows were taken."""

    count: int


class WarningCountMap(BaseModel):
    """Counts by what happened (alerts, unknown people, sms, call, quiet ...)."""

    counts: dict[str, int]


class WarningTemplates(BaseModel):
    """SMS texts per scam type; each must show {tail} and carry no link and no number."""

    model_config = ConfigDict(extra="forbid")
    templates: dict[str, str]
