"""Proof by phone (Art 34¶2, 29¶2): a one-time SMS code to a restricted number, telling no one who is."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fanzha.appeals.tables import AppealOtp
from fanzha.audit.domain import Outcome
from fanzha.audit.service import ANONYMOUS
from fanzha.core.errors import RateLimited, ValidationFailed
from fanzha.core.limiter import Limiters, memory_limiters
from fanzha.disposal.domain import Measure, OrderStatus
from fanzha.disposal.notices import OutgoingNotice
from fanzha.disposal.tables import Notice, Order
from fanzha.identifiers import IdentifierKind

if TYPE_CHECKING:
    from fanzha.disposal.service import DisposalService

log = logging.getLogger("fanzha.appeals")

OTP_TTL = timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_DIGITS = 6


@dataclass(frozen=True)
class OtpLimits:
    """How often codes may be asked (Settings `otp_*`).

    Per address an hour; per number and address an hour; per number in a short window. Others asking
    for a number's codes can hold its owner up for `number_window` at most, and keeping it held needs
    fresh addresses all along; a guesser gets `per_number` codes of 5 tries each per window.
    """

    per_client_per_hour: int = 10
    per_number_and_client_per_hour: int = 3
    per_number: int = 5
    number_window: timedelta = timedelta(minutes=10)


NEUTRAL_ZH = "如该号码有正在执行的处置措施，验证码将以短信发送，10 分钟内有效。"
NEUTRAL_EN = (
    "If a measure is in force on this number, a code is sent to it by SMS; it is valid for 10 minutes."
)
# The same neutral answer for other uses of the proof (a victim's status page).
NEUTRAL_ZH_ANY = "如该号码已登记，验证码将以短信发送，10 分钟内有效。"
NEUTRAL_EN_ANY = "If this number is on record, a code is sent to it by SMS; it is valid for 10 minutes."
_BAD_OTP = (
    "短信验证码错误或已失效，请重新获取",
    "The SMS code is wrong or no longer valid; ask for a new one",
)


class OtpRateLimited(RateLimited):
    """Too many codes asked for one number or from one address; `retry_after` seconds to wait."""

    code = "otp_rate_limited"
    message_zh = "获取验证码过于频繁，请稍后再试"
    message_en = "Too many codes asked for; try again later"


def new_otp() -> str:
    """Six random digits."""
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def otp_hash(salt: str, token: str, code: str) -> str:
    """SHA-256 of the code, salted and bound to the number's token; the code itself is never stored."""
    return hashlib.sha256(f"{salt}\x1f{token}\x1f{code}".encode()).hexdigest()


def latest_notice(session: Session, token: str, object_token: str | None = None) -> Notice | None:
    """The newest notice of an executed, unreleased measure a phone proof may appeal (Art 34¶2).

    `token` is the proven phone's: the measure is on that number, or on an object whose holder registered
    it (a card, an account, the person). `object_token` narrows it to one object.
    """
    query = (
        select(Notice)
        .join(Order, Order.id == Notice.order_id)
        .where(
            (Order.object_token == token) | (Notice.recipient_token == token),
            Order.status == str(OrderStatus.EXECUTED),
            Order.measure != str(Measure.RELEASE),
        )
        .order_by(Notice.id.desc())
        .limit(1)
    )
    if object_token is not None:
        query = query.where(Notice.object_token == object_token)
    return session.scalars(query).first()


# Runs a call after the HTTP answer (FastAPI's BackgroundTasks.add_task), or at once.
Later = Callable[..., object]


def _now(call: Callable[..., object], *args: object) -> None:
    call(*args)


@dataclass(frozen=True)
class PhoneProven:
    """A number whose control was proven: its token and mask."""

    token: str
    masked: str


def _restricted(session: Session, token: str) -> bool:
    return latest_notice(session, token) is not None


APPEAL_SMS = "【湖南反诈】您正在申诉涉诈处置措施，验证码 {code}，10 分钟内有效。请勿告知他人。"


