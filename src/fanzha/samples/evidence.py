"""Evidence files on sample reports (Art 28¶1 samples shared with their basis): typed by content, SM4 at rest.

Police and the organisation that reported a sample may add files to it; police read all of a sample's
files, an institution only its own. Files are checked like appeal attachments (PDF, JPEG or PNG by their
first bytes, at most 5 MB), encrypted under a key of their own, and every read and refusal is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fanzha.appeals.attachments import CheckedFile
from fanzha.core.errors import FanzhaError, NotFound, PermissionDenied, ValidationFailed
from fanzha.core.sm import hmac_sm3, sm4_gcm_decrypt, sm4_gcm_encrypt
from fanzha.identity.domain import Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.samples.domain import SampleStatus
from fanzha.samples.service import SampleService
from fanzha.samples.tables import Sample, SampleEvidence, SampleSource

if TYPE_CHECKING:
    from fanzha.bootstrap import Platform

MAX_PER_SAMPLE = 20  # per organisation and sample: enough for a case's screenshots, not a file store
_SEP = "\x1f"


def evidence_key(encryption_key: bytes) -> bytes:
    """A key of its own for evidence files, derived from the platform's SM4 key (HMAC-SM3, 128 bits)."""
    return hmac_sm3(encryption_key, b"fanzha/sample-evidence/v1")[:16]


def _aad(sample_id: int, org_id: int, sha256: str) -> bytes:
    # Bound to its sample, organisation and digest: a ciphertext moved to another row fails to decrypt.
    return f"sample-evidence{_SEP}{sample_id}{_SEP}{org_id}{_SEP}{sha256}".encode()


class EvidenceStore:
    """Adds, lists and opens the evidence files of samples."""

    def __init__(self, samples: SampleService, identity: IdentityService, encryption_key: bytes) -> None:
        self._samples = samples
        self._identity = identity
        self._key = evidence_key(encryption_key)

    def add(self, principal: Principal, sample_id: int, files: Sequence[CheckedFile]) -> list[SampleEvidence]:
        """Police, or an organisation that reported the sample, add files; audited without content."""
        action = "sample.evidence.add"
        if not files:
            raise ValidationFailed("请选择至少一个文件", "Choose at least one file", field="files")
        with self._identity.guarded(principal), self._samples.uow() as uow:
            session = uow.session
            self._reachable(session, principal, sample_id, action, adding=True)
            held = session.scalar(
                select(func.count())
                .select_from(SampleEvidence)
                .where(SampleEvidence.sample_id == sample_id, SampleEvidence.org_id == principal.org_id)
            )
            if int(held or 0) + len(files) > MAX_PER_SAMPLE:
                raise ValidationFailed(
                    f"每个单位对一个样本最多上传 {MAX_PER_SAMPLE} 个证据文件（已有 {held} 个）",
                    f"At most {MAX_PER_SAMPLE} evidence files per organisation and sample ({held} already)",
                    field="files",
                )
            now = self._samples.clock.now()
            rows = [
                SampleEvidence(
                    sample_id=sample_id,
                    org_id=principal.org_id,
                    name=item.name,
                    media_type=item.media_type,
                    size=len(item.data),
                    sha256=item.sha256,
                    ciphertext=sm4_gcm_encrypt(
                        self._key, item.data, _aad(sample_id, principal.org_id, item.sha256)
                    ),
                    created_at=now,
                )
                for item in files
            ]
            session.add_all(rows)
            session.flush()
            self._samples.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="sample",
                object_id=sample_id,
                source_ip=principal.source_ip,
                detail={"evidence": [{"id": r.id, "sha256": r.sha256, "size": r.size} for r in rows]},
            )
            uow.commit()
            return rows

    def listing(self, principal: Principal, sample_id: int) -> list[SampleEvidence]:
        """The files of a sample this principal may read (content not loaded)."""
        with self._identity.guarded(principal), self._samples.uow() as uow:
            self._reachable(uow.session, principal, sample_id, "sample.evidence.list")
            query = select(SampleEvidence).where(SampleEvidence.sample_id == sample_id)
            if not principal.org_kind.is_police:
                query = query.where(SampleEvidence.org_id == principal.org_id)
            rows = list(uow.session.scalars(query.order_by(SampleEvidence.id)))
            uow.commit()
            return rows

    def download(
        self, principal: Principal, sample_id: int, evidence_id: int
    ) -> tuple[SampleEvidence, bytes]:
        """Decrypt one file for police or its own organisation; every download and refusal audited."""
        action = "sample.evidence.download"
        with self._identity.guarded(principal), self._samples.uow() as uow:
            session = uow.session
            self._reachable(session, principal, sample_id, action)
            row = session.get(SampleEvidence, evidence_id)
            if (
                row is None
                or row.sample_id != sample_id
                or (not principal.org_kind.is_police and row.org_id != principal.org_id)
            ):
                missing = NotFound("证据文件不存在", "No such evidence file", field="evidence_id")
                raise refused(missing, action, "sample_evidence", evidence_id)
            try:
                data = sm4_gcm_decrypt(self._key, row.ciphertext, _aad(row.sample_id, row.org_id, row.sha256))
            except (InvalidTag, ValueError):
                raise FanzhaError(
                    "证据文件密文校验失败", "The evidence file failed authentication", code="integrity_error"
                ) from None
            self._samples.audit.record(
                session,
                actor_of(principal),
                action,
                object_type="sample_evidence",
                object_id=row.id,
                source_ip=principal.source_ip,
                detail={"sample_id": sample_id, "sha256": row.sha256},
            )
            uow.commit()
            return row, data

    def _reachable(
        self, session: Session, principal: Principal, sample_id: int, action: str, adding: bool = False
    ) -> None:
        """Who may reach a sample's evidence (refusals audited).

        Adding: police, or an organisation that reported the sample. Reading: whoever may see the sample
        (police, anyone for an active one, its reporters); what an institution then reads is its own files.
        """
        sample = session.get(Sample, sample_id)
        if sample is None:
            raise refused(NotFound(field="sample_id"), action, "sample", sample_id)
        if principal.org_kind.is_police:
            return
        reported = select(SampleSource.id).where(
            SampleSource.sample_id == sample_id, SampleSource.org_id == principal.org_id
        )
        if session.scalars(reported).first() is not None:
            return
        if adding:
            denied = PermissionDenied(
                "只有公安机关和报送该样本的单位可以上传其证据",
                "Only police and the organisations that reported the sample may add its evidence",
                field="sample_id",
            )
            raise refused(denied, action, "sample", sample_id)
        if sample.status != SampleStatus.ACTIVE:
            raise refused(NotFound(field="sample_id"), action, "sample", sample_id)


def evidence_of(platform: Platform) -> EvidenceStore:
    """The evidence store of a platform, keyed from its settings."""
    return EvidenceStore(platform.samples, platform.identity, platform.settings.encryption_key)
