"""HTTP API of appeals: the public portal (no account) and the deciding unit's queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile as Upload

from fanzha.appeals.attachments import (
    MAX_BYTES,
    MAX_FILES,
    MEDIA_TYPES,
    AttachmentStore,
    CheckedFile,
    attachments_of,
    check_count,
    check_file,
    typed_name,
)
from fanzha.appeals.domain import APPEAL_LABELS, AppealStatus
from fanzha.appeals.otp import NEUTRAL_EN, NEUTRAL_ZH, OTP_TTL
from fanzha.appeals.schemas import (
    AppealCreate,
    AppealDecision,
    AppealDetail,
    AppealPublic,
    AppealRead,
    AppealStatusQuery,
    AttachmentRead,
    AttachmentsAdded,
    DecisionResult,
    OtpAccepted,
    OtpRequest,
)
from fanzha.appeals.service import AppealService
from fanzha.appeals.tables import Appeal
from fanzha.disposal.domain import DOCUMENTS_ZH
from fanzha.disposal.schemas import NoticeLookup, NoticePublic
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits
from fanzha.web.deps import authorize, client_ip, platform_of

router = APIRouter(prefix="/api/v1", tags=["appeals"])
Decider = Annotated[Principal, Depends(authorize(Permission.APPEAL_DECIDE))]
# The portal's calls share the per-address window; submissions count against the appeal window too.
# The portal's rate buckets (web.ratelimit), counted before a body is read (web.limits).
PORTAL = limits.declare(rate=("portal",))
OTP = limits.declare(rate=("otp",))
# Art 34¶2: five files of 5 MB each, with the form's fields around them.
FILES_BYTES = MAX_FILES * MAX_BYTES + limits.MiB
SUBMISSION = limits.declare(body=FILES_BYTES, rate=("appeal",))


def appeals_of(request: Request) -> AppealService:
    """The appeal service wired into this app."""
    service = platform_of(request).appeals
    assert service is not None, "build_platform wires appeals"
    return service


def store_of(request: Request) -> AttachmentStore:
    """The attachment store of this app's platform."""
    return attachments_of(platform_of(request))


def checked_uploads(uploads: Sequence[Upload], existing: int = 0) -> list[CheckedFile]:
    """Art 34¶2: at most five files of 5 MB, each a PDF, JPEG or PNG by its first bytes; empty parts skip."""
    given = [u for u in uploads if u.filename or u.size]
    check_count(len(given), existing)
    return [check_file(u.filename or "", u.file.read(MAX_BYTES + 1)) for u in given]


class StoredFile(Protocol):
    """What a download needs of a stored file's row."""

    name: str
    media_type: str


