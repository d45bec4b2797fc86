"""Signals in (Art 28¶2): each joins its person's episode, raises its level, and gets the contact it needs."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Actor, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.orders import OrderCore
from fanzha.events import outbox
from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault, normalise
from fanzha.identity.domain import Principal
from fanzha.identity.service import IdentityService, actor_of
from fanzha.identity.tables import Organisation
from fanzha.samples.domain import FraudType
from fanzha.warnings import domain, texts
from fanzha.warnings.delays import delay_accounts, delay_payer
from fanzha.warnings.domain import (
    RANK,
    Channel,
    Contacted,
    Deadlines,
    Level,
    Signal,
    SignalKind,
    Span,
    TaskStatus,
)
from fanzha.warnings.people import check_person_token, person_row, sender_county
from fanzha.warnings.sms import LoggingSender, WarningSender
from fanzha.warnings.tables import (
    WarnDelay,
    Warning_,
    WarnPerson,
    WarnSignal,
    WarnSms,
    WarnTask,
    WarnTemplate,
)

OPEN, CLOSED, MERGED = "open", "closed", "merged"


@dataclass(frozen=True)
class SignalInput:
    """One signal as received (already shape-checked by the schema)."""

    kind: SignalKind
    ref: str
    person_token: str | None = None
    id_number: str | None = None  # tokenised at once, never kept (Art 9)
    phone: str | None = None  # where the person can be reached (12381 lists carry it)
    at: datetime | None = None
    level: Level | None = None
    scam_type: FraudType = FraudType.OTHER
    fraud_number: str = ""  # only its last 4 digits are kept, for the SMS
    still_paying: bool = False
    contacts: int = 1
    longest_call_s: int = 0
    region_code: str | None = None
    payer_kind: str | None = None  # payee check: the payer's account, delayed by its bank (Art 18¶4)
    payer_value: str | None = None
    engine: str = ""
    engine_version: int | None = None
    run_id: int | None = None
    alert_id: int | None = None
    sample_id: int | None = None


Prepared = tuple[int, SignalInput, str, domain.Grade, Identifier | None]  # index, item, token, grade, payer


@dataclass
class Ingested:
    """What one signal did: its warning, the level now, and the contact made (sms, call, none, duplicate)."""

    warning_id: int
    level: str
    action: str
    task_id: int | None = None
    merged: list[int] = field(default_factory=list)
    visit_task_id: int | None = None  # extra-high: the visit made at once with the call


class WarningCore:
    """Sessions, clock, audit, vault, the disposal core (bank delays) and the SMS port."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
        disposal: OrderCore,
        deadlines: Deadlines | None = None,
        sender: WarningSender | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.identity = identity
        self.vault = vault
        self.disposal = disposal
        self.deadlines = deadlines or Deadlines()
        self.sender: WarningSender = sender or LoggingSender()

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self._sessions, self.clock, read_only=read_only)

    def templates(self, session: Session) -> dict[str, str]:
        """The texts in force: stored ones over the defaults."""
        stored = {t.scam_type: t.text for t in session.scalars(select(WarnTemplate))}
        return texts.DEFAULT_TEMPLATES | stored


