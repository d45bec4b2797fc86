"""Console pages of the sample library: search, detail, publish, import, queue, subscriptions, stats."""

from __future__ import annotations

from typing import Annotated, Any

from fanzha_client.webhooks import standard_secret
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from fanzha.appeals.attachments import MAX_BYTES, MAX_FILES, check_file
from fanzha.appeals.router import attachment_response
from fanzha.core.errors import FanzhaError, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.disposal.domain import MEASURE_LABELS
from fanzha.identifiers import KIND_LABELS, normalise
from fanzha.identity.domain import Permission, Principal
from fanzha.identity.tables import Organisation
from fanzha.samples.delivery import replay
from fanzha.samples.domain import FRAUD_TYPE_LABELS, RISK_LABELS, STATUS_LABELS
from fanzha.samples.evidence import evidence_of
from fanzha.samples.router import EVIDENCE_BYTES, IMPORT_BYTES
from fanzha.samples.schemas import PublicCheck, SamplePublish
from fanzha.samples.tables import Sample
from fanzha.samples.timeline import story_of
from fanzha.web import limits
from fanzha.web.deps import authorize, client_ip, platform_of
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(authorize(Permission.SAMPLE_READ))]
Publisher = Annotated[Principal, Depends(authorize(Permission.SAMPLE_PUBLISH))]
Decider = Annotated[Principal, Depends(authorize(Permission.SAMPLE_DECIDE))]
Subscriber = Annotated[Principal, Depends(authorize(Permission.SUBSCRIPTION_MANAGE))]
PAGE = 50

LABELS: dict[str, Any] = {
    "kinds": KIND_LABELS,
    "fraud_types": FRAUD_TYPE_LABELS,
    "statuses": STATUS_LABELS,
    "risks": RISK_LABELS,
}


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return render(request, name, status_code, **LABELS, **context)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token" and v != ""}


@router.get("/samples", response_class=HTMLResponse)
def search(request: Request, principal: Reader) -> HTMLResponse:
    """Search by kind, status, type, or by the identifier itself (matched by token)."""
    q = request.query_params
    platform = platform_of(request)
    error, token = None, None
    if q.get("value") and q.get("kind"):
        try:
            token = platform.samples.vault.token(normalise(q["kind"], q["value"]))
        except FanzhaError as failure:
            error = failure
    before = q.get("before", "")
    rows = (
        []
        if error
        else platform.samples.search(
            principal,
            kind=q.get("kind") or None,
            status=q.get("status") or None,
            fraud_type=q.get("fraud_type") or None,
            token=token,
            before=int(before) if before.isdigit() else None,
            limit=PAGE,
        )
    )
    query = "&".join(f"{k}={v}" for k, v in q.items() if k != "before" and v)
    return _page(
        request,
        "samples/search.html",
        rows=rows,
        q=q,
        error=error,
        query=query,
        next_cursor=rows[-1].id if len(rows) == PAGE else None,
    )


@router.get("/samples/new", response_class=HTMLResponse)
def new(request: Request, principal: Publisher) -> HTMLResponse:
    """The publish form and the bulk-import form."""
    return _page(request, "samples/new.html", form={}, error=None, report=None)


@router.post("/samples/new", response_class=HTMLResponse)
async def publish(request: Request, principal: Publisher) -> Response:
    """Publish one sample from the form."""
    fields = await _form(request)
    try:
        data = SamplePublish.model_validate(fields)
        sample, _created = platform_of(request).samples.publish(principal, data)
    except ValidationError as wrong:
        error = invalid(wrong)
        return _page(request, "samples/new.html", form=fields, error=error, report=None, status_code=422)
    except FanzhaError as failure:
        return _page(
            request, "samples/new.html", form=fields, error=failure, report=None, status_code=failure.status
        )
    return RedirectResponse(f"/samples/{sample.id}", status_code=303)


@router.post("/samples/import", response_class=HTMLResponse, openapi_extra=limits.declare(body=IMPORT_BYTES))
async def bulk_import(request: Request, principal: Publisher) -> HTMLResponse:
    """Import a file; the report lists every bad row by line."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        error = ValidationFailed("请选择文件", "Choose a file", field="file")
        return _page(request, "samples/new.html", form={}, error=error, report=None, status_code=422)
    report = platform_of(request).bulk.run(principal, await upload.read(), upload.filename or "upload.csv")
    return _page(
        request, "samples/new.html", form={}, error=None, report=report, status_code=200 if report.ok else 422
    )


@router.get("/samples/queue", response_class=HTMLResponse)
def queue(request: Request, principal: Decider) -> HTMLResponse:
    """Institutions' reports waiting for police confirmation."""
    rows = platform_of(request).samples.search(principal, status="pending", limit=200)
    return _page(request, "samples/queue.html", rows=rows)


