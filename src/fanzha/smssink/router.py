"""The demo's SMS gateway (signed POSTs from the platform) and the page of messages received."""

from __future__ import annotations

import json
from typing import Annotated

from fanzha_client.webhooks import SIGNATURE_HEADER, verify
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from fanzha.core.errors import FanzhaError
from fanzha.disposal.notices import REQUEST_ID_HEADER
from fanzha.smssink.store import Inbox, Sms
from fanzha.web.deps import platform_of
from fanzha.web.templating import render

router = APIRouter(include_in_schema=False)
MAX_BODY = 8 * 1024  # an SMS is at most a few hundred characters


class BadSignature(FanzhaError):
    """The message was not signed with the sink's key."""

    code = "sms_sink_bad_signature"
    status = 401
    message_zh = "短信签名无效"
    message_en = "The message's signature is not valid"


class SmsSent(BaseModel):
    """What the sink answers: whether the message was new."""

    accepted: bool


class SmsShown(BaseModel):
    """One message on the sink's page and in its JSON twin."""

    received_at: str
    phone: str
    text: str


def inbox_of(request: Request) -> Inbox:
    """The inbox in the platform's data directory."""
    return Inbox(platform_of(request).settings.data_dir)


@router.post("/demo/sms/gateway")
async def receive(request: Request) -> SmsSent:
    """Take one signed SMS from the platform's HttpSmsGateway, as an operator's gateway would."""
    settings = platform_of(request).settings
    key = settings.sms_gateway_key.get_secret_value() if settings.sms_gateway_key else ""
    body = await request.body()
    if not key or len(body) > MAX_BODY or not verify(key, request.headers.get(SIGNATURE_HEADER, ""), body):
        raise BadSignature(field=SIGNATURE_HEADER)
    try:
        message = json.loads(body)
        sms = Sms(
            platform_of(request).clock.now(),
            str(message["phone"]),
            str(message["text"]),
            request.headers.get(REQUEST_ID_HEADER) or str(message["request_id"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise FanzhaError(
            "短信内容格式错误：需要 phone、text、request_id",
            "The message needs phone, text and request_id",
            field="body",
            code="validation_failed",
        ) from error
    return SmsSent(accepted=inbox_of(request).add(sms))


@router.get("/demo/sms", response_class=HTMLResponse)
def sms_page(request: Request, phone: Annotated[str | None, Query(max_length=32)] = None) -> HTMLResponse:
    """Every message the demo's phones received, newest first (only in the demo: it shows codes)."""
    return render(request, "smssink/inbox.html", messages=inbox_of(request).latest(phone=phone), phone=phone)


@router.get("/demo/sms.json")
def sms_list(request: Request, phone: Annotated[str | None, Query(max_length=32)] = None) -> list[SmsShown]:
    """The page's JSON twin."""
    return [
        SmsShown(received_at=m.received_at.isoformat(), phone=m.phone, text=m.text)
        for m in inbox_of(request).latest(phone=phone)
    ]