class PhoneProof:
    """Issues and checks one-time codes; the neutral answer is the same whether or not a code is sent.

    `eligible` says whether a number gets a code (by default: a measure is in force on it); `action` names
    the audit records; `sms` is the message with `{code}`. Other areas (the victims' status page) reuse it.
    """

    def __init__(
        self,
        disposal: DisposalService,
        limits: OtpLimits | None = None,
        limiters: Limiters = memory_limiters,
        *,
        eligible: Callable[[Session, str], bool] = _restricted,
        action: str = "appeal.otp",
        sms: str = APPEAL_SMS,
    ) -> None:
        self._disposal = disposal
        self._eligible = eligible
        self._action = action
        self._sms = sms
        limits = limits or OtpLimits()
        # Windows named by use, so appeals' and victims' codes are limited apart in a shared Redis too.
        self.per_client = limiters(f"{action}.client", limits.per_client_per_hour, 3600.0)
        self.per_number_and_client = limiters(
            f"{action}.number_client", limits.per_number_and_client_per_hour, 3600.0
        )
        window = limits.number_window.total_seconds()
        self.per_number = limiters(f"{action}.number", limits.per_number, window)

    def _token(self, phone: str) -> tuple[str, str, str]:
        identifier, token = self._disposal.vault.token_of(IdentifierKind.PHONE, phone, field="phone")
        return identifier.value, token, self._disposal.vault.mask(identifier)

    def issue(self, phone: str, source_ip: str, later: Later | None = None) -> None:
        """Art 34¶2: send a code if a measure is in force on the number; answer nothing either way."""
        value, token, masked = self._token(phone)
        # Counted for every number alike, so a 429 says nothing about whether a measure exists; in this
        # order, so a request refused for its address uses up nothing of the number's windows.
        at = self._disposal.clock.now().timestamp()
        for limiter, key, field in (
            (self.per_client, source_ip, "client"),
            (self.per_number_and_client, f"{token}\x1f{source_ip}", "phone"),
            (self.per_number, token, "phone"),
        ):
            wait = limiter.retry_after(key, at)
            if wait:
                raise OtpRateLimited(wait, field)
        service = self._disposal
        code = new_otp()
        with service.uow() as uow:
            session = uow.session
            restricted = self._eligible(session, token)
            now = service.clock.now()
            if restricted:
                # A new code replaces any earlier one still outstanding.
                session.execute(
                    update(AppealOtp)
                    .where(AppealOtp.object_token == token, AppealOtp.used_at.is_(None))
                    .values(expires_at=now)
                )
                salt = secrets.token_hex(16)
                session.add(
                    AppealOtp(
                        object_token=token,
                        salt=salt,
                        code_hash=otp_hash(salt, token, code),
                        attempts=0,
                        expires_at=now + OTP_TTL,
                        created_at=now,
                    )
                )
            service.audit.record(
                session,
                ANONYMOUS,
                f"{self._action}.issue",
                object_type="phone",
                object_id=token,
                source_ip=source_ip,
                detail={"masked": masked, "sent": restricted},
            )
            uow.commit()
        if restricted:
            text = self._sms.format(code=code)
            notice = OutgoingNotice(0, "sms", value, text)
            # Over HTTP the SMS goes after the answer, so the gateway's delay does not tell who is restricted.
            (later or _now)(self._send, notice, masked)

    def _send(self, notice: OutgoingNotice, masked: str) -> None:
        """Hand the code to the notification port; a gateway failure is logged by mask and type only."""
        try:
            self._disposal.notifier.send(notice)
        except Exception as failure:  # noqa: BLE001 - the gateway's failure is logged, never the number
            log.warning("one-time code to %s not sent: %s", masked, type(failure).__name__)

    def verify(self, session: Session, phone: str, otp: str, source_ip: str) -> PhoneProven:
        """Consume a valid code in `session`; a wrong one costs a try, recorded apart, then refused."""
        service = self._disposal
        _, token, masked = self._token(phone)
        now = service.clock.now()
        challenge = session.scalars(
            select(AppealOtp)
            .where(AppealOtp.object_token == token, AppealOtp.used_at.is_(None))
            .order_by(AppealOtp.id.desc())
            .limit(1)
            .with_for_update()
        ).first()
        live = challenge is not None and challenge.expires_at > now
        if challenge is not None and live and challenge.attempts < OTP_MAX_ATTEMPTS:
            given = otp.strip()
            if hmac.compare_digest(otp_hash(challenge.salt, token, given), challenge.code_hash):
                challenge.used_at = now
                service.audit.record(
                    session,
                    ANONYMOUS,
                    f"{self._action}.verify",
                    object_type="phone",
                    object_id=token,
                    source_ip=source_ip,
                    detail={"masked": masked},
                )
                return PhoneProven(token, masked)
        reason = (
            "no_code"
            if challenge is None
            else "expired"
            if not live
            else "exhausted"
            if challenge.attempts >= OTP_MAX_ATTEMPTS
            else "wrong"
        )
        counted = challenge.id if reason == "wrong" and challenge is not None else None
        # Release the row lock first: the try is counted in a transaction of its own.
        session.rollback()
        self._failed(counted, token, masked, reason, source_ip)
        raise ValidationFailed(*_BAD_OTP, field="otp")

    def _failed(self, otp_id: int | None, token: str, masked: str, reason: str, source_ip: str) -> None:
        """A wrong try counts even though the appeal's own transaction rolls back."""
        with self._disposal.uow() as uow:
            if otp_id is not None:
                uow.session.execute(
                    update(AppealOtp).where(AppealOtp.id == otp_id).values(attempts=AppealOtp.attempts + 1)
                )
            self._disposal.audit.record(
                uow.session,
                ANONYMOUS,
                f"{self._action}.verify",
                object_type="phone",
                object_id=token,
                result=Outcome.FAILED,
                source_ip=source_ip,
                detail={"masked": masked, "reason": reason},
            )
            uow.commit()
