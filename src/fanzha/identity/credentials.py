"""One-time activation and reset codes: sent to the user's own phone, never shown to the administrator."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fanzha.core.errors import ValidationFailed
from fanzha.disposal.notices import Notifier, OutgoingNotice
from fanzha.identifiers import IdentifierKind, IdentifierVault
from fanzha.identity.tables import CredentialCode, LoginSession, User

log = logging.getLogger("fanzha.identity")

CODE_DIGITS = 8
CODE_MAX_ATTEMPTS = 5
# A new account has three days to be taken up; a reset is acted on at once or asked for again.
CODE_TTL = {"activate": timedelta(hours=72), "reset": timedelta(minutes=30)}
PURPOSE_ZH = {"activate": "激活", "reset": "重置密码"}
BAD_CODE = (
    "用户名或验证码错误，或验证码已失效",
    "Wrong username or code, or the code is no longer valid",
)


def new_code() -> str:
    """Eight random digits (a guesser gets five tries per code)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(salt: str, user_id: int, code: str) -> str:
    """SHA-256 of the code, salted and bound to the user; the code itself is never stored."""
    return hashlib.sha256(f"{salt}\x1f{user_id}\x1f{code}".encode()).hexdigest()


def code_matches(row: CredentialCode, code: str) -> bool:
    """Constant-time comparison of a given code with the stored hash."""
    return hmac.compare_digest(code_hash(row.salt, row.user_id, code.strip()), row.code_hash)


class Phones:
    """Registered mobiles of staff: personal information, kept as keyed token, SM4 ciphertext and mask."""

    def __init__(self, vault: IdentifierVault) -> None:
        self._vault = vault

    def register(self, raw: str) -> tuple[str, bytes, str]:
        """Normalise a mobile number into (token, ciphertext, mask); a bad number names the field."""
        identifier, token = self._vault.token_of(IdentifierKind.PHONE, raw, field="phone")
        if not identifier.value.startswith("+"):
            raise ValidationFailed("请填写本人手机号码", "Give the person's own mobile number", field="phone")
        return token, self._vault.encrypt(identifier, token), self._vault.mask(identifier)

    def reveal(self, token: str, ciphertext: bytes) -> str:
        """The number to send a code to (never shown, never logged)."""
        return self._vault.decrypt(IdentifierKind.PHONE, token, ciphertext).value


def issue(session: Session, user: User, purpose: str, created_by: int | None, now: datetime) -> str:
    """Replace any outstanding code of `user` with a new one; returns the code to send."""
    session.execute(
        update(CredentialCode)
        .where(CredentialCode.user_id == user.id, CredentialCode.used_at.is_(None))
        .values(expires_at=now)
    )
    code, salt = new_code(), secrets.token_hex(16)
    session.add(
        CredentialCode(
            user_id=user.id,
            purpose=purpose,
            salt=salt,
            code_hash=code_hash(salt, user.id, code),
            attempts=0,
            created_by=created_by,
            created_at=now,
            expires_at=now + CODE_TTL[purpose],
        )
    )
    return code


def live_code(session: Session, user_id: int) -> CredentialCode | None:
    """The newest unused code of a user, locked for the redemption."""
    return session.scalars(
        select(CredentialCode)
        .where(CredentialCode.user_id == user_id, CredentialCode.used_at.is_(None))
        .order_by(CredentialCode.id.desc())
        .limit(1)
        .with_for_update()
    ).first()


def end_sessions(session: Session, user_id: int, now: datetime) -> int:
    """End every open session of a user; returns how many."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


class CodeSender:
    """Hands a code to the SMS port, addressed to the user's registered phone."""

    def __init__(self, phones: Phones, notifier: Notifier) -> None:
        self.phones = phones
        self.notifier = notifier

    def send(self, user: User, code: str, purpose: str) -> None:
        """SMS the code; a gateway failure is logged by mask only (the administrator can issue a new one)."""
        if user.phone_token is None or user.phone_ciphertext is None:
            return
        hours = CODE_TTL[purpose].total_seconds() / 3600
        valid = f"{int(hours)} 小时" if hours >= 1 else f"{int(hours * 60)} 分钟"
        text = (
            f"【湖南反诈】平台账号 {user.username} 的{PURPOSE_ZH[purpose]}验证码 {code}，{valid}内有效，"
            "请在登录页「设置密码」中使用。请勿告知任何人，管理员不会索取。"
        )
        try:
            phone = self.phones.reveal(user.phone_token, user.phone_ciphertext)
            self.notifier.send(OutgoingNotice(0, "sms", phone, text))
        except Exception as failure:  # noqa: BLE001 - the gateway's failure is logged, never the number
            log.warning("credential code to %s not sent: %s", user.phone_masked, type(failure).__name__)
