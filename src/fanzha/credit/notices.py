"""The written notice of a listing: basis, term, measures, the right to appeal (Art 29¶2), PDF and SMS."""

from __future__ import annotations

import html
import json
import secrets
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from fanzha.core.errors import Conflict
from fanzha.credit import domain
from fanzha.credit.domain import Ground, ListingStatus
from fanzha.credit.tables import Listing, ListingOrder
from fanzha.db import appends
from fanzha.db.engine import reserve_ids
from fanzha.disposal.domain import CODE_SLOT, render_notice
from fanzha.disposal.notices import OutgoingNotice
from fanzha.disposal.release import _recipients, appeal_code, code_hash, send_notices
from fanzha.disposal.tables import Notice, Order
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import Principal
from fanzha.identity.service import actor_of
from fanzha.identity.tables import Organisation

if TYPE_CHECKING:
    from fanzha.credit.service import ListingCore

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _date(listing: Listing) -> str:
    assert listing.ends_at is not None
    return f"{listing.ends_at.astimezone(SHANGHAI):%Y年%m月%d日}"


def notice_text(listing: Listing, unit: str) -> str:
    """The SMS form of the notice: who decided, why, until when, what follows, and how to appeal."""
    ground = domain.GROUND_LABELS[Ground(listing.ground)][0]
    return (
        f"【湖南反诈】您（{listing.subject_masked}）经{unit}依据《湖南省实施〈反电信网络诈骗法〉若干规定》"
        f"第二十九条和{domain.MEASURES_ACT}认定，因{ground}，列入严重失信主体名单，惩戒至{_date(listing)}。"
        f"期间银行非柜面出金、支付账户业务、新开卡开户、电话卡（保留一张基本通信卡）和互联网账号风险功能受限，"
        f"税费、社保、水电煤气代扣照常办理。如有异议，可凭申诉码 {CODE_SLOT} 登录反诈平台公众门户提出申诉"
        f"（第二十九条第二款）。"
    )


def write_listing_notice(core: ListingCore, session: Session, listing: Listing) -> OutgoingNotice | None:
    """Write the listing's notice beside its first measure order (the appeal code's anchor); the SMS to send.

    A person whose accounts no institution declared gets the written notice (PDF) only: the appeal code
    needs an order to anchor to, so without one the notice says to appeal at the deciding unit.
    """
    first = session.scalar(
        select(ListingOrder.order_id)
        .where(ListingOrder.listing_id == listing.id, ListingOrder.role == "measure")
        .order_by(ListingOrder.id)
        .limit(1)
    )
    if first is None:
        return None
    order = session.get(Order, first)
    assert order is not None
    unit = session.get(Organisation, listing.deciding_org_id)
    text = notice_text(listing, unit.name_zh if unit is not None else "")
    contacts = _recipients(
        session, [{"object_kind": IdentifierKind.RESIDENT_ID.value, "object_token": listing.subject_token}]
    )
    phone_token, phone_ciphertext = contacts.get(listing.subject_token, ("", None))
    salt = secrets.token_hex(8)
    notice_id = reserve_ids(session, cast(Table, Notice.__table__), 1)[0]
    now = core.clock.now()
    appends.insert_now(
        session,
        Notice,
        [
            {
                "id": notice_id,
                "order_id": order.id,
                "issuer_org_id": listing.deciding_org_id,
                "object_kind": IdentifierKind.RESIDENT_ID.value,
                "object_token": listing.subject_token,
                "code_hash": code_hash(appeal_code(core.disposal, salt)),
                "code_salt": salt,
                "text": text,
                # "letter": the written notice; its SMS goes now, not on an order's execution.
                "channel": "letter",
                "recipient_token": phone_token,
                "recipient_ciphertext": phone_ciphertext,
                "created_at": now,
                "sent_at": None,
                "delivered_by": "",
            }
        ],
    )
    listing.notice_id = notice_id
    if phone_ciphertext is None:
        return None
    phone = core.vault.decrypt(IdentifierKind.PHONE, phone_token, phone_ciphertext).value
    return OutgoingNotice(notice_id, "sms", phone, render_notice(text, appeal_code(core.disposal, salt)))


def send_listing_notice(core: ListingCore, notice: OutgoingNotice) -> None:
    """Send after commit; a gateway failure leaves sent_at empty (the written notice still stands)."""
    send_notices(core.disposal, [notice])


def _row(label: str, value: str) -> str:
    return f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"


def notice_pdf(core: ListingCore, principal: Principal, listing_id: int) -> bytes:
    """The written notice (联合惩戒告知书) as a PDF with Chinese fonts; audited (personal information)."""
    from fanzha.web.pdf import render_pdf

    with core.identity.guarded(principal), core.disposal.uow() as uow:
        session = uow.session
        listing = core.visible(session, principal, listing_id, "credit.notice")
        if ListingStatus(listing.status) is ListingStatus.PENDING or listing.ends_at is None:
            raise Conflict(
                "名单尚未批准，不能出具告知书", "The listing is not approved yet", field="listing_id"
            )
        unit = session.get(Organisation, listing.deciding_org_id)
        unit_name = unit.name_zh if unit is not None else ""
        notice = session.get(Notice, listing.notice_id) if listing.notice_id else None
        code = appeal_code(core.disposal, notice.code_salt) if notice and notice.code_salt else ""
        core.audit.record(
            session,
            actor_of(principal),
            "credit.notice",
            object_type="credit_listing",
            object_id=listing.id,
            source_ip=principal.source_ip,
        )
        uow.commit()
    measures = "".join(f"<li>{html.escape(zh)}</li>" for zh, _ in domain.MEASURE_TEXTS.values())
    measures += (
        f"<li>{html.escape(domain.NO_NEW_BUSINESS[0])}</li><li>{html.escape(domain.CREDIT_SHARING[0])}</li>"
    )
    appeal = domain.APPEAL_RIGHT[0] + (f"申诉码：{code}。" if code else f"请向{unit_name}提出。")
    evidence = "；".join(json.loads(listing.evidence))
    body = (
        "<h1>联合惩戒告知书</h1>"
        f"<p>编号：{html.escape(listing.number)}</p>"
        "<table>"
        + _row("惩戒对象", f"{listing.subject_name} {listing.subject_masked}".strip())
        + _row("认定单位", unit_name)
        + _row("认定情形", domain.GROUND_LABELS[Ground(listing.ground)][0])
        + _row("认定事实", listing.basis)
        + _row("证据", evidence)
        + _row(
            "依据",
            f"《湖南省实施〈反电信网络诈骗法〉若干规定》第二十九条；《中华人民共和国反电信网络诈骗法》"
            f"第三十一条第二款；{domain.MEASURES_ACT}第三条",
        )
        + _row(
            "惩戒期限",
            f"{listing.starts_at.astimezone(SHANGHAI):%Y年%m月%d日} 至 {_date(listing)}"
            if listing.starts_at
            else _date(listing),
        )
        + "</table>"
        f"<h2>惩戒措施</h2><ul>{measures}</ul>"
        f"<h2>申诉权利</h2><p>{html.escape(appeal)}</p>"
        f"<p>{html.escape(unit_name)}</p>"
    )
    return render_pdf(f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>")
