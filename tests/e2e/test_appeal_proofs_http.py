"""Art 34¶2 over HTTP: a person with a suspended number proves it by SMS code and appeals with a file."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.identity.domain import Role
from tests.factories import World, make_user
from tests.integration.test_disposal_service import PHONE, DisposalWorld, make_disposal_world

Login = Callable[[str], TestClient]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"photo-of-my-courier-badge" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


@pytest.fixture
def world(dw: DisposalWorld) -> World:
    """The e2e `login` fixture logs in the people of the disposal world."""
    return dw.base


def _denied(platform: Platform, action: str) -> int:
    with platform.sessions() as session:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.action == action, AuditRecord.result == "denied")
        )
        return len(list(rows))


def test_a_suspended_person_appeals_by_sms_code_with_a_png_and_the_deciding_unit_downloads_it(
    login: Login, client: TestClient, platform: Platform, dw: DisposalWorld
) -> None:
    analyst = login("analyst")
    sample = analyst.post(
        "/api/v1/samples", json={"kind": "phone", "value": PHONE, "fraud_type": "fake_customer_service"}
    ).json()["sample"]
    issued = analyst.post(
        "/api/v1/disposal/orders",
        json={"sample_id": sample["id"], "measure": "suspend", "reason": "一日内外呼陌生号码百余次"},
    )
    assert issued.status_code == 201, issued.text
    order_id = issued.json()["items"][0]["id"]
    done = login("cmccop").post(f"/api/v1/disposal/orders/{order_id}/receipt", json={"status": "executed"})
    assert done.status_code == 200, done.text
    # He lost the notice: he asks for a code for his number; a number without a measure gets the same answer.
    sent_before = len(dw.notifier.sent)
    mine = client.post("/api/v1/public/appeals/otp", json={"phone": PHONE})
    other = client.post("/api/v1/public/appeals/otp", json={"phone": "13912345678"})
    assert mine.status_code == other.status_code == 202
    assert mine.json() == other.json() and PHONE not in mine.text
    assert len(dw.notifier.sent) == sent_before + 1  # one SMS, to the restricted number only
    page = client.post("/appeal/otp", data={"phone": "13912345678"})  # the portal's form answers alike
    assert page.status_code == 202 and 'data-testid="otp-sent"' in page.text
    assert len(dw.notifier.sent) == sent_before + 1
    sms = dw.notifier.sent[-1]
    assert sms.recipient == "+86" + PHONE
    match = re.search(r"验证码 (\d{6})", sms.text)
    assert match is not None
    otp = match.group(1)
    # The portal form (multipart): phone and code, facts, reasons and a PNG; an EXE named .pdf is refused.
    form = {
        "phone": PHONE,
        "otp": otp,
        "facts": "我是快递员，每天需要给收件人打电话",
        "reasons": "正常工作使用",
    }
    refused = client.post("/appeal", data=form, files=[("files", ("工作证明.pdf", EXE, "application/pdf"))])
    assert refused.status_code == 422 and "files" in refused.text
    submitted = client.post("/appeal", data=form, files=[("files", ("快递员工作证.png", PNG, "image/png"))])
    assert submitted.status_code == 201, submitted.text
    number_match = re.search(r'data-testid="number">([A-Z0-9]+)<', submitted.text)
    assert number_match is not None
    number = number_match.group(1)
    assert 'data-testid="attached">1<' in submitted.text
    # He adds a PDF later by the JSON API with the appeal number he follows it by; an EXE is refused.
    bad = client.post(
        "/api/v1/public/appeals/attachments",
        data={"number": number},
        files=[("files", ("合同.pdf", EXE, "application/pdf"))],
    )
    assert bad.status_code == 422 and bad.json()["field"] == "files"
    assert bad.json()["message_zh"] and bad.json()["message_en"]
    added = client.post(
        "/api/v1/public/appeals/attachments",
        data={"number": number},
        files=[("files", ("劳动合同.pdf", b"%PDF-1.7\n" + b"contract " * 30, "application/pdf"))],
    )
    assert added.status_code == 201, added.text
    assert [a["media_type"] for a in added.json()["attachments"]] == ["application/pdf"]
    status = client.post("/api/v1/public/appeals/status", json={"number": number}).json()
    assert status["status"] == "submitted"
    # The deciding unit sees the files on the appeal and downloads the PNG.
    [queued] = analyst.get("/api/v1/appeals").json()
    detail = analyst.get(f"/api/v1/appeals/{queued['id']}").json()
    files = {a["name"]: a for a in detail["attachments"]}
    assert set(files) == {"快递员工作证.png", "劳动合同.pdf"}
    png = files["快递员工作证.png"]
    url = f"/api/v1/appeals/{queued['id']}/attachments/{png['id']}"
    download = analyst.get(url)
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    page = analyst.get(f"/appeals/{queued['id']}")
    assert page.status_code == 200 and "快递员工作证.png" in page.text
    console = analyst.get(f"/appeals/{queued['id']}/attachments/{png['id']}")
    assert console.status_code == 200 and console.content == PNG
    with platform.sessions() as session:
        downloads = session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "appeal.attachment.download", AuditRecord.result == "success"
            )
        ).all()
    assert len(downloads) == 2
    # Another county's police and the institution cannot; each refusal is audited.
    make_user(platform, "yanalyst", dw.base.county_y, Role.ANALYST)
    before = _denied(platform, "appeal.attachment.download")
    assert login("yanalyst").get(url).status_code == 404
    assert _denied(platform, "appeal.attachment.download") == before + 1
    assert login("cmccop").get(url).status_code == 403
    assert login("yanalyst").get(f"/appeals/{queued['id']}").status_code == 404
    # Nothing on the public side reveals the number.
    assert PHONE not in repr(status) and PHONE not in added.text


def test_the_portals_code_form_says_when_to_come_back(client: TestClient) -> None:
    asked = [client.post("/appeal/otp", data={"phone": "13912345678"}) for _ in range(4)]
    assert [r.status_code for r in asked] == [202, 202, 202, 429]  # 3 codes a number from one address an hour
    assert int(asked[-1].headers["Retry-After"]) >= 1 and "text/html" in asked[-1].headers["content-type"]
