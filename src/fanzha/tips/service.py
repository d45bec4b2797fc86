"""Use cases of tips (Art 30-32, 38): intake, follow-up by receipt code, triage, the sealed reporter."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.domain import Outcome as AuditOutcome
from fanzha.audit.service import ANONYMOUS, Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.db.uow import UnitOfWork
from fanzha.identifiers import IdentifierKind, IdentifierVault
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import IdentityService, refused
from fanzha.identity.tables import Organisation
from fanzha.samples.service import SampleService
from fanzha.samples.tables import Sample
from fanzha.tips import sealing
from fanzha.tips.domain import (
    IDENTIFIER_OF,
    IDENTIFIER_OPTIONAL,
    OPEN,
    PLACE_KINDS,
    RewardStandard,
    TipForm,
    TipKind,
    TipStatus,
    check_details,
    clean_receipt,
    new_receipt_code,
)
from fanzha.tips.files import TipFile, check_count
from fanzha.tips.home_region import home_city, plan
from fanzha.tips.tables import Tip, TipEvent, TipFileRow, TipMessage, TipReward


@dataclass(frozen=True)
class Reporter:
    """Who reports, when they give it: name, phone and another contact (sealed, Art 38¶1)."""

    name: str = ""
    phone: str = ""
    contact: str = ""


@dataclass(frozen=True)
class TipInput:
    """What a reporter sends: the kind, what and where and when, the form's answers and who (or nobody)."""

    kind: TipKind
    text: str
    form: TipForm = TipForm.PUBLIC
    value: str = ""
    place: str = ""
    region_code: str = ""
    occurred_at: datetime | None = None
    details: dict[str, str] = field(default_factory=dict)
    reporter: Reporter | None = None


@dataclass(frozen=True)
class Followed:
    """What the reporter sees with the receipt code: state, questions and answers, reward."""

    tip: Tip
    messages: list[TipMessage]
    reward: TipReward | None


def _place_key(place: str) -> str:
    """An address folded for matching: NFKC, no spaces or punctuation, lower case."""
    text = unicodedata.normalize("NFKC", place).lower()
    return "".join(ch for ch in text if ch.isalnum())


# The units a tip may go to, most local first (GB/T 2260: 2+2+2 digits).
_LEVELS = (OrgKind.POLICE_COUNTY, OrgKind.POLICE_CITY, OrgKind.POLICE_PROVINCE)


