"""Attachments of appeals (Art 34¶2): type by magic bytes, SM4-GCM at rest, read by the deciding unit only."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.appeals.domain import OPEN_APPEALS, clean_code
from fanzha.appeals.tables import Appeal, AppealAttachment
from fanzha.audit.service import ANONYMOUS
from fanzha.core.errors import Conflict, FanzhaError, NotFound, ValidationFailed
from fanzha.core.sm import hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of, refused

if TYPE_CHECKING:
    from fanzha.appeals.service import AppealService
    from fanzha.bootstrap import Platform

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
# The only types accepted, told by their first bytes; the name and the declared type are never trusted.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
)
MEDIA_TYPES = frozenset(media for _, media, _ in SIGNATURES)
# The one extension a file is stored and served under, from its detected type (never the uploader's).
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
_SEP = "\x1f"
_UNSAFE = re.compile(r'[<>:"|?*;\\/`$&%{}\[\]\'=]')


def sniff(data: bytes) -> str | None:
    """The media type the bytes start with (PDF, JPEG or PNG), else None."""
    for magic, media, _ in SIGNATURES:
        if data.startswith(magic):
            return media
    return None


def clean_name(raw: str) -> str:
    """The last path part of a file name without control or shell characters, at most 100 characters."""
    base = re.split(r"[\\/]", raw or "")[-1]
    kept = "".join(
        "_" if ch.isspace() else ch
        for ch in unicodedata.normalize("NFC", base)
        if not unicodedata.category(ch).startswith("C") and not _UNSAFE.match(ch)
    ).lstrip(".")
    if len(kept) > 100:
        stem, dot, ext = kept.rpartition(".")
        kept = f"{stem[: 99 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else kept[:100]
    return kept or "attachment"


def typed_name(raw: str, media_type: str) -> str:
    """The clean name less every extension given, plus the detected type's (`a.pdf.bat` → `a.pdf`)."""
    stem = clean_name(raw).split(".")[0][:90] or "attachment"
    return f"{stem}.{EXTENSIONS.get(media_type, 'bin')}"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: sanitised name, sniffed type, bytes and their SHA-256."""

    name: str
    media_type: str
    data: bytes
    sha256: str


def check_file(raw_name: str, data: bytes, field: str = "files") -> CheckedFile:
    """Art 34¶2 attachments: non-empty, at most 5 MB, a PDF, JPEG or PNG by its content; else refused."""
    name = clean_name(raw_name)
    if not data:
        raise ValidationFailed(f"附件「{name}」是空文件", f"Attachment '{name}' is empty", field=field)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(
            f"附件「{name}」超过 5 MB", f"Attachment '{name}' is larger than 5 MB", field=field
        )
    media = sniff(data)
    if media is None:
        raise ValidationFailed(
            f"附件「{name}」不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）",
            f"Attachment '{name}' is not a PDF, JPEG or PNG file (judged by its content, not its name)",
            field=field,
        )
    return CheckedFile(typed_name(raw_name, media), media, data, hashlib.sha256(data).hexdigest())


def check_count(count: int, existing: int = 0, field: str = "files") -> None:
    """At most five attachments per appeal."""
    if count + existing > MAX_FILES:
        raise ValidationFailed(
            f"每件申诉最多 {MAX_FILES} 个附件（已有 {existing} 个）",
            f"At most {MAX_FILES} attachments per appeal ({existing} already)",
            field=field,
        )


def attachment_key(encryption_key: bytes) -> bytes:
    """A key of its own for attachments, derived from the platform's SM4 key (HMAC-SM3, 128 bits)."""
    return hmac_sm3(encryption_key, b"fanzha/appeal-attachments/v1")[:16]


def _aad(appeal_id: int, sha256: str) -> bytes:
    # Bound to its appeal and digest: a ciphertext moved to another row or appeal fails to decrypt.
    return f"appeal-attachment{_SEP}{appeal_id}{_SEP}{sha256}".encode()