@router.get("/samples/stats", response_class=HTMLResponse)
def stats(request: Request, principal: Reader) -> HTMLResponse:
    """Active samples by kind, type, city and month."""
    active = Sample.status == "active"
    with platform_of(request).sessions() as session:

        def grouped(column: Any) -> list[tuple[Any, int]]:
            return [
                (k, int(n))
                for k, n in session.execute(
                    select(column, func.count()).where(active).group_by(column).order_by(func.count().desc())
                )
            ]

        month = func.substr(func.cast(Sample.first_seen, type_=Sample.kind.type), 1, 7)
        data = {
            "by_kind": grouped(Sample.kind),
            "by_type": grouped(Sample.fraud_type),
            "by_city": grouped(func.substr(Sample.region_code, 1, 4)),
            "by_month": sorted(grouped(month)),
            "by_status": [
                (k, int(n))
                for k, n in session.execute(select(Sample.status, func.count()).group_by(Sample.status))
            ],
        }
    return _page(request, "samples/stats.html", data=data)


@router.get("/samples/subscriptions", response_class=HTMLResponse)
def subscriptions(request: Request, principal: Subscriber) -> HTMLResponse:
    """The organisation's subscriptions and their delivery health."""
    return _page(
        request,
        "samples/subscriptions.html",
        health=platform_of(request).subscriptions.health(principal),
        secret=None,
        standard=None,
        error=None,
    )


@router.post("/samples/subscriptions", response_class=HTMLResponse)
async def subscribe(request: Request, principal: Subscriber) -> HTMLResponse:
    """Create a subscription from the form; the webhook secret shows once."""
    form = await request.form()
    kinds = [k for k in form.getlist("kinds") if isinstance(k, str)]
    platform = platform_of(request)
    secret, error = None, None
    try:
        _sub, secret = platform.subscriptions.create(
            principal, kinds, str(form.get("region_prefix", "")), str(form.get("webhook_url", ""))
        )
    except FanzhaError as failure:
        error = failure
    return _page(
        request,
        "samples/subscriptions.html",
        health=platform.subscriptions.health(principal),
        secret=secret,
        standard=standard_secret(secret) if secret else None,
        error=error,
    )


@router.get("/samples/subscriptions/{subscription_id}/dead-letters", response_class=HTMLResponse)
def dead_letters(request: Request, subscription_id: int, principal: Subscriber) -> HTMLResponse:
    """Events a receiver kept refusing, each with a replay button."""
    letters = platform_of(request).subscriptions.dead_letters(principal, subscription_id)
    return _page(
        request, "samples/dead_letters.html", letters=letters, subscription_id=subscription_id, error=None
    )


@router.post("/samples/dead-letters/{dead_letter_id}/replay", response_class=HTMLResponse)
async def replay_dead_letter(request: Request, dead_letter_id: int, principal: Subscriber) -> Response:
    """Replay one dead letter from the console."""
    platform = platform_of(request)
    subscription_id = int((await _form(request)).get("subscription_id", "0") or 0)
    try:
        await replay(platform, principal, dead_letter_id)
    except FanzhaError as failure:
        letters = platform.subscriptions.dead_letters(principal, subscription_id)
        return _page(
            request,
            "samples/dead_letters.html",
            letters=letters,
            subscription_id=subscription_id,
            error=failure,
            status_code=failure.status,
        )
    return RedirectResponse(f"/samples/subscriptions/{subscription_id}/dead-letters", status_code=303)


@router.get("/samples/{sample_id}", response_class=HTMLResponse)
def detail(request: Request, sample_id: int, principal: Reader) -> HTMLResponse:
    """A sample's facts, sources, sightings and history; police may reveal the raw value."""
    return _detail_page(request, principal, sample_id, reveal=request.query_params.get("reveal") == "1")


