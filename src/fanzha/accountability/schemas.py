"""API models of accountability (names prefixed so a generated client keeps them apart)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from fanzha.accountability.cases import Opening
from fanzha.accountability.domain import ItemKind
from fanzha.accountability.penalties import RULES, Circumstance
from fanzha.accountability.tables import Interview, ItemReport, PenaltyCase, PenaltyEvent
from fanzha.accountability.tracking import ItemView

Text = Field(default="", max_length=2000)


class AccEvidenceLink(BaseModel):
    """What shows the failure: an indicator figure of a month, or a record (order, inspection, item)."""

    kind: Literal["indicator", "order", "inspection", "item"]
    key: str = Field(default="", max_length=40)
    period: str = Field(default="", max_length=8)
    id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class AccCaseOpen(BaseModel):
    """Open a penalty case: the provision breached (hn40-1, hn40-2, hn41), the respondent, the facts."""

    rule: str = Field(max_length=12)
    facts: str = Field(min_length=4, max_length=4000)
    respondent_org_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    venue_name: str = Field(default="", max_length=200)
    venue_type: Literal["", "hotel", "hospital", "internet_cafe", "rented", "other"] = ""
    venue_address: str = Field(default="", max_length=300)
    higher_law: str | None = Field(default=None, max_length=12, description="Art 39: afl39, afl40, afl41")
    evidence: list[AccEvidenceLink] = Field(default_factory=list, max_length=50)

    def opening(self) -> Opening:
        """What the department states, as the case service takes it."""
        evidence = [link.model_dump() for link in self.evidence]
        fields = self.model_dump(exclude={"evidence"})
        return Opening(**fields, evidence=evidence)


class AccCaseOrder(BaseModel):
    """Order to correct and warn: days to correct (Art 40¶2, 41)."""

    days: int | None = Field(default=None, ge=1, le=365)
    note: str = Text


class AccCaseNote(BaseModel):
    """A step with a note only."""

    note: str = Text


class AccCasePropose(BaseModel):
    """The proposed fine in fen, and the circumstance its range depends on."""

    circumstance: Circumstance
    amount_fen: int = Field(ge=0, le=2**31 - 1)
    note: str = Text


class AccCaseDecide(BaseModel):
    """The fine decided, in fen."""

    amount_fen: int = Field(ge=0, le=2**31 - 1)
    note: str = Text


class AccCasePay(BaseModel):
    """A payment receipt."""

    amount_fen: int = Field(ge=0, le=2**31 - 1)
    reference: str = Field(min_length=1, max_length=64)


class AccCaseAppeal(BaseModel):
    """A reconsideration or lawsuit against the decision."""

    kind: Literal["reconsideration", "litigation"]
    note: str = Text


class AccHearingRecord(BaseModel):
    """The hearing's record."""

    record: str = Field(min_length=1, max_length=8000)


class AccCaseEvent(BaseModel):
    """One step of a case."""

    at: datetime
    actor: str
    action: str
    state: str
    note: str


class AccCaseRead(BaseModel):
    """A penalty case as the API returns it (money in fen)."""

    id: int
    number: str
    rule: str
    applied_rule: str
    article: str
    fine_ranges_fen: dict[str, list[int]]
    respondent_kind: str
    respondent_org_id: int | None
    respondent_name: str = ""
    deciding_org_id: int
    decider_name: str = ""
    venue_name: str
    venue_type: str
    facts: str
    evidence: list[dict[str, Any]]
    state: str
    correct_by: datetime | None
    corrected_at: datetime | None
    circumstance: str
    proposed_fen: int | None
    hearing_until: datetime | None
    decided_fen: int | None
    decision_no: str
    decision_sm3: str
    pay_by: datetime | None
    paid_fen: int | None
    payment_ref: str
    appeal_kind: str
    created_at: datetime
    events: list[AccCaseEvent] = Field(default_factory=list)