class WarningService(WarningCore):
    """Signals → warnings → contacts (SMS queued, call tasks), in one transaction per batch."""

    def _token(self, item: SignalInput, i: int) -> str:
        if item.id_number:
            _, token = self.vault.token_of(
                IdentifierKind.RESIDENT_ID, item.id_number, field=f"items.{i}.id_number"
            )
            return token
        if not item.person_token:
            raise ValidationFailed(
                "须提供人员令牌或身份证号", "Give person_token or id_number", field=f"items.{i}.person_token"
            )
        return check_person_token(item.person_token, f"items.{i}.person_token")

    def prepare(self, principal: Principal, items: list[SignalInput], now: datetime) -> list[Prepared]:
        """Tokens, grades and payers of a batch, checked before anything is written (the field names it)."""
        prepared: list[Prepared] = []
        tails: dict[str, str] = {}  # a 12381 list names one fraud number 50,000 times
        for i, item in enumerate(items):
            token = self._token(item, i)
            at = min(item.at or now, now)
            tail = tails.get(item.fraud_number)
            if tail is None:
                tail = tails[item.fraud_number] = texts.tail_of(item.fraud_number)
            sig = Signal(
                item.kind, token, at, item.level, item.still_paying, item.contacts, item.longest_call_s, tail,
            )  # fmt: skip
            grade = domain.grade(sig, self.deadlines.extra_high)
            payer = None
            if item.kind is SignalKind.PAYEE_CHECK and item.payer_kind and item.payer_value:
                if not principal.org_kind.is_institution:
                    raise ValidationFailed(
                        "付款账户只能由其开户机构报告", "Only the payer's institution reports its account",
                        field=f"items.{i}.payer_kind",
                    )  # fmt: skip
                payer = normalise(item.payer_kind, item.payer_value, field=f"items.{i}.payer_value")
                if payer.kind not in (IdentifierKind.BANK_CARD, IdentifierKind.PAYMENT_ACCOUNT):
                    raise ValidationFailed(
                        "付款账户须为银行卡或支付账户", "The payer is a bank card or payment account",
                        field=f"items.{i}.payer_kind",
                    )  # fmt: skip
            prepared.append((i, item, token, grade, payer))
        return prepared

    def ingest(
        self, principal: Principal, items: list[SignalInput], *, actor: Actor | None = None
    ) -> list[Ingested]:
        """Take signals one by one; a bad one refuses the batch, nothing is written (the field names it)."""
        now = self.clock.now()
        prepared = self.prepare(principal, items, now)
        out: list[Ingested | None] = [None] * len(items)
        who = actor or actor_of(principal)
        with self.identity.guarded(principal), self.uow() as uow:
            session = uow.session
            org = session.get(Organisation, principal.org_id)
            known = self.templates(session)  # once per batch, not per text
            # One person at a time, in token order: two batches naming the same people cannot deadlock.
            for i, item, token, grade, payer in sorted(prepared, key=lambda p: (p[2], p[0])):
                out[i] = self._one(session, principal, org, who, i, item, token, grade, payer, now, known)
            counts: dict[str, int] = {}
            for r in out:
                assert r is not None
                counts[r.action] = counts.get(r.action, 0) + 1
            self.audit.record(
                session,
                who,
                "warnings.signals",
                object_type="warning",
                source_ip=principal.source_ip,
                detail={"signals": len(items), **counts},
            )
            uow.commit()
        return [r for r in out if r is not None]

    def _one(
        self,
        session: Session,
        principal: Principal,
        org: Organisation | None,
        actor: Actor,
        i: int,
        item: SignalInput,
        token: str,
        grade: domain.Grade,
        payer: Identifier | None,
        now: datetime,
        known: dict[str, str],
    ) -> Ingested:
        ref = f"{principal.org_id}:{item.ref}"
        seen = session.scalars(select(WarnSignal).where(WarnSignal.source_ref == ref)).first()
        if seen is not None:
            warning = session.get(Warning_, seen.warning_id)
            assert warning is not None
            return Ingested(warning.merged_into_id or warning.id, warning.level, "duplicate")
        person = person_row(
            session,
            self.vault,
            token,
            now,
            phone=item.phone,
            region=item.region_code,
            field=f"items.{i}.person_token",
        )
        at = min(item.at or now, now)
        warning, merged, raised = self._episode(session, person, at, grade, item, now, sender_county(org))
        session.add(
            WarnSignal(
                warning_id=warning.id, kind=str(item.kind), person_token=token, at=at, level=str(grade.level),
                reasons=json.dumps(list(grade.reasons_zh), ensure_ascii=False),
                source_org_id=principal.org_id,
                source_ref=ref[:100], engine=item.engine[:64], engine_version=item.engine_version,
                run_id=item.run_id, alert_id=item.alert_id, sample_id=item.sample_id, received_at=now,
            )
        )  # fmt: skip
        if payer is not None and org is not None:
            delay_payer(self.disposal, session, warning, org, payer, actor.name)
        result = Ingested(warning.id, warning.level, "none", merged=merged)
        # Paying a fraud account again (a payee-check hit, a teller seeing it) means the last contact did
        # not hold: a call now, whatever the quiet period says (it spares texts, not people mid-payment).
        urgent = item.kind is SignalKind.PAYEE_CHECK or item.still_paying
        if urgent and not raised and not self._open_call(session, warning):
            warning.status, warning.outcome, warning.outcome_at = OPEN, None, None
            task = self.new_task(session, warning, Channel.CALL, now)
            result.action, result.task_id = "call", task.id
            person.warned_level, person.warned_at, person.updated_at = warning.level, now, now
        elif raised:
            self._contact(session, person, warning, now, result, known)
        if result.action == "call":
            self._at_once(session, warning, result, now, actor)
        outbox.record(
            session,
            self.clock,
            "warnings.signal",
            {
                "warning_id": warning.id,
                "level": warning.level,
                "kind": str(item.kind),
                "action": result.action,
            },
        )
        return result

    def _episode(
        self,
        session: Session,
        person: WarnPerson,
        at: datetime,
        grade: domain.Grade,
        item: SignalInput,
        now: datetime,
        county: str | None = None,
    ) -> tuple[Warning_, list[int], bool]:
        """The warning this signal joins (new, joined, or merged from several), and whether its level rose."""
        window = self.deadlines.window
        rows = session.scalars(
            select(Warning_)
            .where(
                Warning_.person_token == person.person_token,
                Warning_.status != MERGED,
                Warning_.first_at < at + window,
                Warning_.last_at > at - window,
            )
            .with_for_update()
        ).all()
        by_id = {w.id: w for w in rows}
        hit = domain.place([Span(w.id, w.first_at, w.last_at) for w in rows], at, window)
        merged: list[int] = []
        if not hit:
            warning = Warning_(
                person_token=person.person_token, level=str(grade.level), status=OPEN,
                scam_type=str(item.scam_type), contact_tail=texts.tail_of(item.fraud_number),
                county_code=person.county_code or county, grid_code=person.grid_code,
                reasons=json.dumps(list(grade.reasons_zh), ensure_ascii=False),
                first_at=at, last_at=at, created_at=now, updated_at=now,
            )  # fmt: skip
            session.add(warning)
            session.flush()
            return warning, merged, True
        warning = by_id[hit[0]]
        before = Level(warning.level)
        for other_id in hit[1:]:
            other = by_id[other_id]
            self._merge(session, warning, other, now)
            before = domain.higher(before, Level(other.level))
            merged.append(other_id)
        level = domain.higher(grade.level, before)
        raised = RANK[level] > RANK[before]
        warning.level = str(level)
        warning.first_at, warning.last_at = min(warning.first_at, at), max(warning.last_at, at)
        reasons = json.loads(warning.reasons)
        warning.reasons = json.dumps(
            reasons + [r for r in grade.reasons_zh if r not in reasons], ensure_ascii=False
        )
        if warning.scam_type == FraudType.OTHER:
            warning.scam_type = str(item.scam_type)
        warning.contact_tail = warning.contact_tail or texts.tail_of(item.fraud_number)
        if raised and warning.status == CLOSED:
            warning.status, warning.outcome, warning.outcome_at = OPEN, None, None  # it started again
        warning.updated_at = now
        return warning, merged, raised

    def _at_once(
        self, session: Session, warning: Warning_, result: Ingested, now: datetime, actor: Actor
    ) -> None:
        """Extra-high (domain.BASIS_EXTRA_HIGH): the visit and the bank delay go with the call, not after."""
        nxt = domain.at_once(Level(warning.level))
        if nxt.visit:
            task = self.new_task(session, warning, Channel.VISIT, now, escalated_from=result.task_id)
            result.action = "call_visit"
            result.visit_task_id = task.id
        if nxt.bank_delay:
            delay_accounts(self.disposal, session, warning, actor.name)

    @staticmethod
    def _open_call(session: Session, warning: Warning_) -> bool:
        """Whether the warning has a call or visit still to be made."""
        return (
            session.scalars(
                select(WarnTask.id).where(
                    WarnTask.warning_id == warning.id,
                    WarnTask.status.in_([str(s) for s in domain.OPEN_TASKS]),
                )
            ).first()
            is not None
        )

    def _merge(self, session: Session, into: Warning_, other: Warning_, now: datetime) -> None:
        """A signal bridged two episodes: the later warning's signals and tasks move to the earlier one."""
        for model in (WarnSignal, WarnTask, WarnSms, WarnDelay):
            session.execute(update(model).where(model.warning_id == other.id).values(warning_id=into.id))
        into.first_at, into.last_at = min(into.first_at, other.first_at), max(into.last_at, other.last_at)
        other.status, other.merged_into_id, other.updated_at = MERGED, into.id, now
        if into.first_contact_at is None or (
            other.first_contact_at and other.first_contact_at < into.first_contact_at
        ):
            into.first_contact_at = other.first_contact_at or into.first_contact_at

    def _contact(
        self,
        session: Session,
        person: WarnPerson,
        warning: Warning_,
        now: datetime,
        result: Ingested,
        known: dict[str, str],
    ) -> None:
        """Art 28¶2 根据风险高低: the contact the new level needs, unless the person was warned lately."""
        state = Contacted(
            Level(person.warned_level) if person.warned_level else None, person.warned_at, person.last_sms_at
        )
        channel, after = domain.decide(state, Level(warning.level), now, self.deadlines)
        if channel is None:
            result.action = "quiet"
            return
        if channel is Channel.SMS:
            if not person.phone_ciphertext:
                result.action = "no_phone"
                return
            template = known.get(warning.scam_type, texts.DEFAULT_TEMPLATES["other"])
            session.add(
                WarnSms(
                    warning_id=warning.id, person_token=person.person_token, phone_token=person.phone_token,
                    phone_ciphertext=person.phone_ciphertext,
                    text=texts.render(template, warning.contact_tail),
                    queued_at=now, attempts=0,
                )
            )  # fmt: skip
            result.action = "sms"
        else:
            task = self.new_task(session, warning, Channel.CALL, now)
            result.action, result.task_id = "call", task.id
        person.warned_level, person.warned_at, person.last_sms_at = (
            str(after.level) if after.level else None,
            after.at,
            after.last_sms,
        )
        person.updated_at = now

    def new_task(
        self,
        session: Session,
        warning: Warning_,
        channel: Channel,
        now: datetime,
        escalated_from: int | None = None,
    ) -> WarnTask:
        """A call for the county desk or a visit for the person's grid worker, due by the level's deadline."""
        for old in session.scalars(
            select(WarnTask).where(
                WarnTask.warning_id == warning.id,
                WarnTask.channel == str(channel),
                WarnTask.status.in_([str(TaskStatus.NEW), str(TaskStatus.MISSED)]),
            )
        ):
            old.status, old.updated_at = str(TaskStatus.CANCELLED), now  # superseded by the higher level's
        level = Level(warning.level)
        grid = warning.grid_code if channel is Channel.VISIT else None
        task = WarnTask(
            warning_id=warning.id, channel=str(channel), level=str(level), status=str(TaskStatus.NEW),
            county_code=warning.county_code, township_code=grid[:9] if grid else None, grid_code=grid,
            widened=False, due_at=now + self.deadlines.due(channel, level), escalated_from_id=escalated_from,
            note="", created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(task)
        session.flush()
        return task

    def detail_json(self, warning: Warning_) -> dict[str, Any]:
        """The warning's own fields for the API (no identifier)."""
        return {
            "id": warning.id,
            "level": warning.level,
            "status": warning.status,
            "outcome": warning.outcome,
            "scam_type": warning.scam_type,
            "contact_tail": warning.contact_tail,
            "county_code": warning.county_code,
            "grid_code": warning.grid_code,
            "reasons": json.loads(warning.reasons),
            "first_at": warning.first_at,
            "last_at": warning.last_at,
            "created_at": warning.created_at,
            "first_contact_at": warning.first_contact_at,
            "outcome_at": warning.outcome_at,
            "merged_into_id": warning.merged_into_id,
            "funds_case_id": warning.funds_case_id,
        }