def _detail_page(
    request: Request,
    principal: Principal,
    sample_id: int,
    reveal: bool = False,
    error: FanzhaError | None = None,
) -> HTMLResponse:
    """The detail page, also re-shown with the error when a decision is refused."""
    sample, extra = platform_of(request).samples.get(principal, sample_id, reveal)
    # Evidence is for police and the organisations that reported the sample (their own files).
    reported = principal.org_kind.is_police or bool(extra["sources"])
    evidence = evidence_of(platform_of(request)).listing(principal, sample_id) if reported else []
    names = _org_names(request)
    with platform_of(request).sessions() as session:
        story = story_of(session, principal, sample_id, names)
    return _page(
        request, "samples/detail.html", sample=sample, **extra, error=error, orgs=names, story=story,
        measures=MEASURE_LABELS, evidence=evidence, status_code=error.status if error else 200,
        may_add_evidence=reported and principal.can(Permission.SAMPLE_PUBLISH),
    )  # fmt: skip


def _org_names(request: Request) -> dict[int, str]:
    """Names for the organisation ids on a page (the directory is not private)."""
    with platform_of(request).sessions() as session:
        return {
            org_id: name for org_id, name in session.execute(select(Organisation.id, Organisation.name_zh))
        }


@router.post(
    "/samples/{sample_id}/evidence",
    response_class=HTMLResponse,
    openapi_extra=limits.declare(body=EVIDENCE_BYTES),
)
async def add_evidence(request: Request, sample_id: int, principal: Publisher) -> Response:
    """Upload evidence files from the detail page; a refusal re-shows the page with the reason."""
    form = await request.form()
    uploads = [u for u in form.getlist("files") if not isinstance(u, str) and (u.filename or u.size)]
    try:
        if len(uploads) > MAX_FILES:
            raise ValidationFailed(
                f"一次最多上传 {MAX_FILES} 个文件", f"At most {MAX_FILES} files at a time", field="files"
            )
        checked = [check_file(u.filename or "", await u.read(MAX_BYTES + 1)) for u in uploads]
        evidence_of(platform_of(request)).add(principal, sample_id, checked)
    except FanzhaError as failure:
        return _detail_page(request, principal, sample_id, error=failure)
    return RedirectResponse(f"/samples/{sample_id}", status_code=303)


@router.get("/samples/{sample_id}/evidence/{evidence_id}")
def download_evidence(request: Request, sample_id: int, evidence_id: int, principal: Reader) -> Response:
    """Download one evidence file (decrypted, never rendered); each download is audited."""
    row, data = evidence_of(platform_of(request)).download(principal, sample_id, evidence_id)
    return attachment_response(row, data)


@router.post("/samples/{sample_id}/{action}", response_class=HTMLResponse)
async def decide(request: Request, sample_id: int, action: str, principal: Decider) -> Response:
    """Confirm, reject or revoke from the detail page."""
    reason = (await _form(request)).get("reason", "")
    samples = platform_of(request).samples
    try:
        if len(reason) < 2:
            raise ValidationFailed("请填写理由", "Give a reason", field="reason")
        if action == "revoke":
            samples.revoke(principal, sample_id, reason)
        elif action in ("confirm", "reject"):
            samples.decide(principal, sample_id, action == "confirm", reason)
        else:
            raise ValidationFailed("未知操作", "Unknown action", field="action")
    except FanzhaError as failure:
        return _detail_page(request, principal, sample_id, error=failure)
    return RedirectResponse(f"/samples/{sample_id}", status_code=303)


# The public risk check (issue 20 item 7): the same coarse answer as POST /api/v1/public/check, as a page.
CHECK_KINDS = ("phone", "bank_card", "payment_account", "url", "domain", "wallet")


def _check_page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    values: dict[str, Any] = {"form": {}, "answer": None, "error": None, "kinds": KIND_LABELS}
    return render(request, "samples/check.html", status_code, check_kinds=CHECK_KINDS, **(values | context))


@router.get("/check", response_class=HTMLResponse)
def check_form(request: Request) -> HTMLResponse:
    """Anyone checks a number, card, account, address or wallet before paying or calling back."""
    return _check_page(request)


@router.post("/check", response_class=HTMLResponse, openapi_extra=limits.declare(rate=("check",)))
async def check(request: Request) -> HTMLResponse:
    """The answer: a level and advice only, never what the sample is (rate-limited per client)."""
    form = await request.form()
    fields = {k: v.strip() for k, v in form.items() if isinstance(v, str) and k in ("kind", "value")}
    try:
        data = PublicCheck.model_validate(fields)
        answer = platform_of(request).lookup.public_check(data.kind, data.value, client_ip(request))
    except ValidationError as wrong:
        return _check_page(request, 422, form=fields, error=invalid(wrong))
    except FanzhaError as failure:
        return _check_page(request, failure.status, form=fields, error=failure)
    return _check_page(request, form=fields, answer=answer)
