"""Use cases of inspections (Art 15, 31), internal controls (Art 5, 11), specialists (Art 6) and the
registry of licensed financial institutions platforms check accounts against (Art 22)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from fanzha.accountability.base import Core
from fanzha.accountability.cases import Opening, PenaltyCases
from fanzha.accountability.tables import (
    ControlRecord,
    Inspection,
    LicensedInstitution,
    PenaltyCase,
    RosterEntry,
)
from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.identity.domain import OrgKind, Principal

DEVICES = frozenset({"sim_box", "multi_card", "rogue_line"})  # 外联设备、多卡设备、被盗用线路 (Art 14, 15)
FINDINGS = DEVICES | {"flyers", "ground_promotion"}  # Art 31: 小广告、地推引流
INSPECTION = "accountability_inspection"


@dataclass(frozen=True)
class NewInspection:
    """What an inspector records."""

    kind: str  # venue, facility, premises
    inspector: str  # self, police
    findings: list[str]
    measures: str = ""
    reported_to_police: bool = False
    subject_org_id: int | None = None
    venue_name: str = ""
    venue_type: str = ""
    venue_address: str = ""
    venue_inspected: bool = True  # police inspecting a venue: had the venue checked its own lines?


def duty_failed(new: NewInspection) -> str:
    """The duty the inspection shows was not done ('' when none): Art 15¶1 for venues, ¶2 for operators."""
    devices = DEVICES & set(new.findings)
    if new.kind == "venue":
        if new.inspector == "police" and not new.venue_inspected:
            return "场所管理者未对通信设施开展安全管理和排查（第十五条第一款）"
        if devices and not new.reported_to_police:
            return "发现非法安装、使用外联设备可疑情形未立即向公安机关报告（第十五条第一款）"
    if new.kind == "facility" and devices and not new.measures.strip():
        return "对发现的外联设备未立即采取封堵、关停等处置措施（第十五条第二款）"
    if new.kind == "facility" and devices and not new.reported_to_police:
        return "发现外联设备未同步报告公安机关和电信主管部门（第十五条第二款）"
    return ""


class Records:
    """Inspections, controls, the roster and the licensed-institution registry."""

    def __init__(self, core: Core, cases: PenaltyCases) -> None:
        self.core = core
        self.cases = cases

    # Inspections ---------------------------------------------------------------------------

    def inspect(self, principal: Principal, new: NewInspection) -> Inspection:
        """Record an inspection: what was found, measures, report to police, and any duty failed."""
        unknown = set(new.findings) - FINDINGS
        if unknown:
            raise ValidationFailed(
                f"未知的发现类型：{'、'.join(sorted(unknown))}",
                f"Unknown findings {sorted(unknown)}",
                field="findings",
            )
        if new.kind in ("venue", "premises") and not new.venue_name.strip():
            raise ValidationFailed("请填写场所名称", "Name the venue", field="venue_name")
        with self.core.work(principal) as session:
            subject = new.subject_org_id
            if new.kind == "facility":
                if principal.org_kind.is_institution:
                    subject = principal.org_id  # an operator records its own facilities (Art 15¶2)
                org = self.core.org(session, subject or 0, "subject_org_id")
                if org.kind != OrgKind.TELECOM:
                    raise ValidationFailed(
                        "通信设施排查的对象须为电信业务经营者",
                        "A facility belongs to a telecom operator",
                        field="subject_org_id",
                    )
            elif principal.org_kind.is_institution:
                raise self.core.denied(
                    "机构只能登记本单位通信设施的排查",
                    "Institutions record their own facilities only",
                    "accountability.inspection.create",
                    INSPECTION,
                    "",
                )
            now = self.core.clock.now()
            row = Inspection(
                kind=new.kind,
                subject_org_id=subject if new.kind == "facility" else None,
                venue_name=new.venue_name.strip(),
                venue_type=new.venue_type,
                venue_address=new.venue_address.strip(),
                inspector="self" if principal.org_kind.is_institution else new.inspector,
                inspected_at=now,
                findings=json.dumps(sorted(set(new.findings))),
                measures=new.measures.strip(),
                reported_to_police=new.reported_to_police,
                reported_at=now if new.reported_to_police else None,
                duty_failed=duty_failed(new),
                org_id=principal.org_id,
                recorded_by=principal.username,
                created_at=now,
            )
            session.add(row)
            session.flush()
            self.core.record(session, principal, "accountability.inspection.create", INSPECTION, row.id)
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def inspections(self, principal: Principal) -> list[Inspection]:
        """Inspections the reader sees: police all; a regulator its sector's; an operator its own."""
        with self.core.work(principal) as session:
            query = select(Inspection).order_by(Inspection.id.desc()).limit(500)
            ids = (
                self.core.visible_org_ids(session, principal)
                if not principal.org_kind.is_institution
                else [principal.org_id]
            )
            if ids is not None:
                query = query.where(
                    or_(Inspection.subject_org_id.in_(ids), Inspection.org_id == principal.org_id)
                )
            rows = list(session.scalars(query))
            self.core.record(session, principal, "accountability.inspection.list", INSPECTION)
            session.commit()
            session.expunge_all()
        return rows

    def to_case(self, principal: Principal, inspection_id: int, facts: str) -> PenaltyCase:
        """A venue or operator that failed to inspect or report becomes a penalty case (Art 40)."""
        with self.core.work(principal) as session:
            row = session.get(Inspection, inspection_id)
            if row is None or not self.core.reaches(session, principal, row.subject_org_id, row.org_id):
                raise self.core.hidden(
                    "accountability.inspection.case", INSPECTION, inspection_id, "inspection_id"
                )
            if not row.duty_failed:
                raise ValidationFailed(
                    "该检查未显示场所或经营者未履行义务",
                    "This inspection shows no duty failed",
                    field="inspection_id",
                )
            if row.case_id is not None:
                raise Conflict(
                    "该检查已立案", "A case was already opened on this inspection", field="inspection_id"
                )
            venue = row.kind == "venue"
            opening = Opening(
                rule="hn40-1" if venue else "hn40-2",
                facts=(facts.strip() or row.duty_failed),
                respondent_org_id=None if venue else row.subject_org_id,
                venue_name=row.venue_name,
                venue_type=row.venue_type,
                venue_address=row.venue_address,
                evidence=[{"kind": "inspection", "id": row.id}],
            )
        case = self.cases.open(principal, opening)
        with self.core.work(principal) as session:
            found = session.get(Inspection, inspection_id)
            assert found is not None
            found.case_id = case.id
            session.commit()
        return case

    # Internal controls and risk assessments (Art 5¶4, 11¶2) ---------------------------------

    def control(
        self, principal: Principal, kind: str, business_line: str, summary: str, risk: str, conclusion: str
    ) -> ControlRecord:
        """An institution records an internal-control measure or a new business line's risk assessment."""
        if kind == "assessment" and (not business_line.strip() or not conclusion):
            raise ValidationFailed(
                "新业务风险评估须写明业务名称和评估结论",
                "An assessment names the business line and its conclusion",
                field="business_line",
            )
        if kind == "assessment" and risk == "high" and conclusion != "refuse":
            # Art 11¶2 禁止上线存在涉诈高风险的新业务 (operators); applied to every institution's assessment.
            raise ValidationFailed(
                "涉诈高风险的新业务不得上线（第十一条第二款）",
                "A high-risk new business may not launch (Art 11¶2)",
                field="conclusion",
            )
        with self.core.work(principal) as session:
            row = ControlRecord(
                org_id=principal.org_id,
                kind=kind,
                business_line=business_line.strip(),
                summary=summary.strip(),
                risk_level=risk,
                conclusion=conclusion,
                recorded_by=principal.username,
                at=self.core.clock.now(),
            )
            session.add(row)
            session.flush()
            self.core.record(
                session, principal, "accountability.control.create", "accountability_control", row.id
            )
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def controls(self, principal: Principal, org_id: int | None = None) -> list[ControlRecord]:
        """Controls and assessments: an institution its own, its regulator its sector's, police all."""
        with self.core.work(principal) as session:
            query = select(ControlRecord).order_by(ControlRecord.id.desc()).limit(500)
            ids = (
                [principal.org_id]
                if principal.org_kind.is_institution
                else self.core.visible_org_ids(session, principal)
            )
            if ids is not None:
                query = query.where(ControlRecord.org_id.in_(ids))
            if org_id is not None:
                query = query.where(ControlRecord.org_id == org_id)
            rows = list(session.scalars(query))
            self.core.record(
                session, principal, "accountability.control.list", "accountability_control", org_id or ""
            )
            session.commit()
            session.expunge_all()
        return rows

    # Roster (Art 6) ------------------------------------------------------------------------

    def enrol(self, principal: Principal, kind: str, name: str, speciality: str) -> RosterEntry:
        """Add a specialist or volunteer to the caller's organisation's roster."""
        with self.core.work(principal) as session:
            row = RosterEntry(
                org_id=principal.org_id,
                kind=kind,
                name=name.strip(),
                speciality=speciality.strip(),
                active=True,
                created_by=principal.username,
                created_at=self.core.clock.now(),
            )
            session.add(row)
            session.flush()
            self.core.record(
                session, principal, "accountability.roster.create", "accountability_roster", row.id
            )
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def roster(self, principal: Principal, org_id: int | None = None) -> list[RosterEntry]:
        """The roster: an organisation its own; police every one's (names are personal data: audited)."""
        with self.core.work(principal) as session:
            query = select(RosterEntry).where(RosterEntry.active).order_by(RosterEntry.org_id, RosterEntry.id)
            if not principal.org_kind.is_police:
                query = query.where(RosterEntry.org_id == principal.org_id)
            if org_id is not None:
                query = query.where(RosterEntry.org_id == org_id)
            rows = list(session.scalars(query.limit(1000)))
            self.core.record(
                session, principal, "accountability.roster.read", "accountability_roster", org_id or ""
            )
            session.commit()
            session.expunge_all()
        return rows

    # Licensed financial institutions (Art 22¶1) ---------------------------------------------

    def license(self, principal: Principal, fields: dict[str, Any]) -> LicensedInstitution:
        """The finance regulator (or the provincial centre) registers a licensed institution."""
        with self.core.work(principal) as session:
            if principal.org_kind not in (OrgKind.REGULATOR, OrgKind.POLICE_PROVINCE):
                raise self.core.denied(
                    "持牌金融机构名录由金融监管部门维护",
                    "The finance regulator keeps the registry",
                    "accountability.licensed.create",
                    "accountability_licensed",
                    "",
                )
            clash = session.scalar(
                select(LicensedInstitution).where(LicensedInstitution.licence_no == fields["licence_no"])
            )
            if clash is not None:
                raise Conflict("许可证号已登记", "That licence number is registered", field="licence_no")
            row = LicensedInstitution(
                **fields, active=True, created_by=principal.username, created_at=self.core.clock.now()
            )
            session.add(row)
            session.flush()
            self.core.record(
                session, principal, "accountability.licensed.create", "accountability_licensed", row.id
            )
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def check_licensed(
        self, principal: Principal, name: str | None, licence_no: str | None, credit_code: str | None
    ) -> list[LicensedInstitution]:
        """Licensed institutions matching a name, licence number or credit code, valid now (Art 22¶1)."""
        if not (name or licence_no or credit_code):
            raise ValidationFailed(
                "请提供名称、许可证号或统一社会信用代码",
                "Give a name, licence number or credit code",
                field="name",
            )
        now = self.core.clock.now()
        with self.core.work(principal) as session:
            query = select(LicensedInstitution).where(LicensedInstitution.active)
            if licence_no:
                query = query.where(LicensedInstitution.licence_no == licence_no.strip())
            if credit_code:
                query = query.where(LicensedInstitution.credit_code == credit_code.strip().upper())
            if name:
                query = query.where(LicensedInstitution.name == name.strip())
            rows = [r for r in session.scalars(query.limit(20)) if _valid(r.valid_until, now)]
            self.core.record(
                session,
                principal,
                "accountability.licensed.check",
                "accountability_licensed",
                licensed=bool(rows),
            )
            session.commit()
            session.expunge_all()
        return rows


def _valid(until: datetime | None, now: datetime) -> bool:
    return until is None or as_utc(until) > now
