"""Use cases of interviews (Art 24), rectification, supervision (Art 5), suggestions, transfers (Art 36)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.accountability.base import REGULATOR_KINDS, Core, flush_numbered, next_number
from fanzha.accountability.domain import (
    KINDS,
    REPORT_KINDS,
    ItemKind,
    ItemStatus,
    escalates,
    overdue,
)
from fanzha.accountability.tables import Interview, ItemReport, TrackedItem
from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, ValidationFailed
from fanzha.events import outbox
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.tables import Organisation
from fanzha.oversight.domain import Grain, Judged, Scope, Span, judge, parse_period

ITEM, INTERVIEW = "accountability_item", "accountability_interview"


@dataclass(frozen=True)
class ItemView:
    """An item with its reports and whether (and why) it is overdue now."""

    item: TrackedItem
    unit_name: str
    owner_name: str
    overdue: str
    reports: list[ItemReport]


@dataclass(frozen=True)
class NewItem:
    """What the owner states when it sets an item."""

    kind: ItemKind
    unit_org_id: int
    title: str
    target: str
    deadline_days: int
    report_every_days: int | None = None
    interview_id: int | None = None
    issuer_name: str = ""


class Tracking:
    """Interviews and the items units answer in writing; overdue items escalate."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # Interviews (Art 24) ----------------------------------------------------------------------

    def reasons(self, session: Session, org: Organisation, month: str) -> list[dict[str, Any]]:
        """Why a unit is interviewed, from its indicators judged against its sector (Art 24, 25)."""
        period = parse_period(Span.MONTH, month)
        rows = self.core.oversight.rows(
            session, Scope(kinds=frozenset({org.kind})), Grain.INSTITUTION, [period]
        )
        judged = judge(
            [Judged(int(r.key), r.name, r.kind, r.values) for r in rows], self.core.oversight.rules
        )
        mine = next((j for j in judged if j.org_id == org.id), None)
        if mine is None:
            return []
        values = {k: mine.values.get(k) for k in ("orders", "overdue_rate", "wrongful_rate", "refused")}
        return [{"text": text, "period": period.key, "values": values} for text in mine.criticism]

    def interview(
        self,
        principal: Principal,
        org_id: int,
        month: str,
        attendees: str,
        commitments: str,
        extra: list[str],
    ) -> Interview:
        """Record an interview of a unit, its reasons drawn from its indicators of `month`."""
        with self.core.work(principal) as session:
            org = self._reachable(session, principal, org_id, "accountability.interview.create")
            reasons = self.reasons(session, org, month)
            reasons += [{"text": t.strip(), "period": month} for t in extra if t.strip()]
            if not reasons:
                raise ValidationFailed(
                    f"「{org.name_zh}」{month} 的指标未显示履职不力，请写明约谈事由",
                    f"The unit's indicators for {month} show no failing: state the reason",
                    field="reasons",
                )
            now = self.core.clock.now()
            row = Interview(
                org_id=org.id,
                by_org_id=principal.org_id,
                month=month,
                reasons=json.dumps(reasons, ensure_ascii=False),
                attendees=attendees.strip(),
                commitments=commitments.strip(),
                held_at=now,
                recorded_by=principal.username,
                created_at=now,
            )
            session.add(row)
            session.flush()
            self.core.record(
                session, principal, "accountability.interview.create", INTERVIEW, row.id, org=org.id
            )
            outbox.record(
                session,
                self.core.clock,
                "accountability.interview.recorded",
                {"interview_id": row.id, "org_ids": [org.id, principal.org_id], "month": month},
            )
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def interviews(self, principal: Principal) -> list[Interview]:
        """Interviews the reader sees (a unit: its own), newest first."""
        with self.core.work(principal) as session:
            query = select(Interview).order_by(Interview.id.desc()).limit(200)
            ids = self._visible_ids(session, principal)
            if ids is not None:
                query = query.where(Interview.org_id.in_(ids) | (Interview.by_org_id == principal.org_id))
            rows = list(session.scalars(query))
            self.core.record(session, principal, "accountability.interview.list", INTERVIEW)
            session.commit()
            session.expunge_all()
        return rows

    # Items -----------------------------------------------------------------------------------

    def _reachable(self, session: Session, principal: Principal, org_id: int, action: str) -> Organisation:
        org = session.get(Organisation, org_id)
        if org is None or not self.core.reaches(session, principal, org_id):
            raise self.core.hidden(action, "organisation", org_id, "org_id")
        return org

    def _visible_ids(self, session: Session, principal: Principal) -> list[int] | None:
        if principal.org_kind.is_institution:
            return [principal.org_id]
        return self.core.visible_org_ids(session, principal)

    def open(self, principal: Principal, new: NewItem) -> TrackedItem:
        """Set an item for a unit with its target and deadline (rectification, supervision ...)."""
        rule = KINDS[new.kind]
        with self.core.work(principal) as session:
            unit = self._reachable(session, principal, new.unit_org_id, "accountability.item.create")
            if rule.issued_by_court and not new.issuer_name.strip():
                raise ValidationFailed(
                    "请填写提出建议或移送案件的法院、检察院",
                    "Name the court or procuratorate that issued it",
                    field="issuer_name",
                )
            if (
                new.kind is ItemKind.TRANSFER
                and OrgKind(unit.kind) not in REGULATOR_KINDS
                and not OrgKind(unit.kind).is_police
            ):
                raise ValidationFailed(
                    "案件移送的接收方须为行政机关（第三十六条第一款）",
                    "A case is transferred to an administrative organ (Art 36¶1)",
                    field="unit_org_id",
                )
            if new.interview_id is not None:
                interview = session.get(Interview, new.interview_id)
                if interview is None or interview.org_id != unit.id:
                    raise ValidationFailed(
                        "约谈记录与整治单位不符", "The interview is not of this unit", field="interview_id"
                    )
            now = self.core.clock.now()
            item = TrackedItem(
                number=next_number(session, TrackedItem.number, "DB", now.year),
                kind=str(new.kind),
                unit_org_id=unit.id,
                owner_org_id=principal.org_id,
                interview_id=new.interview_id,
                issuer_name=new.issuer_name.strip(),
                title=new.title.strip(),
                target=new.target.strip(),
                basis=rule.citation,
                deadline=now + timedelta(days=new.deadline_days),
                report_every_days=new.report_every_days,
                status=str(ItemStatus.OPEN),
                escalation=0,
                created_by=principal.username,
                created_at=now,
            )
            session.add(item)
            flush_numbered(session)
            self.core.record(session, principal, "accountability.item.create", ITEM, item.id, kind=item.kind)
            self._event(session, item, "created")
            session.commit()
            session.refresh(item)
            session.expunge(item)
        return item

    def _event(self, session: Session, item: TrackedItem, what: str) -> None:
        outbox.record(
            session,
            self.core.clock,
            f"accountability.item.{what}",
            {
                "item_id": item.id,
                "number": item.number,
                "kind": item.kind,
                "status": item.status,
                "escalation": item.escalation,
                "org_ids": [item.unit_org_id, item.owner_org_id],
            },
        )

    def _item(self, session: Session, principal: Principal, item_id: int, action: str) -> TrackedItem:
        item = session.get(TrackedItem, item_id)
        if item is None or not (
            principal.org_id in (item.unit_org_id, item.owner_org_id)
            or (
                not principal.org_kind.is_institution
                and self.core.reaches(session, principal, item.unit_org_id)
            )
        ):
            raise self.core.hidden(action, ITEM, item_id, "item_id")
        return item

    def report(
        self, principal: Principal, item_id: int, kind: str, text: str, percent: int | None
    ) -> ItemReport:
        """The unit's written report: progress, reply (Art 36¶2), feedback (Art 36¶1) or closing report."""
        if kind not in REPORT_KINDS:
            raise ValidationFailed("未知报告类型", f"Unknown report kind {kind!r}", field="kind")
        with self.core.work(principal) as session:
            item = self._item(session, principal, item_id, "accountability.item.report")
            if item.unit_org_id != principal.org_id:
                raise self.core.denied(
                    "只有承办单位可以报送",
                    "Only the unit concerned reports",
                    "accountability.item.report",
                    ITEM,
                    item_id,
                )
            if item.status == ItemStatus.CLOSED:
                raise Conflict("事项已办结", "The item is closed", field="status")
            now = self.core.clock.now()
            row = ItemReport(
                item_id=item.id,
                kind=kind,
                text=text.strip(),
                percent=percent,
                by=principal.username,
                by_org_id=principal.org_id,
                at=now,
            )
            session.add(row)
            item.last_report_at = now
            if (kind == KINDS[ItemKind(item.kind)].answer and kind != "progress") or kind == "closing":
                item.status = str(ItemStatus.ANSWERED)
            if kind == "progress" and (percent or 0) >= 100:
                item.status = str(ItemStatus.ANSWERED)
            session.flush()
            self.core.record(session, principal, "accountability.item.report", ITEM, item.id, kind=kind)
            self._event(session, item, "reported")
            session.commit()
            session.refresh(row)
            session.expunge(row)
        return row

    def close(self, principal: Principal, item_id: int, text: str) -> TrackedItem:
        """The owner accepts the answer and closes the item (办结)."""
        with self.core.work(principal) as session:
            item = self._item(session, principal, item_id, "accountability.item.close")
            if item.owner_org_id != principal.org_id:
                raise self.core.denied(
                    "只有交办单位可以办结",
                    "Only the owner closes the item",
                    "accountability.item.close",
                    ITEM,
                    item_id,
                )
            if item.status != ItemStatus.ANSWERED:
                raise Conflict(
                    "承办单位尚未书面答复或报送办结报告",
                    "The unit has not answered in writing yet",
                    field="status",
                )
            now = self.core.clock.now()
            item.status, item.closed_at = str(ItemStatus.CLOSED), now
            session.add(
                ItemReport(
                    item_id=item.id,
                    kind="accepted",
                    text=text.strip(),
                    by=principal.username,
                    by_org_id=principal.org_id,
                    at=now,
                )
            )
            self.core.record(session, principal, "accountability.item.close", ITEM, item.id)
            self._event(session, item, "closed")
            session.commit()
            session.refresh(item)
            session.expunge(item)
        return item

    def items(
        self, principal: Principal, kind: str | None = None, only_overdue: bool = False
    ) -> list[ItemView]:
        """Items the reader sees (a unit: its own and the ones it set), with reports and overdue reasons."""
        now = self.core.clock.now()
        with self.core.work(principal) as session:
            query = select(TrackedItem).order_by(TrackedItem.deadline).limit(500)
            if kind:
                query = query.where(TrackedItem.kind == kind)
            ids = self._visible_ids(session, principal)
            if ids is not None:
                query = query.where(
                    TrackedItem.unit_org_id.in_(ids) | (TrackedItem.owner_org_id == principal.org_id)
                )
            rows = list(session.scalars(query))
            views = self._views(session, rows, now)
            self.core.record(session, principal, "accountability.item.list", ITEM, kind=kind or "")
            session.commit()
            session.expunge_all()
        return [v for v in views if v.overdue or not only_overdue]

    def item(self, principal: Principal, item_id: int) -> ItemView:
        """One item with its reports (audited)."""
        with self.core.work(principal) as session:
            row = self._item(session, principal, item_id, "accountability.item.read")
            view = self._views(session, [row], self.core.clock.now())[0]
            self.core.record(session, principal, "accountability.item.read", ITEM, item_id)
            session.commit()
            session.expunge_all()
        return view

    def _views(self, session: Session, rows: list[TrackedItem], now: datetime) -> list[ItemView]:
        ids = {r.unit_org_id for r in rows} | {r.owner_org_id for r in rows}
        query = select(Organisation.id, Organisation.name_zh).where(Organisation.id.in_(ids))
        names: dict[int, str] = {i: n for i, n in session.execute(query)}
        reports: dict[int, list[ItemReport]] = {}
        if rows:
            for rep in session.scalars(
                select(ItemReport).where(ItemReport.item_id.in_([r.id for r in rows])).order_by(ItemReport.id)
            ):
                reports.setdefault(rep.item_id, []).append(rep)
        return [
            ItemView(
                r,
                names.get(r.unit_org_id, ""),
                names.get(r.owner_org_id, ""),
                _overdue(r, now),
                reports.get(r.id, []),
            )
            for r in rows
        ]

    def sweep(self, principal: Principal | None = None) -> list[int]:
        """Escalate every overdue item one level (a report and an event to the owner and the province)."""
        now = self.core.clock.now()
        escalated: list[int] = []
        with self.core.sessions() as session:
            query = select(TrackedItem).where(TrackedItem.status == str(ItemStatus.OPEN))
            open_rows = list(session.scalars(query))
            for item in open_rows:
                reason = _overdue(item, now)
                at = as_utc(item.escalated_at) if item.escalated_at else None
                if not escalates(reason, at, item.report_every_days, now):
                    continue
                item.escalation += 1
                item.escalated_at = now
                text = "逾期未办结" if reason == "deadline" else "逾期未报送整治进展"
                session.add(
                    ItemReport(
                        item_id=item.id,
                        kind="escalation",
                        text=f"{text}，升级督办（第 {item.escalation} 级）",
                        by="system",
                        by_org_id=item.owner_org_id,
                        at=now,
                    )
                )
                self._event(session, item, "escalated")
                escalated.append(item.id)
            if principal is not None:
                self.core.record(
                    session, principal, "accountability.item.sweep", ITEM, escalated=len(escalated)
                )
            session.commit()
        return escalated


def _overdue(item: TrackedItem, now: datetime) -> str:
    return overdue(
        item.status,
        as_utc(item.deadline),
        as_utc(item.last_report_at) if item.last_report_at else None,
        as_utc(item.created_at),
        item.report_every_days,
        now,
    )
