"""HTTP API of tips: the public intake and follow-up (no account), and the handling unit's work."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from fanzha.core.errors import ValidationFailed
from fanzha.identity.domain import Permission, Principal
from fanzha.tips.desk import TipView
from fanzha.tips.domain import (
    BASIS,
    OUTCOME_LABELS,
    REWARD_LABELS,
    STATUS_LABELS,
    RewardStatus,
    TipOutcome,
    TipStatus,
)
from fanzha.tips.files import MAX_BYTES, MAX_FILES, MEDIA_TYPES, TipFile, check_count, check_file
from fanzha.tips.outcomes import VerdictInput
from fanzha.tips.rewards import Tips
from fanzha.tips.schemas import (
    TipAnswerIn,
    TipClaimIn,
    TipCodeQuery,
    TipCommendationIn,
    TipCommendationRead,
    TipDetailRead,
    TipEventRead,
    TipFileRead,
    TipMessageRead,
    TipPaymentIn,
    TipPublicRead,
    TipQuestionIn,
    TipRead,
    TipReceiptRead,
    TipReporterRead,
    TipRewardApprovalIn,
    TipRewardIn,
    TipRewardPublic,
    TipRewardRead,
    TipRewardStandardRead,
    TipRewardTier,
    TipRouteIn,
    TipSubmission,
    TipVerdictIn,
)
from fanzha.tips.service import Followed, Reporter, TipInput
from fanzha.tips.tables import Tip, TipFileRow
from fanzha.web import limits
from fanzha.web.deps import authorize, client_ip, platform_of

router = APIRouter(prefix="/api/v1", tags=["tips"])
Worker = Annotated[Principal, Depends(authorize(Permission.TIP_WORK))]
Approver = Annotated[Principal, Depends(authorize(Permission.TIP_APPROVE))]
# Follow-up shares the portal's per-address window (the receipt code is ~98 bits: guessing is hopeless
# within it); a tip counts against its own window per address and overall (web.ratelimit "tip").
PORTAL = limits.declare(rate=("portal",))
# Five files of 5 MB, base64 (4/3), with the rest of the form around them.
INTAKE = limits.declare(body=MAX_FILES * MAX_BYTES * 4 // 3 + limits.MiB, rate=("tip",))
RECEIVED_ZH = (
    "举报已受理。请妥善保存回执码：凭回执码可查询办理进展、回答民警提问、领取奖励。回执码只显示这一次。"
)
RECEIVED_EN = (
    "Your tip is received. Keep the receipt code: with it you follow the tip, answer the officer's questions "
    "and claim a reward. It is shown only this once."
)
WAYS_ZH = [
    "本平台举报页面（/tip），可匿名，可上传图片、录音、PDF",
    "本平台接口 POST /api/v1/public/tips",
    "拨打 110 或 96110 反诈专线",
]


def tips_of(request: Request) -> Tips:
    """The tip service wired into this app."""
    service = platform_of(request).tips
    assert service is not None, "build_platform wires tips"
    return service


def decoded_files(uploads: list[tuple[str, str]]) -> list[TipFile]:
    """Base64 uploads decoded and checked by content; a bad one refuses the whole tip."""
    check_count(len(uploads))
    files: list[TipFile] = []
    for index, (name, content) in enumerate(uploads):
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                "文件内容不是有效的 base64", "The file's content is not valid base64", field=f"files.{index}"
            ) from None
        files.append(check_file(name, data, field=f"files.{index}"))
    return files


def tip_input(body: TipSubmission) -> TipInput:
    """The service's input from the API's."""
    reporter = body.reporter
    return TipInput(
        kind=body.kind,
        text=body.text,
        form=body.form,
        value=body.value,
        place=body.place,
        region_code=body.region_code,
        occurred_at=body.occurred_at,
        details=dict(body.details),
        reporter=Reporter(reporter.name, reporter.phone, reporter.contact) if reporter else None,
    )


def receipt(tip: Tip, code: str, files: int) -> TipReceiptRead:
    """The one answer that carries the receipt code."""
    status = TipStatus(tip.status)
    return TipReceiptRead(
        number=tip.number,
        receipt_code=code,
        status=str(status),
        status_zh=STATUS_LABELS[status][0],
        files=files,
        message_zh=RECEIVED_ZH,
        message_en=RECEIVED_EN,
    )


def public_view(view: Followed) -> TipPublicRead:
    """What the reporter sees: no officer, no unit, no identifier beyond the kind."""
    tip, reward = view.tip, view.reward
    status = TipStatus(tip.status)
    outcome = TipOutcome(tip.outcome) if tip.outcome else None
    return TipPublicRead(
        number=tip.number,
        kind=tip.kind,
        status=str(status),
        status_zh=STATUS_LABELS[status][0],
        outcome=str(outcome) if outcome else "",
        outcome_zh=OUTCOME_LABELS[outcome][0] if outcome else "",
        submitted_at=tip.created_at,
        messages=[TipMessageRead.model_validate(m) for m in view.messages],
        reward=(
            TipRewardPublic(
                amount=reward.amount,
                status=reward.status,
                status_zh=REWARD_LABELS[RewardStatus(reward.status)][0],
            )
            # A reward the reporter can do nothing with yet (proposed, refused) is not shown as one.
            if reward is not None and reward.status not in (RewardStatus.DECIDED, RewardStatus.REFUSED)
            else None
        ),
    )


def detail_view(view: TipView) -> TipDetailRead:
    """The handling unit's view of a tip."""
    return TipDetailRead(
        tip=TipRead.model_validate(view.tip),
        unit_name=view.unit_name,
        files=[TipFileRead.model_validate(f) for f in view.files],
        messages=[TipMessageRead.model_validate(m) for m in view.messages],
        events=[TipEventRead.model_validate(e) for e in view.events],
        reward=TipRewardRead.model_validate(view.reward) if view.reward else None,
        repeats=view.repeats,
    )