class AttachmentStore:
    """Seals attachments into the appeal's transaction and opens them for the deciding unit."""

    def __init__(self, appeals: AppealService, encryption_key: bytes) -> None:
        self._appeals = appeals
        self._disposal = appeals.disposal
        self._key = attachment_key(encryption_key)

    def seal(
        self, session: Session, appeal: Appeal, files: Sequence[CheckedFile], source_ip: str
    ) -> list[AppealAttachment]:
        """Encrypt and add the files to `appeal` in `session`; audited without content or names."""
        now = self._disposal.clock.now()
        rows = [
            AppealAttachment(
                appeal_id=appeal.id,
                name=item.name,
                media_type=item.media_type,
                size=len(item.data),
                sha256=item.sha256,
                ciphertext=sm4_gcm_encrypt(self._key, item.data, _aad(appeal.id, item.sha256)),
                created_at=now,
            )
            for item in files
        ]
        session.add_all(rows)
        session.flush()
        if rows:
            self._disposal.audit.record(
                session,
                ANONYMOUS,
                "appeal.attachment.add",
                object_type="appeal",
                object_id=appeal.id,
                source_ip=source_ip,
                detail={"attachments": [{"id": r.id, "sha256": r.sha256, "size": r.size} for r in rows]},
            )
        return rows

    def add(
        self, number: str, files: Sequence[CheckedFile], source_ip: str
    ) -> tuple[Appeal, list[AppealAttachment]]:
        """Art 34¶2: the appellant adds files to an open appeal, proven by its number (what they follow)."""
        with self._disposal.uow() as uow:
            session = uow.session
            appeal = session.scalars(
                select(Appeal).where(Appeal.number == clean_code(number, "number")).with_for_update()
            ).first()
            if appeal is None:
                raise NotFound("申诉编号不存在", "Unknown appeal number", field="number")
            if appeal.status not in {str(s) for s in OPEN_APPEALS}:
                raise Conflict(
                    "申诉已有处理结果，不能再补充材料", "The appeal is decided; no more files", field="number"
                )
            existing = session.scalar(
                select(func.count())
                .select_from(AppealAttachment)
                .where(AppealAttachment.appeal_id == appeal.id)
            )
            check_count(len(files), int(existing or 0))
            rows = self.seal(session, appeal, files, source_ip)
            uow.commit()
            return appeal, rows

    def listing(self, principal: Principal, appeal_id: int) -> list[AppealAttachment]:
        """The appeal's attachments (no content), for the deciding unit or a police unit above it."""
        with self._disposal.identity.guarded(principal), self._disposal.uow() as uow:
            self._appeals.mine(uow.session, principal, appeal_id, "appeal.attachment.list")
            rows = self.rows(uow.session, appeal_id)
            uow.commit()
            return rows

    @staticmethod
    def rows(session: Session, appeal_id: int) -> list[AppealAttachment]:
        """An appeal's attachments, oldest first (content not loaded)."""
        return list(
            session.scalars(
                select(AppealAttachment)
                .where(AppealAttachment.appeal_id == appeal_id)
                .order_by(AppealAttachment.id)
            )
        )

    def download(
        self, principal: Principal, appeal_id: int, attachment_id: int
    ) -> tuple[AppealAttachment, bytes]:
        """Decrypt one attachment for the deciding unit; every download and every refusal is audited."""
        action = "appeal.attachment.download"
        with self._disposal.identity.guarded(principal), self._disposal.uow() as uow:
            session = uow.session
            self._appeals.mine(session, principal, appeal_id, action)
            row = session.get(AppealAttachment, attachment_id)
            if row is None or row.appeal_id != appeal_id:
                raise refused(
                    NotFound("附件不存在", "No such attachment", field="attachment_id"),
                    action,
                    "appeal_attachment",
                    attachment_id,
                )
            try:
                data = sm4_gcm_decrypt(self._key, row.ciphertext, _aad(row.appeal_id, row.sha256))
            except (InvalidTag, ValueError):
                raise FanzhaError(
                    "附件密文校验失败", "The attachment failed authentication", code="integrity_error"
                ) from None
            self._disposal.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="appeal_attachment",
                object_id=row.id,
                source_ip=principal.source_ip,
                detail={"appeal_id": appeal_id, "sha256": row.sha256},
            )
            uow.commit()
            return row, data


def attachments_of(platform: Platform) -> AttachmentStore:
    """The attachment store of a platform, keyed from its settings."""
    assert platform.appeals is not None, "build_platform wires appeals"
    return AttachmentStore(platform.appeals, platform.settings.encryption_key)