class TipCore:
    """What every tip use case shares: sessions, clock, audit, vault, the master key and the standard."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        vault: IdentifierVault,
        samples: SampleService,
        master_key: bytes,
        standard: RewardStandard | None = None,
    ) -> None:
        self._sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.identity = identity
        self.vault = vault
        self.samples = samples
        self._master = master_key
        self.standard = standard or RewardStandard()

    def uow(self) -> UnitOfWork:
        """A unit of work on the platform's database."""
        return UnitOfWork(self._sessions, self.clock)

    def receipt_hash(self, code: str) -> str:
        """The keyed hash kept of a receipt code (HMAC-SM3 under the vault's key, never the code)."""
        return self.vault.derive("tip-receipt", clean_receipt(code)).hex()

    def history(self, session: Session, tip: Tip, actor: str, action: str, detail: str = "") -> None:
        """Append one step of a tip's history."""
        session.add(TipEvent(tip_id=tip.id, at=self.clock.now(), actor=actor, action=action, detail=detail))

    def data_key(self, tip: Tip) -> bytes:
        """The tip's data key, unwrapped with its handling unit's key."""
        return sealing.unwrap(self._master, tip.unit_org_id, tip.seal_id, tip.wrapped_key)

    def rewrap(self, tip: Tip, new_org_id: int) -> None:
        """Hand the tip's key to another unit (a re-routed tip): the old unit's wrapping is replaced."""
        key = self.data_key(tip)
        tip.wrapped_key = sealing.wrap(self._master, new_org_id, tip.seal_id, key)
        tip.unit_org_id = new_org_id

    def by_receipt(self, session: Session, code: str, action: str, source_ip: str) -> Tip:
        """The tip behind a receipt code, locked; an unknown code is audited apart and refused alike."""
        digest = self.receipt_hash(code)
        tip = session.scalars(select(Tip).where(Tip.receipt_hash == digest).with_for_update()).first()
        if tip is None:
            session.rollback()  # release the write lock first: the failure is recorded in its own transaction
            self.audit.record_apart(
                ANONYMOUS,
                action,
                object_type="tip",
                result=AuditOutcome.FAILED,
                source_ip=source_ip,
                detail={"reason": "unknown_code"},
            )
            raise NotFound(
                "回执码不存在", "Unknown receipt code", field="receipt_code", code="unknown_receipt"
            )
        return tip

    def covers(self, session: Session, principal: Principal, unit_org_id: int) -> bool:
        """The handling unit itself, or a police unit above it (city over county, province over all)."""
        if not principal.org_kind.is_police:
            return False
        if principal.org_id == unit_org_id:
            return True
        mine = session.get(Organisation, principal.org_id)
        unit = session.get(Organisation, unit_org_id)
        if mine is None or unit is None or not mine.region_code or not unit.region_code:
            return False
        digits = {OrgKind.POLICE_PROVINCE: 2, OrgKind.POLICE_CITY: 4}.get(principal.org_kind)
        return digits is not None and unit.region_code[:digits] == mine.region_code[:digits]

    def visible(self, session: Session, principal: Principal, tip_id: int, action: str) -> Tip:
        """A tip, locked, for its unit or a unit above; else an audited 404 (peers never learn it exists)."""
        tip = session.get(Tip, tip_id, with_for_update=True)
        if tip is None or not self.covers(session, principal, tip.unit_org_id):
            raise refused(NotFound("举报不存在", "No such tip", field="tip_id"), action, "tip", tip_id)
        return tip

    @staticmethod
    def officer(principal: Principal, tip: Tip, action: str) -> None:
        """Only the tip's handling officer, a person of the handling unit (no API key), acts on it."""
        if (
            principal.user_id is None
            or principal.api_key_id is not None
            or principal.user_id != tip.officer_user_id
            or principal.org_id != tip.unit_org_id
        ):
            raise refused(
                PermissionDenied(
                    "只有该举报的承办民警可以办理（第三十八条第一款：对举报人信息予以保密）",
                    "Only the tip's handling officer may do this (Art 38¶1: the reporter is kept secret)",
                    field="officer",
                ),
                action,
                "tip",
                tip.id,
            )