def case_read(
    case: PenaltyCase, events: Sequence[PenaltyEvent] = (), names: dict[str, str] | None = None
) -> AccCaseRead:
    """The API view of a case."""
    rule = RULES[case.applied_rule]
    names = names or {}
    return AccCaseRead(
        id=case.id,
        number=case.number,
        rule=case.rule,
        applied_rule=case.applied_rule,
        article=rule.cited,
        fine_ranges_fen={str(c): list(rule.range_fen(c)) for c in rule.ranges},
        respondent_kind=case.respondent_kind,
        respondent_org_id=case.respondent_org_id,
        respondent_name=names.get("respondent", ""),
        deciding_org_id=case.deciding_org_id,
        decider_name=names.get("decider", ""),
        venue_name=case.venue_name,
        venue_type=case.venue_type,
        facts=case.facts,
        evidence=json.loads(case.evidence or "[]"),
        state=case.state,
        correct_by=case.correct_by,
        corrected_at=case.corrected_at,
        circumstance=case.circumstance,
        proposed_fen=case.proposed_fen,
        hearing_until=case.hearing_until,
        decided_fen=case.decided_fen,
        decision_no=case.decision_no,
        decision_sm3=case.decision_sm3,
        pay_by=case.pay_by,
        paid_fen=case.paid_fen,
        payment_ref=case.payment_ref,
        appeal_kind=case.appeal_kind,
        created_at=case.created_at,
        events=[
            AccCaseEvent(at=e.at, actor=e.actor, action=e.action, state=e.state, note=e.note) for e in events
        ],
    )


class AccRuleRead(BaseModel):
    """A penalty rule: its article, words, deciding departments and fine ranges (fen)."""

    id: str
    article: str
    quote: str
    duty: str
    decider: str
    deciders: list[str]
    order_to_correct: bool
    fine_ranges_fen: dict[str, list[int]]
    title_zh: str
    title_en: str


class AccInterviewCreate(BaseModel):
    """An interview of a unit (Art 24): the month whose indicators give the reasons, who attended."""

    org_id: int = Field(ge=1, le=2**31 - 1)
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    attendees: str = Field(min_length=1, max_length=2000)
    commitments: str = Text
    reasons: list[str] = Field(
        default_factory=list, max_length=20, description="reasons besides the indicators"
    )


class AccInterviewRead(BaseModel):
    """An interview record."""

    id: int
    org_id: int
    by_org_id: int
    month: str
    reasons: list[dict[str, Any]]
    attendees: str
    commitments: str
    held_at: datetime
    recorded_by: str


class AccItemCreate(BaseModel):
    """An item a unit must do and answer in writing by its deadline."""

    kind: ItemKind
    unit_org_id: int = Field(ge=1, le=2**31 - 1)
    title: str = Field(min_length=2, max_length=300)
    target: str = Text
    deadline_days: int = Field(ge=1, le=730)
    report_every_days: int | None = Field(default=None, ge=1, le=180)
    interview_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    issuer_name: str = Field(default="", max_length=200, description="the court or procuratorate (Art 36)")


class AccReportCreate(BaseModel):
    """A written report on an item by the unit."""

    kind: Literal["progress", "reply", "feedback", "closing"]
    text: str = Field(min_length=1, max_length=4000)
    percent: int | None = Field(default=None, ge=0, le=100)


class AccReportRead(BaseModel):
    """A report on an item."""

    id: int
    kind: str
    text: str
    percent: int | None
    by: str
    at: datetime


class AccItemRead(BaseModel):
    """An item with its reports and whether it is overdue now (deadline, report)."""

    id: int
    number: str
    kind: str
    unit_org_id: int
    unit_name: str
    owner_org_id: int
    owner_name: str
    interview_id: int | None
    issuer_name: str
    title: str
    target: str
    basis: str
    deadline: datetime
    report_every_days: int | None
    status: str
    overdue: str
    escalation: int
    last_report_at: datetime | None
    closed_at: datetime | None
    reports: list[AccReportRead] = Field(default_factory=list)


class AccSweepRead(BaseModel):
    """Items escalated by a sweep."""

    escalated: list[int]


def interview_read(row: Interview) -> AccInterviewRead:
    """The API view of an interview."""
    return AccInterviewRead(
        id=row.id,
        org_id=row.org_id,
        by_org_id=row.by_org_id,
        month=row.month,
        reasons=json.loads(row.reasons),
        attendees=row.attendees,
        commitments=row.commitments,
        held_at=row.held_at,
        recorded_by=row.recorded_by,
    )