def standard_view(service: Tips) -> TipRewardStandardRead:
    """The published standard (Art 38¶2)."""
    citation, quote_ = BASIS["standard"]
    return TipRewardStandardRead(
        basis=f"《湖南省实施〈反电信网络诈骗法〉若干规定》{citation}：{quote_}；{BASIS['reward'][1]}",
        tiers=[
            TipRewardTier(outcome=str(t.outcome), low=t.low, high=t.high, zh=t.zh, en=t.en)
            for t in service.standard.tiers
        ],
        ways_zh=WAYS_ZH,
    )


def file_response(row: TipFileRow, data: bytes) -> Response:
    """The decrypted file as a download the browser never renders or sniffs."""
    fallback = row.name.encode("ascii", "ignore").decode() or "file"
    return Response(
        content=data,
        media_type=row.media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(row.name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


# Public: no account --------------------------------------------------------------------------------


@router.post(
    "/public/tips", response_model=TipReceiptRead, status_code=201, tags=["public"], openapi_extra=INTAKE
)
def submit(request: Request, body: TipSubmission) -> Any:
    """Art 38¶1: report, anonymously or by name, with files; the answer carries the receipt code once."""
    files = decoded_files([(f.name, f.content_base64) for f in body.files])
    tip, code = tips_of(request).submit(tip_input(body), files, client_ip(request))
    return JSONResponse(receipt(tip, code, len(files)).model_dump(mode="json"), status_code=201)


@router.post("/public/tips/status", response_model=TipPublicRead, tags=["public"], openapi_extra=PORTAL)
def follow(request: Request, body: TipCodeQuery) -> TipPublicRead:
    """Follow a tip with its receipt code: state, the officer's questions, the reward."""
    return public_view(tips_of(request).follow(body.receipt_code, client_ip(request)))


@router.post("/public/tips/answers", response_model=TipPublicRead, tags=["public"], openapi_extra=PORTAL)
def answer(request: Request, body: TipAnswerIn) -> TipPublicRead:
    """Answer the officer's questions with the receipt code."""
    return public_view(tips_of(request).answer(body.receipt_code, body.text, client_ip(request)))


@router.post(
    "/public/tips/reward-claims", response_model=TipPublicRead, tags=["public"], openapi_extra=PORTAL
)
def claim(request: Request, body: TipClaimIn) -> TipPublicRead:
    """Art 38¶2: claim an approved reward with the receipt code, naming the account to pay into."""
    view = tips_of(request).claim(body.receipt_code, body.payee_name, body.payee_account, client_ip(request))
    return public_view(view)


@router.get("/public/tips/reward-standard", response_model=TipRewardStandardRead, tags=["public"])
def reward_standard(request: Request) -> TipRewardStandardRead:
    """Art 38¶2: the published reward standard and the ways to report."""
    return standard_view(tips_of(request))


# The handling unit ---------------------------------------------------------------------------------


@router.get("/tips", response_model=list[TipRead])
def queue(request: Request, principal: Worker, status: str | None = None) -> list[TipRead]:
    """Tips of this unit and the units below it, newest first."""
    return [TipRead.model_validate(t) for t in tips_of(request).queue(principal, status)]


@router.get("/tips/commendations", response_model=list[TipCommendationRead])
def commendations(request: Request, principal: Worker) -> list[TipCommendationRead]:
    """Commendations recorded by this unit and the units below it (Art 38¶3)."""
    return [TipCommendationRead.model_validate(c) for c in tips_of(request).commendations(principal)]


@router.post("/tips/commendations", response_model=TipCommendationRead, status_code=201)
def commend(request: Request, body: TipCommendationIn, principal: Approver) -> Any:
    """Art 38¶3: record a commendation of a unit or a person."""
    row = tips_of(request).commend(principal, body.subject_kind, body.name, body.reason, body.tip_id)
    return JSONResponse(TipCommendationRead.model_validate(row).model_dump(mode="json"), status_code=201)


@router.get("/tips/{tip_id}", response_model=TipDetailRead)
def detail(request: Request, tip_id: int, principal: Worker) -> TipDetailRead:
    """One tip: content, files, messages, history, reward (the reporter stays sealed)."""
    return detail_view(tips_of(request).get(principal, tip_id))


@router.post("/tips/{tip_id}/take", response_model=TipRead)
def take(request: Request, tip_id: int, principal: Worker) -> TipRead:
    """Take the tip to verify it (the taker becomes its handling officer)."""
    return TipRead.model_validate(tips_of(request).take(principal, tip_id))


@router.post("/tips/{tip_id}/route", response_model=TipRead)
def route(request: Request, tip_id: int, body: TipRouteIn, principal: Worker) -> TipRead:
    """Send the tip to another police unit; its sealed key goes along."""
    return TipRead.model_validate(tips_of(request).route(principal, tip_id, body.org_id, body.reason))


@router.post("/tips/{tip_id}/reporter", response_model=TipReporterRead)
def reporter(request: Request, tip_id: int, principal: Worker) -> TipReporterRead:
    """Art 38¶1: open the sealed reporter: the handling officer only, each opening audited."""
    return TipReporterRead.model_validate(tips_of(request).reporter(principal, tip_id))


@router.get(
    "/tips/{tip_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"description": "文件 / The file", "content": {m: {} for m in sorted(MEDIA_TYPES)}}},
)
def download(request: Request, tip_id: int, file_id: int, principal: Worker) -> Response:
    """One file of the tip, decrypted; each download audited."""
    row, data = tips_of(request).file(principal, tip_id, file_id)
    return file_response(row, data)


@router.post("/tips/{tip_id}/questions", response_model=TipMessageRead, status_code=201)
def ask(request: Request, tip_id: int, body: TipQuestionIn, principal: Worker) -> Any:
    """Ask the reporter a question; they read it and answer with the receipt code."""
    message = tips_of(request).ask(principal, tip_id, body.text)
    return JSONResponse(TipMessageRead.model_validate(message).model_dump(mode="json"), status_code=201)


@router.post("/tips/{tip_id}/verdict", response_model=TipRead)
def verdict(request: Request, tip_id: int, body: TipVerdictIn, principal: Worker) -> TipRead:
    """Verified (a sample, warning or case) or not, with the reason; a sample outcome feeds the library."""
    data = VerdictInput(
        body.verdict,
        body.outcome,
        body.reason,
        body.fraud_type,
        body.reference,
        body.duplicate_of,
        body.person_id_number,
        body.person_phone,
    )
    return TipRead.model_validate(tips_of(request).verdict(principal, tip_id, data))


@router.post("/tips/{tip_id}/reward", response_model=TipRewardRead, status_code=201)
def decide_reward(request: Request, tip_id: int, body: TipRewardIn, principal: Worker) -> Any:
    """Art 38¶2: propose the reward of a verified tip, within the published standard."""
    reward = tips_of(request).decide_reward(principal, tip_id, body.amount, body.reason)
    return JSONResponse(TipRewardRead.model_validate(reward).model_dump(mode="json"), status_code=201)


@router.post("/tips/{tip_id}/reward/approval", response_model=TipRewardRead)
def approve_reward(
    request: Request, tip_id: int, body: TipRewardApprovalIn, principal: Approver
) -> TipRewardRead:
    """A commander approves or refuses the proposed reward."""
    reward = tips_of(request).approve_reward(principal, tip_id, body.approve, body.reason)
    return TipRewardRead.model_validate(reward)


@router.post("/tips/{tip_id}/reward/payment", response_model=TipRewardRead)
def pay(request: Request, tip_id: int, body: TipPaymentIn, principal: Worker) -> TipRewardRead:
    """Record the payment of a claimed reward."""
    return TipRewardRead.model_validate(tips_of(request).pay(principal, tip_id, body.reference))
