"""Use cases of penalty cases (Art 39-41): open, order to correct, propose, hear, decide, pay or appeal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.accountability import document
from fanzha.accountability.base import Core, flush_numbered, next_number
from fanzha.accountability.penalties import (
    Action,
    CaseState,
    Circumstance,
    RespondentKind,
    Rule,
    applied_rule,
    check_circumstance,
    check_decider,
    check_fine,
    step,
)
from fanzha.accountability.tables import Inspection, PenaltyCase, PenaltyEvent, TrackedItem
from fanzha.core.clock import as_utc
from fanzha.core.errors import Conflict, FanzhaError, ValidationFailed
from fanzha.core.sm import sm3_hex
from fanzha.disposal.tables import Order
from fanzha.events import outbox
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.tables import Organisation
from fanzha.oversight.domain import BY_KEY, Grain, Scope, Span, parse_period
from fanzha.web.pdf import render_pdf

KIND = "penalty_case"
# 行政处罚法第六十四条: a hearing is asked for within five days of the notice; 第六十七条: a fine is paid
# within fifteen days of the decision. (Not in regulation/: the national administrative penalty law.)
HEARING_DAYS = 5
PAYMENT_DAYS = 15


@dataclass(frozen=True)
class Opening:
    """What a department states when it opens a case."""

    rule: str
    facts: str
    respondent_org_id: int | None = None
    venue_name: str = ""
    venue_type: str = ""
    venue_address: str = ""
    higher_law: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)


class PenaltyCases:
    """Penalty cases decided by the competent department; the respondent sees its own."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # Reading ---------------------------------------------------------------------------------

    def _visible(self, session: Session, principal: Principal, case: PenaltyCase) -> bool:
        if principal.org_kind.is_institution:
            return case.respondent_org_id == principal.org_id
        return self.core.reaches(session, principal, case.respondent_org_id, case.deciding_org_id)

    def _get(self, session: Session, principal: Principal, case_id: int, action: str) -> PenaltyCase:
        case = session.get(PenaltyCase, case_id)
        if case is None or not self._visible(session, principal, case):
            raise self.core.hidden(action, KIND, case_id, "case_id")
        return case

    def _decider(self, principal: Principal, case: PenaltyCase, action: str) -> None:
        if case.deciding_org_id != principal.org_id:
            raise self.core.denied(
                "只有立案的主管部门可以办理本案",
                "Only the department that opened the case acts on it",
                action,
                KIND,
                case.id,
            )

    def listing(self, principal: Principal, state: str | None = None) -> list[PenaltyCase]:
        """Cases the reader sees, newest first (institutions: their own; regulators: their sector's)."""
        with self.core.work(principal) as session:
            query = select(PenaltyCase).order_by(PenaltyCase.id.desc()).limit(500)
            if state:
                query = query.where(PenaltyCase.state == state)
            if principal.org_kind.is_institution:
                query = query.where(PenaltyCase.respondent_org_id == principal.org_id)
            else:
                ids = self.core.visible_org_ids(session, principal)
                if ids is not None:
                    query = query.where(
                        PenaltyCase.respondent_org_id.in_(ids)
                        | (PenaltyCase.deciding_org_id == principal.org_id)
                    )
            rows = list(session.scalars(query))
            self.core.record(session, principal, "accountability.case.list", KIND, state=state or "")
            session.commit()
            session.expunge_all()
        return rows

    def read(
        self, principal: Principal, case_id: int
    ) -> tuple[PenaltyCase, list[PenaltyEvent], dict[str, str]]:
        """A case with its history and the names of the parties (audited)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.read")
            events = list(
                session.scalars(
                    select(PenaltyEvent).where(PenaltyEvent.case_id == case_id).order_by(PenaltyEvent.id)
                )
            )
            names = self._names(session, case)
            self.core.record(session, principal, "accountability.case.read", KIND, case_id)
            session.commit()
            session.expunge_all()
        return case, events, names

    def _names(self, session: Session, case: PenaltyCase) -> dict[str, str]:
        decider = session.get(Organisation, case.deciding_org_id)
        respondent = session.get(Organisation, case.respondent_org_id) if case.respondent_org_id else None
        return {
            "decider": decider.name_zh if decider else "",
            "respondent": respondent.name_zh if respondent else case.venue_name,
        }

    def decision(self, principal: Principal, case_id: int) -> tuple[PenaltyCase, bytes]:
        """The decision document (处罚决定书) as issued, PDF."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.decision")
            if case.decision_pdf is None:
                raise ValidationFailed(
                    "本案尚未作出处罚决定", "No decision yet in this case", field="case_id"
                )
            data = bytes(case.decision_pdf)
            self.core.record(session, principal, "accountability.case.decision", KIND, case_id)
            session.commit()
            session.expunge(case)
        return case, data

    def notice(self, principal: Principal, case_id: int) -> tuple[PenaltyCase, bytes]:
        """The notice of the proposed penalty with the hearing right, as PDF (from the case's record)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.notice")
            if case.proposed_fen is None:
                raise ValidationFailed(
                    "本案尚未告知拟处罚", "No penalty proposed in this case", field="case_id"
                )
            rule = applied_rule(case.rule, _higher(case))
            html = document.notice_html(case, rule, self._names(session, case))
            self.core.record(session, principal, "accountability.case.notice", KIND, case_id)
            session.commit()
            session.expunge(case)
        return case, render_pdf(html)

    # Opening ---------------------------------------------------------------------------------

    def open(self, principal: Principal, opening: Opening) -> PenaltyCase:
        """Open a case under Art 40 or 41, by the competent department, linked to what shows the failure."""
        rule = applied_rule(opening.rule, opening.higher_law)
        with self.core.work(principal) as session:
            try:
                check_decider(rule, principal.org_kind)
            except FanzhaError as error:
                raise self.core.denied(
                    error.message_zh, error.message_en, "accountability.case.open", KIND, opening.rule
                ) from None
            respondent = self._respondent(session, rule, opening)
            now = self.core.clock.now()
            evidence = [self._evidence(session, link, opening.respondent_org_id) for link in opening.evidence]
            case = PenaltyCase(
                number=next_number(session, PenaltyCase.number, "CF", now.year),
                rule=opening.rule,
                applied_rule=rule.id,
                respondent_kind=str(rule.respondent),
                respondent_org_id=respondent.id if respondent else None,
                venue_name=opening.venue_name.strip(),
                venue_type=opening.venue_type,
                venue_address=opening.venue_address.strip(),
                deciding_org_id=principal.org_id,
                opened_by=principal.username,
                facts=opening.facts.strip(),
                evidence=json.dumps(evidence, ensure_ascii=False),
                state=str(CaseState.OPENED),
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            flush_numbered(session)
            note = f"依{rule.cited}立案" + (
                f"（本规定第三十九条：法律已有规定的，从其规定，适用{rule.cited}）"
                if opening.higher_law
                else ""
            )
            self._event(session, principal, case, "open", note)
            session.commit()
            session.refresh(case)
            session.expunge(case)
        return case

    def _respondent(self, session: Session, rule: Rule, opening: Opening) -> Organisation | None:
        if rule.respondent is RespondentKind.VENUE:
            if not opening.venue_name.strip() or opening.respondent_org_id is not None:
                raise ValidationFailed(
                    f"{rule.cited}的当事人是场所管理者：填写场所名称",
                    f"Under {rule.citation} the respondent is a venue's manager: give the venue's name",
                    field="venue_name",
                )
            return None
        if opening.respondent_org_id is None:
            raise ValidationFailed("请指定被处罚单位", "Name the institution", field="respondent_org_id")
        org = self.core.org(session, opening.respondent_org_id, "respondent_org_id")
        if OrgKind(org.kind) not in rule.respondent_kinds:
            raise ValidationFailed(
                f"{rule.cited}不适用于「{org.name_zh}」这类单位",
                f"{rule.source} {rule.citation} does not apply to an organisation of kind {org.kind}",
                field="respondent_org_id",
            )
        return org

    def _evidence(self, session: Session, link: dict[str, Any], org_id: int | None) -> dict[str, Any]:
        """A link checked against the records: an indicator figure, an order, an inspection or an item."""
        kind = str(link.get("kind", ""))
        if kind == "indicator":
            return self.indicator(session, org_id, str(link.get("key", "")), str(link.get("period", "")))
        ref = link.get("id")
        if not isinstance(ref, int):
            raise ValidationFailed("证据须注明记录编号", "Evidence needs a record id", field="evidence")
        if kind == "order":
            order = session.get(Order, ref)
            if order is None or order.org_id != org_id:
                raise ValidationFailed(
                    f"指令 {ref} 不是当事人的指令", f"Order {ref} is not the respondent's", field="evidence"
                )
            return {
                "kind": "order",
                "id": ref,
                "measure": order.measure,
                "article": order.article,
                "status": order.status,
                "due_at": as_utc(order.due_at).isoformat(),
            }
        table: Any = {"inspection": Inspection, "item": TrackedItem}.get(kind)
        if table is None or session.get(table, ref) is None:
            raise ValidationFailed(
                f"无法核实证据「{kind} {ref}」", f"Evidence {kind} {ref} not found", field="evidence"
            )
        return {"kind": kind, "id": ref}

    def indicator(self, session: Session, org_id: int | None, key: str, period: str) -> dict[str, Any]:
        """The respondent's indicator figure for a month, as oversight computes it (Art 25)."""
        if key not in BY_KEY or org_id is None:
            raise ValidationFailed(
                f"未知指标「{key}」或未指定单位",
                f"Unknown indicator {key!r} or no institution",
                field="evidence",
            )
        month = parse_period(Span.MONTH, period)
        rows = self.core.oversight.rows(session, Scope(org_id=org_id), Grain.INSTITUTION, [month])
        value = rows[0].values.get(key) if rows else None
        return {"kind": "indicator", "key": key, "label": BY_KEY[key].zh, "period": month.key, "value": value}

    # Steps -----------------------------------------------------------------------------------

    def _event(
        self, session: Session, principal: Principal, case: PenaltyCase, action: str, note: str
    ) -> None:
        now = self.core.clock.now()
        session.add(
            PenaltyEvent(
                case_id=case.id, at=now, actor=principal.username, action=action, state=case.state, note=note
            )
        )
        case.updated_at = now
        self.core.record(session, principal, f"accountability.case.{action}", KIND, case.id, state=case.state)
        outbox.record(
            session,
            self.core.clock,
            f"accountability.case.{action}",
            {"case_id": case.id, "number": case.number, "state": case.state, "org_ids": _parties(case)},
        )

    def _move(self, case: PenaltyCase, action: Action) -> None:
        case.state = str(step(CaseState(case.state), action))

    def order(self, principal: Principal, case_id: int, days: int | None, note: str) -> PenaltyCase:
        """责令改正，给予警告 with a deadline to correct (Art 40¶2, 41); Art 40¶1: a warning alone."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.order")
            self._decider(principal, case, "accountability.case.order")
            rule = applied_rule(case.rule, _higher(case))
            self._move(case, Action.ORDER)
            if days is not None and not 1 <= days <= 365:
                raise ValidationFailed("改正期限须为 1-365 天", "Days to correct: 1 to 365", field="days")
            if rule.order_to_correct:
                if days is None:
                    raise ValidationFailed(
                        f"{rule.cited}须责令改正：请给出改正期限（天）",
                        f"{rule.citation} orders a correction: give the days to correct",
                        field="days",
                    )
                case.correct_by = self.core.clock.now() + timedelta(days=days)
            self._event(
                session,
                principal,
                case,
                "order",
                note or ("责令改正，给予警告" if rule.order_to_correct else "给予警告"),
            )
            return self._done(session, case)

    def correct(self, principal: Principal, case_id: int, note: str) -> PenaltyCase:
        """The department records that the respondent corrected (the warning stands, no fine for delay)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.correct")
            self._decider(principal, case, "accountability.case.correct")
            self._move(case, Action.CORRECT)
            case.corrected_at = self.core.clock.now()
            self._event(session, principal, case, "correct", note)
            return self._done(session, case)

    def propose(
        self, principal: Principal, case_id: int, circumstance: Circumstance, amount_fen: int, note: str
    ) -> PenaltyCase:
        """Notify the proposed fine (行政处罚告知), within the article's range; the hearing right opens."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.propose")
            self._decider(principal, case, "accountability.case.propose")
            rule = applied_rule(case.rule, _higher(case))
            check_fine(rule, circumstance, amount_fen)
            now = self.core.clock.now()
            overdue = (
                case.correct_by is not None and case.corrected_at is None and as_utc(case.correct_by) <= now
            )
            check_circumstance(rule, circumstance, CaseState(case.state), overdue)
            self._move(case, Action.PROPOSE)
            case.circumstance = str(circumstance)
            case.proposed_fen = amount_fen
            case.hearing_until = now + timedelta(days=HEARING_DAYS)
            self._event(session, principal, case, "propose", note)
            return self._done(session, case)

    def request_hearing(self, principal: Principal, case_id: int, note: str) -> PenaltyCase:
        """The respondent asks for a hearing within the window (听证权)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.request_hearing")
            if case.respondent_org_id != principal.org_id:
                raise self.core.denied(
                    "只有当事人可以申请听证",
                    "Only the respondent asks for a hearing",
                    "accountability.case.request_hearing",
                    KIND,
                    case_id,
                )
            if case.hearing_until is not None and as_utc(case.hearing_until) < self.core.clock.now():
                raise Conflict(
                    "听证申请期限已过", "The time to ask for a hearing has passed", field="hearing_until"
                )
            self._move(case, Action.REQUEST_HEARING)
            self._event(session, principal, case, "request_hearing", note)
            return self._done(session, case)

    def hold_hearing(self, principal: Principal, case_id: int, record: str) -> PenaltyCase:
        """The department records the hearing held (听证笔录)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.hold_hearing")
            self._decider(principal, case, "accountability.case.hold_hearing")
            self._move(case, Action.HOLD_HEARING)
            case.hearing_record = record
            self._event(session, principal, case, "hold_hearing", record[:1000])
            return self._done(session, case)

    def decide(self, principal: Principal, case_id: int, amount_fen: int, note: str) -> PenaltyCase:
        """Issue the decision (处罚决定书, PDF): the fine within range and not above the proposal."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.decide")
            self._decider(principal, case, "accountability.case.decide")
            rule = applied_rule(case.rule, _higher(case))
            check_fine(rule, Circumstance(case.circumstance or "serious"), amount_fen)
            now = self.core.clock.now()
            if case.proposed_fen is not None and amount_fen > case.proposed_fen:
                # 行政处罚法第四十五条: no heavier penalty for having stated one's case.
                raise ValidationFailed(
                    "决定罚款不得高于告知的拟罚款数额",
                    "The fine decided may not exceed the fine proposed",
                    field="amount_fen",
                    code="above_proposal",
                )
            state = CaseState(case.state)
            if state is CaseState.PROPOSED and case.hearing_until and as_utc(case.hearing_until) > now:
                raise Conflict(
                    "听证申请期限未满，暂不能作出决定",
                    "The respondent may still ask for a hearing: decide after the window",
                    field="hearing_until",
                )
            self._move(case, Action.DECIDE)
            case.decided_fen = amount_fen
            case.decided_at = now
            case.pay_by = now + timedelta(days=PAYMENT_DAYS)
            case.decision_no = case.number.replace("CF", "JD")
            names = self._names(session, case)
            data = render_pdf(document.decision_html(case, rule, names, note))
            case.decision_pdf = data
            case.decision_sm3 = sm3_hex(data)
            self._event(session, principal, case, "decide", note)
            return self._done(session, case)

    def pay(self, principal: Principal, case_id: int, amount_fen: int, reference: str) -> PenaltyCase:
        """Record the fine paid in full (its receipt reference)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.pay")
            self._decider(principal, case, "accountability.case.pay")
            if amount_fen != case.decided_fen:
                raise ValidationFailed(
                    "缴纳金额须与决定书一致",
                    "The amount paid must equal the fine decided",
                    field="amount_fen",
                )
            self._move(case, Action.PAY)
            case.paid_fen, case.paid_at, case.payment_ref = amount_fen, self.core.clock.now(), reference
            self._event(session, principal, case, "pay", reference)
            return self._done(session, case)

    def appeal(self, principal: Principal, case_id: int, kind: str, note: str) -> PenaltyCase:
        """Record a reconsideration or a lawsuit against the decision (行政复议、行政诉讼)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.appeal")
            if principal.org_id not in (case.deciding_org_id, case.respondent_org_id):
                raise self.core.denied(
                    "只有当事人或决定机关可以登记复议或诉讼",
                    "Only the parties record an appeal",
                    "accountability.case.appeal",
                    KIND,
                    case_id,
                )
            self._move(case, Action.APPEAL)
            case.appeal_kind, case.appeal_note = kind, note
            self._event(session, principal, case, "appeal", f"{kind}: {note}")
            return self._done(session, case)

    def close(self, principal: Principal, case_id: int, note: str) -> PenaltyCase:
        """Close the case (after correction, payment, or the appeal's outcome)."""
        with self.core.work(principal) as session:
            case = self._get(session, principal, case_id, "accountability.case.close")
            self._decider(principal, case, "accountability.case.close")
            self._move(case, Action.CLOSE)
            self._event(session, principal, case, "close", note)
            return self._done(session, case)

    def _done(self, session: Session, case: PenaltyCase) -> PenaltyCase:
        session.commit()
        session.refresh(case)
        session.expunge(case)
        return case


def _higher(case: PenaltyCase) -> str | None:
    return case.applied_rule if case.applied_rule != case.rule else None


def _parties(case: PenaltyCase) -> list[int]:
    return [i for i in (case.deciding_org_id, case.respondent_org_id) if i is not None]


def deadline_passed(moment: datetime | None, now: datetime) -> bool:
    """Whether a stored deadline is past."""
    return moment is not None and as_utc(moment) <= now
