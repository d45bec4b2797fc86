"""HTTP API of the holdings register: institutions upload, list and delete their own declarations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from fanzha.core.errors import ValidationFailed
from fanzha.disposal.holdings import MAX_ROWS, HoldingRow, HoldingsService, UploadReport, parse_csv
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Permission, Principal
from fanzha.web import limits
from fanzha.web.deps import authorize, platform_of

router = APIRouter(prefix="/api/v1/holdings", tags=["disposal"])
Holder = Annotated[Principal, Depends(authorize(Permission.HOLDING_MANAGE))]
MAX_JSON_ITEMS = 10_000
MAX_CSV_BYTES = 16 * 1024 * 1024


class HoldingIn(BaseModel):
    """One declaration: the object the institution serves and its holder's resident ID number."""

    model_config = ConfigDict(extra="forbid")

    # Strings, not enums: a bad kind is refused by the service naming its item (items.3.kind).
    kind: str = Field(max_length=32, description="phone | bank_card | payment_account | internet_account")
    value: str = Field(max_length=2048)
    holder_id: str = Field(max_length=32, description="居民身份证号 / resident ID number")
    holder_phone: str = Field(
        default="",
        max_length=32,
        description="持有人预留手机号（告知书发送至此）/ the holder's registered phone",
    )


class HoldingUpload(BaseModel):
    """Declarations in bulk; all are written or, with the first bad item, none."""

    model_config = ConfigDict(extra="forbid")

    items: list[HoldingIn] = Field(min_length=1, max_length=MAX_JSON_ITEMS)


class UploadRead(BaseModel):
    """What an upload changed."""

    received: int
    created: int
    updated: int
    unchanged: int


class HoldingRead(BaseModel):
    """A declaration as its institution sees it: masks and tokens, never the raw values."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    object_kind: str
    object_token: str
    object_masked: str
    holder_token: str
    holder_masked: str
    created_at: datetime
    updated_at: datetime


class HoldingPage(BaseModel):
    """A page of declarations, newest first; `next_cursor` goes in `before`."""

    items: list[HoldingRead]
    next_cursor: int | None


def holdings_of(request: Request) -> HoldingsService:
    """The holdings service wired into this app."""
    service = platform_of(request).holdings
    assert service is not None, "build_platform wires holdings"
    return service


def _read(report: UploadReport) -> UploadRead:
    return UploadRead(
        received=report.received, created=report.created, updated=report.updated, unchanged=report.unchanged
    )


@router.post("", response_model=UploadRead, openapi_extra=limits.declare(body=4 * limits.MiB))
def upload(request: Request, body: HoldingUpload, principal: Holder) -> UploadRead:
    """Declare holders of the caller's objects (upsert: repeating an upload changes nothing)."""
    rows = [
        HoldingRow(i.kind, i.value, i.holder_id, f"items.{n}", i.holder_phone)
        for n, i in enumerate(body.items)
    ]
    return _read(holdings_of(request).upload(principal, rows))


@router.post("/csv", response_model=UploadRead, openapi_extra=limits.declare(body=MAX_CSV_BYTES + limits.MiB))
async def upload_csv(request: Request, principal: Holder, file: Annotated[UploadFile, File()]) -> UploadRead:
    """The same from a CSV file with columns kind, value, holder_id (errors name the line)."""
    data = await file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise ValidationFailed(
            f"文件不能超过 {MAX_CSV_BYTES // 1024 // 1024} MB（至多 {MAX_ROWS} 行）",
            f"The file may not exceed {MAX_CSV_BYTES // 1024 // 1024} MB ({MAX_ROWS} rows)",
            field="file",
        )
    return _read(holdings_of(request).upload(principal, parse_csv(data)))


@router.get("", response_model=HoldingPage)
def search(
    request: Request,
    principal: Holder,
    kind: IdentifierKind | None = None,
    holder_token: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> HoldingPage:
    """The caller's own declarations, newest first; `holder_token` finds one person's (audited)."""
    rows = holdings_of(request).search(
        principal, kind=kind, holder_token=holder_token, before=before, limit=limit
    )
    return HoldingPage(
        items=[HoldingRead.model_validate(r) for r in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )


@router.delete("/{holding_id}", status_code=204, response_class=Response)
def delete(request: Request, holding_id: int, principal: Holder) -> Response:
    """Withdraw one of the caller's declarations; a repeat answers alike, another's is not found."""
    holdings_of(request).withdraw(principal, holding_id)
    return Response(status_code=204)