def report_read(r: ItemReport) -> AccReportRead:
    """The API view of a report."""
    return AccReportRead(id=r.id, kind=r.kind, text=r.text, percent=r.percent, by=r.by, at=r.at)


def item_read(view: ItemView) -> AccItemRead:
    """The API view of an item."""
    i = view.item
    return AccItemRead(
        id=i.id,
        number=i.number,
        kind=i.kind,
        unit_org_id=i.unit_org_id,
        unit_name=view.unit_name,
        owner_org_id=i.owner_org_id,
        owner_name=view.owner_name,
        interview_id=i.interview_id,
        issuer_name=i.issuer_name,
        title=i.title,
        target=i.target,
        basis=i.basis,
        deadline=i.deadline,
        report_every_days=i.report_every_days,
        status=i.status,
        overdue=view.overdue,
        escalation=i.escalation,
        last_report_at=i.last_report_at,
        closed_at=i.closed_at,
        reports=[report_read(r) for r in view.reports],
    )


class AccInspectionCreate(BaseModel):
    """An inspection of a venue (Art 15¶1), an operator's facilities (Art 15¶2) or premises (Art 31)."""

    kind: Literal["venue", "facility", "premises"]
    inspector: Literal["self", "police"] = "police"
    findings: list[Literal["sim_box", "multi_card", "rogue_line", "flyers", "ground_promotion"]] = Field(
        default_factory=list, max_length=10
    )
    measures: str = Text
    reported_to_police: bool = False
    subject_org_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    venue_name: str = Field(default="", max_length=200)
    venue_type: Literal["", "hotel", "hospital", "internet_cafe", "rented", "other"] = ""
    venue_address: str = Field(default="", max_length=300)
    venue_inspected: bool = True


class AccInspectionRead(BaseModel):
    """An inspection, with the duty it shows failed and the case opened on it."""

    id: int
    kind: str
    inspector: str
    subject_org_id: int | None
    venue_name: str
    venue_type: str
    findings: list[str]
    measures: str
    reported_to_police: bool
    duty_failed: str
    case_id: int | None
    inspected_at: datetime


class AccInspectionCase(BaseModel):
    """Open a penalty case on an inspection that shows a failed duty."""

    facts: str = Text


class AccControlCreate(BaseModel):
    """An internal-control measure, or a new business line's fraud-risk assessment (Art 5¶4, 11¶2)."""

    kind: Literal["control", "assessment"]
    business_line: str = Field(default="", max_length=200)
    summary: str = Field(min_length=2, max_length=4000)
    risk_level: Literal["", "low", "medium", "high"] = ""
    conclusion: Literal["", "launch", "launch_with_measures", "refuse"] = ""


class AccControlRead(BaseModel):
    """A control or assessment record."""

    id: int
    org_id: int
    kind: str
    business_line: str
    summary: str
    risk_level: str
    conclusion: str
    recorded_by: str
    at: datetime


class AccRosterCreate(BaseModel):
    """A specialist or volunteer of the caller's organisation (Art 6)."""

    kind: Literal["specialist", "volunteer"]
    name: str = Field(min_length=1, max_length=100)
    speciality: str = Field(default="", max_length=200)


class AccRosterRead(BaseModel):
    """A roster entry."""

    id: int
    org_id: int
    kind: str
    name: str
    speciality: str


class AccLicensedCreate(BaseModel):
    """A licensed financial institution (Art 22¶1)."""

    name: str = Field(min_length=2, max_length=200)
    licence_no: str = Field(min_length=2, max_length=64)
    kind: Literal["bank", "securities", "fund", "futures", "insurance", "advisory", "payment", "other"]
    credit_code: str = Field(default="", pattern=r"^([0-9A-HJ-NPQRTUWXY]{18})?$")
    valid_until: datetime | None = None


class AccLicensedRead(BaseModel):
    """A licensed institution."""

    id: int
    name: str
    licence_no: str
    kind: str
    credit_code: str
    valid_until: datetime | None


class AccLicensedCheck(BaseModel):
    """Whether an account's claimed institution is licensed (Art 22¶1), and the matches."""

    licensed: bool
    matches: list[AccLicensedRead]