def attachment_response(row: StoredFile, data: bytes) -> Response:
    """The decrypted file as a download the browser never renders or sniffs, named by its type."""
    name = typed_name(row.name, row.media_type)  # rows stored before the names were typed, too
    fallback = name.encode("ascii", "ignore").decode()
    fallback = fallback if not fallback.startswith(".") else "attachment" + fallback
    return Response(
        content=data,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def neutral_answer() -> OtpAccepted:
    """The one answer to every code request (no enumeration of who is restricted)."""
    return OtpAccepted(
        message_zh=NEUTRAL_ZH, message_en=NEUTRAL_EN, valid_minutes=int(OTP_TTL.total_seconds() // 60)
    )


def public_view(appeal: Appeal) -> AppealPublic:
    """The portal's view: no token, no facts of the case, nothing about other objects."""
    status = AppealStatus(appeal.status)
    return AppealPublic(
        number=appeal.number,
        status=str(status),
        status_zh=APPEAL_LABELS[status][0],
        object_masked=appeal.object_masked,
        decision_reason=appeal.decision_reason,
        submitted_at=appeal.created_at,
        due_at=appeal.due_at,
        decided_at=appeal.decided_at,
    )


@router.post("/public/notices", response_model=NoticePublic, tags=["public"], openapi_extra=PORTAL)
def notice(request: Request, body: NoticeLookup) -> Any:
    """The notice behind an appeal code (Art 34¶1): object, measure, reason, remedy, documents."""
    row, masked, count = appeals_of(request).notice_view(body.code)
    return NoticePublic(
        object_kind=row.object_kind,
        object_masked=masked,
        text=row.text,
        documents=DOCUMENTS_ZH,
        measures_in_force=count,
        created_at=row.created_at,
    )


@router.post(
    "/public/appeals/otp", response_model=OtpAccepted, status_code=202, tags=["public"], openapi_extra=OTP
)
def otp(request: Request, body: OtpRequest, tasks: BackgroundTasks) -> OtpAccepted:
    """Art 34¶2: an SMS code if a measure is in force on the number; the same answer either way."""
    appeals_of(request).phone.issue(body.phone, client_ip(request), tasks.add_task)
    return neutral_answer()


@router.post(
    "/public/appeals",
    response_model=AppealPublic,
    status_code=201,
    tags=["public"],
    openapi_extra=limits.declare(rate=("appeal",)),
)
def submit(request: Request, body: AppealCreate) -> Any:
    """Appeal every measure on the object (Art 34¶2), proven by the notice's code or phone and SMS code."""
    appeal = appeals_of(request).submit(
        body.code,
        body.facts,
        body.reasons,
        body.documents,
        client_ip(request),
        phone=body.phone,
        otp=body.otp,
        obj=(body.kind, body.value) if body.kind is not None and body.value else None,
    )
    return JSONResponse(public_view(appeal).model_dump(mode="json"), status_code=201)


@router.post(
    "/public/appeals/attachments",
    response_model=AttachmentsAdded,
    status_code=201,
    tags=["public"],
    openapi_extra=SUBMISSION,
)
def add_attachments(
    request: Request,
    number: Annotated[str, Form(min_length=8, max_length=20)],
    files: Annotated[list[UploadFile], File()],
) -> AttachmentsAdded:
    """Art 34¶2: add files to an open appeal, proven by its number (in the form, never in the address)."""
    appeal, rows = store_of(request).add(number, checked_uploads(files), client_ip(request))
    return AttachmentsAdded(
        number=appeal.number, attachments=[AttachmentRead.model_validate(r) for r in rows]
    )


@router.post("/public/appeals/status", response_model=AppealPublic, tags=["public"], openapi_extra=PORTAL)
def follow(request: Request, body: AppealStatusQuery) -> Any:
    """Follow an appeal by its number."""
    return public_view(appeals_of(request).status(body.number))


@router.get("/appeals", response_model=list[AppealRead])
def queue(request: Request, principal: Decider, status: str | None = None) -> list[AppealRead]:
    """Appeals this unit decides (谁决定谁负责), nearest deadline first."""
    return [AppealRead.model_validate(a) for a in appeals_of(request).queue(principal, status)]


@router.get("/appeals/{appeal_id}", response_model=AppealDetail)
def detail(request: Request, appeal_id: int, principal: Decider) -> AppealDetail:
    """An appeal with every order on its object."""
    service = appeals_of(request)
    appeal, orders, attachments = service.get(principal, appeal_id)
    overdue = AppealStatus(appeal.status) in {AppealStatus.SUBMITTED, AppealStatus.REVIEWING} and (
        service.clock.now() > appeal.due_at
    )
    return AppealDetail(
        appeal=AppealRead.model_validate(appeal),
        overdue=overdue,
        order_ids=[o.id for o in orders],
        attachments=[AttachmentRead.model_validate(a) for a in attachments],
    )


@router.get("/appeals/{appeal_id}/attachments", response_model=list[AttachmentRead])
def attachments(request: Request, appeal_id: int, principal: Decider) -> list[AttachmentRead]:
    """The files the appellant sent (Art 34¶2), for the deciding unit."""
    return [AttachmentRead.model_validate(a) for a in store_of(request).listing(principal, appeal_id)]


@router.get(
    "/appeals/{appeal_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"description": "附件 / The file", "content": {m: {} for m in sorted(MEDIA_TYPES)}}},
)
def download(request: Request, appeal_id: int, attachment_id: int, principal: Decider) -> Response:
    """Download one attachment, decrypted; each download is audited."""
    row, data = store_of(request).download(principal, appeal_id, attachment_id)
    return attachment_response(row, data)


@router.post("/appeals/{appeal_id}/review", response_model=AppealRead)
def review(request: Request, appeal_id: int, principal: Decider) -> AppealRead:
    """Start verifying the appeal with the institutions."""
    return AppealRead.model_validate(appeals_of(request).review(principal, appeal_id))


@router.post("/appeals/{appeal_id}/decision", response_model=DecisionResult)
def decide(request: Request, appeal_id: int, body: AppealDecision, principal: Decider) -> DecisionResult:
    """Uphold (release orders everywhere, sample revoked, appellant told) or reject with the reason."""
    appeal, releases = appeals_of(request).decide(
        principal, appeal_id, body.upheld, body.reason, body.institutions_fulfilled
    )
    return DecisionResult(
        appeal=AppealRead.model_validate(appeal), release_order_ids=[o.id for o in releases]
    )