class TipService(TipCore):
    """Intake, follow-up by receipt code, and the handling unit's work on a tip."""

    # Intake ----------------------------------------------------------------------------------------

    def _identifier(self, data: TipInput) -> tuple[str, str, bytes | None, str, str]:
        """Kind, token, ciphertext, mask and home city (a phone's 号码归属地) of the identifier named."""
        kind = IDENTIFIER_OF.get(data.kind)
        value = data.value.strip()
        if kind is None or not value:
            if kind is not None and data.kind not in IDENTIFIER_OPTIONAL:
                raise ValidationFailed(
                    "请填写举报的号码、链接或账号", "Give the number, link or account", field="value"
                )
            return "", "", None, "", ""
        identifier, token = self.vault.token_of(kind, value, field="value")
        home = (home_city(identifier.value) or "") if kind is IdentifierKind.PHONE else ""
        return str(kind), token, self.vault.encrypt(identifier, token), self.vault.mask(identifier), home

    def _route(
        self, session: Session, region: str, sample: Sample | None, home: str = ""
    ) -> tuple[Organisation, str]:
        """A phone's home city unit, else the place's unit, else the sample's region's, else the centre.

        One query fetches every candidate unit (the accept path's budget, issue 25 item 6); the order
        below decides: the home city's centre (号码归属地), then the place's county, city or province,
        then the sample's, then the first provincial centre.
        """
        steps: list[tuple[tuple[tuple[OrgKind, str], ...], str]] = []
        if home:
            steps.append((((OrgKind.POLICE_CITY, home),), f"号码归属地（{plan().names.get(home, home)}）"))
        for code, why in (
            (region, "举报地点所属辖区"),
            ((sample.region_code or "") if sample else "", "样本所属辖区"),
        ):
            if code and len(code) >= 6:
                code = code[:6]
                levels = (code, code[:4] + "00", code[:2] + "0000")
                steps.append((tuple(zip(_LEVELS, levels, strict=True)), why))
        codes = sorted({c for step, _ in steps for _, c in step})
        units = list(
            session.scalars(
                select(Organisation)
                .where(
                    Organisation.active,
                    Organisation.kind.in_([str(k) for k in _LEVELS]),
                    or_(
                        Organisation.region_code.in_(codes),
                        Organisation.kind == str(OrgKind.POLICE_PROVINCE),
                    ),
                )
                .order_by(Organisation.id)
            )
        )
        first: dict[tuple[str, str], Organisation] = {}
        for unit in units:
            first.setdefault((unit.kind, unit.region_code or ""), unit)
        for step, why in steps:
            for kind, code in step:
                if (found := first.get((str(kind), code))) is not None:
                    return found, why
        centre = next((u for u in units if u.kind == str(OrgKind.POLICE_PROVINCE)), None)
        if centre is None:
            raise Conflict("尚无受理举报的公安机关", "No police unit receives tips yet", field="region_code")
        return centre, "省级反诈中心（未能按地点或号码确定辖区）"

    def _check(self, data: TipInput) -> dict[str, str]:
        """Validate what the schema cannot: the text, the place, the time and the form's answers."""
        if len(data.text.strip()) < 4:
            raise ValidationFailed(
                "请描述举报内容（至少 4 个字）",
                "Describe what you report (4 characters or more)",
                field="text",
            )
        if data.kind in PLACE_KINDS and not (data.place.strip() or data.details.get("address", "").strip()):
            raise ValidationFailed("举报场所须填写地址", "A place needs its address", field="place")
        if data.occurred_at is not None and data.occurred_at > self.clock.now():
            raise ValidationFailed(
                "发生时间不能晚于现在", "When it happened cannot be in the future", field="occurred_at"
            )
        if data.region_code and not (data.region_code.isdigit() and len(data.region_code) in (6, 9)):
            raise ValidationFailed(
                "行政区划代码为 6 或 9 位数字", "region_code has 6 or 9 digits", field="region_code"
            )
        reporter = data.reporter
        if reporter is not None and not reporter.name.strip():
            raise ValidationFailed(
                "实名举报请填写姓名", "A named tip gives the reporter's name", field="reporter.name"
            )
        return check_details(data.form, data.details)

    def submit(self, data: TipInput, files: Sequence[TipFile], source_ip: str) -> tuple[Tip, str]:
        """Art 38¶1: accept a tip, anonymous or named; the answer is its receipt code (shown once)."""
        details = self._check(data)
        check_count(len(files))
        kind, token, ciphertext, masked, home = self._identifier(data)
        place = (data.place or details.get("address", "")).strip()
        match_key = token or (self.vault.derive("tip-place", _place_key(place)).hex() if place else "")
        if not match_key and details.get("waybill"):
            match_key = self.vault.derive("tip-waybill", details["waybill"].strip().upper()).hex()
        code = new_receipt_code()
        seal_id = secrets.token_hex(16)
        data_key = sealing.new_data_key()
        # Sealing costs more than the rows (SM4 over every file): done before the transaction opens, so
        # the database and the audit head's lock are held for the writes alone.
        receipt = self.receipt_hash(code)
        sealed_files = [(f, sealing.seal(data_key, seal_id, f"file:{f.sha256}", f.data)) for f in files]
        sealed_reporter = None
        if data.reporter is not None:
            who = {
                "name": data.reporter.name.strip(),
                "phone": data.reporter.phone.strip(),
                "contact": data.reporter.contact.strip(),
            }
            sealed_reporter = sealing.seal(data_key, seal_id, "reporter", orjson.dumps(who))
        now = self.clock.now()
        with self.uow() as uow:
            session = uow.session
            sample = session.scalars(select(Sample).where(Sample.token == token)).first() if token else None
            unit, why = self._route(session, data.region_code, sample, home)
            earlier = (
                session.scalars(
                    select(Tip.id)
                    .where(Tip.match_key == match_key, Tip.status != str(TipStatus.DUPLICATE))
                    .order_by(Tip.id)
                    .limit(1)
                ).first()
                if match_key
                else None
            )
            tip = Tip(
                number=seal_id[:20],  # unique until the id is known, just below
                receipt_hash=receipt,
                kind=str(data.kind),
                form=str(data.form),
                text=data.text.strip(),
                details=orjson.dumps(details).decode(),
                identifier_kind=kind,
                identifier_token=token,
                identifier_ciphertext=ciphertext,
                identifier_masked=masked,
                place=place[:300],
                region_code=data.region_code,
                occurred_at=data.occurred_at,
                match_key=match_key,
                duplicate_of=earlier,
                sample_id=sample.id if sample is not None else None,
                unit_org_id=unit.id,
                route_reason=why,
                status=str(TipStatus.RECEIVED),
                seal_id=seal_id,
                wrapped_key=sealing.wrap(self._master, unit.id, seal_id, data_key),
                anonymous=data.reporter is None,
                reporter_sealed=sealed_reporter,
                created_at=now,
                updated_at=now,
            )
            session.add(tip)
            session.flush()
            tip.number = f"JB{now:%Y%m%d}{tip.id:08d}"  # by the id: never two alike, however many a day
            session.add_all(
                TipFileRow(
                    tip_id=tip.id,
                    name=f.name,
                    media_type=f.media_type,
                    size=len(f.data),
                    sha256=f.sha256,
                    ciphertext=blob,
                    created_at=now,
                )
                for f, blob in sealed_files
            )
            self.history(session, tip, "举报人", "received", why)
            if earlier is not None:
                self.history(session, tip, "系统", "repeat", f"与举报 #{earlier} 指向同一对象")
            if sample is not None:
                self.history(session, tip, "系统", "known_sample", f"样本 #{sample.id}（{sample.masked}）")
            # The audit names the tip, never the reporter (anonymous or not, Art 38¶1).
            self.audit.record(
                session,
                ANONYMOUS,
                "tip.submit",
                object_type="tip",
                object_id=tip.id,
                source_ip=source_ip,
                detail={"kind": tip.kind, "form": tip.form, "files": len(files), "unit": unit.id},
            )
            uow.commit()
            return tip, code

    # Follow-up by receipt code ----------------------------------------------------------------------

    def follow(self, code: str, source_ip: str) -> Followed:
        """The reporter's view: state, questions and answers, the reward (no account; the code proves)."""
        with self.uow() as uow:
            session = uow.session
            tip = self.by_receipt(session, code, "tip.follow", source_ip)
            view = Followed(tip, self._messages(session, tip.id), self._reward(session, tip.id))
            self.audit.record(
                session, ANONYMOUS, "tip.follow", object_type="tip", object_id=tip.id, source_ip=source_ip
            )
            uow.commit()
            return view

    def answer(self, code: str, text: str, source_ip: str) -> Followed:
        """The reporter answers the officer's questions while the tip is open."""
        text = text.strip()
        if not 1 <= len(text) <= 4000:
            raise ValidationFailed("回复为 1-4000 个字", "An answer has 1-4000 characters", field="text")
        with self.uow() as uow:
            session = uow.session
            tip = self.by_receipt(session, code, "tip.answer", source_ip)
            if TipStatus(tip.status) not in OPEN:
                raise Conflict(
                    "举报已办结，不能再回复", "The tip is closed; no more answers", field="receipt_code"
                )
            messages = self._messages(session, tip.id)
            if not any(m.author == "officer" for m in messages):
                raise Conflict("承办民警尚未提问", "The officer has asked nothing yet", field="text")
            now = self.clock.now()
            session.add(TipMessage(tip_id=tip.id, author="reporter", text=text, at=now))
            tip.updated_at = now
            self.history(session, tip, "举报人", "answered")
            self.audit.record(
                session, ANONYMOUS, "tip.answer", object_type="tip", object_id=tip.id, source_ip=source_ip
            )
            session.flush()
            view = Followed(tip, self._messages(session, tip.id), self._reward(session, tip.id))
            uow.commit()
            return view

    @staticmethod
    def _messages(session: Session, tip_id: int) -> list[TipMessage]:
        return list(
            session.scalars(select(TipMessage).where(TipMessage.tip_id == tip_id).order_by(TipMessage.id))
        )

    @staticmethod
    def _reward(session: Session, tip_id: int) -> TipReward | None:
        return session.scalars(select(TipReward).where(TipReward.tip_id == tip_id)).first()
