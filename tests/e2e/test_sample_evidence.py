"""Evidence files on sample reports over HTTP: who may add and read them, typed by content, sealed at rest."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.samples.tables import SampleEvidence

Login = Callable[[str], TestClient]
CARD = {"kind": "bank_card", "value": "6222021234567890128", "fraud_type": "fake_investment"}


def png() -> bytes:
    """A 1 × 1 PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = chunk(b"IHDR", (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0]))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")


def upload(client: TestClient, sample_id: int, *files: tuple[str, bytes]) -> httpx.Response:
    """POST files to a sample's evidence."""
    parts = [("files", (name, data, "image/png")) for name, data in files]
    return client.post(f"/api/v1/samples/{sample_id}/evidence", files=parts)


def _evidence_rows(platform: Platform) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SampleEvidence)) or 0)


def _reported(bank: TestClient, value: str = CARD["value"]) -> int:
    answer = bank.post("/api/v1/samples", json={**CARD, "value": value})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["sample"]["id"])


def test_the_reporting_bank_adds_evidence_and_police_read_it(login: Login, platform: Platform) -> None:
    bank, other, analyst = login("aop"), login("bop"), login("analyst")
    sample_id = _reported(bank)
    image = png()
    added = upload(bank, sample_id, ("转账截图.PNG.exe", image))
    assert added.status_code == 201, added.text
    [row] = added.json()
    assert row["name"] == "转账截图.png" and row["media_type"] == "image/png" and row["size"] == len(image)

    listed = analyst.get(f"/api/v1/samples/{sample_id}/evidence").json()
    assert [item["id"] for item in listed] == [row["id"]]
    download = analyst.get(f"/api/v1/samples/{sample_id}/evidence/{row['id']}")
    assert download.status_code == 200 and download.content == image
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert bank.get(f"/api/v1/samples/{sample_id}/evidence/{row['id']}").content == image

    # Another bank neither adds nor reads; its attempts are refused and audited.
    assert upload(other, sample_id, ("x.png", image)).status_code in (403, 404)
    assert other.get(f"/api/v1/samples/{sample_id}/evidence").status_code in (403, 404)
    assert other.get(f"/api/v1/samples/{sample_id}/evidence/{row['id']}").status_code in (403, 404)
    assert _evidence_rows(platform) == 1
    evidence = AuditRecord.action.like("sample.evidence%")
    with platform.sessions() as session:
        actions = set(session.scalars(select(AuditRecord.action).where(evidence)))
        results = set(session.scalars(select(AuditRecord.result).where(evidence)))
    assert {"sample.evidence.add", "sample.evidence.download", "sample.evidence.list"} <= actions
    assert "denied" in results


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_kept(
    login: Login, platform: Platform
) -> None:
    bank = login("aop")
    sample_id = _reported(bank)
    fake = upload(bank, sample_id, ("ok.png", png()), ("photo.png", b"MZ\x90\x00 not an image"))
    assert fake.status_code == 422 and fake.json()["field"] == "files"
    too_many = upload(bank, sample_id, *[(f"{i}.png", png()) for i in range(6)])
    assert too_many.status_code == 422 and too_many.json()["field"] == "files"
    assert upload(bank, 999_999, ("a.png", png())).status_code == 404
    assert _evidence_rows(platform) == 0


def test_a_ciphertext_moved_to_another_sample_fails_to_open(login: Login, platform: Platform) -> None:
    bank, analyst = login("aop"), login("analyst")
    first, second = _reported(bank), _reported(bank, "6222021234567890136")
    row = upload(bank, first, ("a.png", png())).json()[0]
    with platform.sessions() as session:  # an insider with the database moves the file to another sample
        moved = update(SampleEvidence).where(SampleEvidence.id == row["id"]).values(sample_id=second)
        session.execute(moved)
        session.commit()
    opened = analyst.get(f"/api/v1/samples/{second}/evidence/{row['id']}")
    assert opened.status_code >= 400 and opened.content != png()


def test_the_console_detail_page_uploads_lists_and_opens_evidence(login: Login, platform: Platform) -> None:
    bank, other, analyst = login("aop"), login("bop"), login("analyst")
    sample_id = _reported(bank)
    page = bank.get(f"/samples/{sample_id}")
    assert "上传证据材料" in page.text and 'enctype="multipart/form-data"' in page.text
    form = {"csrf_token": str(bank.headers["X-CSRF-Token"])}
    posted = bank.post(
        f"/samples/{sample_id}/evidence",
        data=form,
        files=[("files", ("聊天记录.png", png(), "image/png"))],
        headers={"X-CSRF-Token": ""},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    listed = analyst.get(f"/samples/{sample_id}")
    [href] = re.findall(rf'href="(/samples/{sample_id}/evidence/\d+)"', listed.text)
    assert "聊天记录.png" in listed.text and analyst.get(href).content == png()
    refused = bank.post(
        f"/samples/{sample_id}/evidence",
        data=form,
        files=[("files", ("fake.png", b"plain text", "image/png"))],
        headers={"X-CSRF-Token": ""},
    )
    assert refused.status_code == 422 and "PNG" in refused.text and _evidence_rows(platform) == 1
    # Another bank sees the active sample but not its evidence, nor a form to add any.
    decision = {"csrf_token": str(analyst.headers["X-CSRF-Token"]), "reason": "核实"}
    confirmed = analyst.post(
        f"/samples/{sample_id}/confirm", data=decision, headers={"X-CSRF-Token": ""}, follow_redirects=False
    )
    assert confirmed.status_code == 303
    seen = other.get(f"/samples/{sample_id}")
    assert seen.status_code == 200 and "聊天记录.png" not in seen.text and "上传证据材料" not in seen.text
    assert other.get(f"/api/v1/samples/{sample_id}/evidence").json() == []  # its own files: none
    assert other.get(href.replace("/samples/", "/api/v1/samples/", 1)).status_code == 404
    assert upload(other, sample_id, ("x.png", png())).status_code == 403
