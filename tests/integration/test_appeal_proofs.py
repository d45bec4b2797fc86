"""Art 34¶2 proofs on SQLite and PostgreSQL: an SMS code for the number, and encrypted attachments."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import re
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from fanzha.appeals.attachments import (
    MAX_BYTES,
    SIGNATURES,
    AttachmentStore,
    CheckedFile,
    attachments_of,
    check_count,
    check_file,
    clean_name,
    sniff,
    typed_name,
)
from fanzha.appeals.otp import OTP_MAX_ATTEMPTS, OtpRateLimited
from fanzha.appeals.router import attachment_response
from fanzha.appeals.service import AppealService
from fanzha.appeals.tables import Appeal, AppealAttachment, AppealOtp
from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, NotFound, ValidationFailed
from fanzha.disposal.domain import Measure, OrderStatus
from fanzha.disposal.schemas import ReceiptCreate
from fanzha.disposal.tables import Order
from fanzha.identity.domain import Role
from tests.factories import make_user
from tests.integration.test_disposal_service import (
    PHONE,
    DisposalWorld,
    disposal_of,
    make_disposal_world,
    sampled,
)

migration = importlib.import_module("fanzha.db.migrations.versions.0012_votes_and_typed_names")
FACTS, REASONS = "我是快递员，每天给客户打电话", "正常工作使用"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"secret-scan-of-my-work-permit" * 50
PDF = b"%PDF-1.7\n" + b"labour contract of the appellant " * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
OTHER_PHONE = "13912345678"  # no measure on it


@pytest.fixture
def dw(platform: Platform) -> DisposalWorld:
    return make_disposal_world(platform)


def appeals_of(platform: Platform) -> AppealService:
    assert platform.appeals is not None
    return platform.appeals


def suspended(platform: Platform, dw: DisposalWorld) -> Order:
    """The operator suspended the number and the person got the notice (Art 34¶1)."""
    service = disposal_of(platform)
    police = dw.base.analyst
    [issued] = service.issue(police.principal, sampled(platform, police, "phone", PHONE, Measure.SUSPEND))
    return service.receipt(dw.cmcc.principal, issued.id, ReceiptCreate(status=OrderStatus.EXECUTED))


def sms_code(dw: DisposalWorld) -> str:
    """The six digits of the last SMS code the notifier was given."""
    match = re.search(r"验证码 (\d{6})", dw.notifier.sent[-1].text)
    assert match is not None, dw.notifier.sent[-1].text
    return match.group(1)


def audits(platform: Platform, action: str) -> list[AuditRecord]:
    with platform.sessions() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def count(platform: Platform, model: type[object]) -> int:
    with platform.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# Proof by phone ---------------------------------------------------------------------------------


def test_a_code_by_sms_proves_the_number_and_the_appeal_covers_its_object(
    platform: Platform, dw: DisposalWorld, caplog: pytest.LogCaptureFixture
) -> None:
    executed = suspended(platform, dw)
    service = appeals_of(platform)
    caplog.set_level(logging.DEBUG)
    service.phone.issue(PHONE, "10.1.1.1")
    sms = dw.notifier.sent[-1]
    assert sms.channel == "sms" and sms.recipient == "+86" + PHONE
    code = sms_code(dw)
    with platform.sessions() as session:
        [challenge] = session.scalars(select(AppealOtp)).all()
    assert challenge.object_token == executed.object_token and challenge.attempts == 0
    assert code not in (challenge.code_hash, challenge.salt)  # only a salted hash is kept
    assert challenge.expires_at == platform.clock.now() + timedelta(minutes=10)
    appeal = service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=code)
    assert appeal.object_token == executed.object_token
    assert appeal.deciding_org_id == dw.base.county_x.id and appeal.object_masked.endswith("5678")
    # The same object as the notice's code: one open appeal covers every measure on it.
    notice_code = re.search(r"申诉码 ([A-Z0-9]+)", dw.notifier.sent[0].text)
    assert notice_code is not None
    with pytest.raises(Conflict):
        service.submit(notice_code.group(1), FACTS, REASONS, [], "10.1.1.1")
    # A code serves once.
    with pytest.raises(ValidationFailed) as reused:
        service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=code)
    assert reused.value.field == "otp"
    issued, verified = audits(platform, "appeal.otp.issue"), audits(platform, "appeal.otp.verify")
    assert [r.result for r in issued] == ["success"]
    assert [r.result for r in verified] == ["success", "failed"]
    for record in [*issued, *verified, *audits(platform, "appeal.submit")]:
        written = f"{record.object_id} {record.detail}"
        assert code not in written and PHONE not in written and PHONE[-8:] not in written
        assert record.object_type != "phone" or record.object_id == executed.object_token
    assert code not in caplog.text and PHONE not in caplog.text


def test_the_answer_is_the_same_for_a_number_without_a_measure(platform: Platform, dw: DisposalWorld) -> None:
    suspended(platform, dw)
    service = appeals_of(platform)
    before = len(dw.notifier.sent)
    service.phone.issue(OTHER_PHONE, "10.1.1.1")  # answers nothing either way
    assert len(dw.notifier.sent) == before and count(platform, AppealOtp) == 0  # nothing sent or kept
    [record] = audits(platform, "appeal.otp.issue")
    assert json.loads(record.detail)["sent"] is False
    with pytest.raises(ValidationFailed) as refused:
        service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=OTHER_PHONE, otp="123456")
    assert refused.value.field == "otp"
    # A measure ordered but not executed yet is not "in force on the number" for this proof.
    police = dw.base.analyst
    disposal_of(platform).issue(
        police.principal, sampled(platform, police, "phone", "13812340000", Measure.SUSPEND)
    )
    before = len(dw.notifier.sent)
    service.phone.issue("13812340000", "10.1.1.1")
    assert len(dw.notifier.sent) == before
    with pytest.raises(ValidationFailed) as neither:
        service.submit(None, FACTS, REASONS, [], "10.1.1.1")
    assert neither.value.field == "code"
    with pytest.raises(ValidationFailed) as both:
        service.submit("ABCDEFGHJK", FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp="123456")
    assert both.value.field == "code"
    with pytest.raises(ValidationFailed):
        service.phone.issue("not a phone", "10.1.1.1")


def test_a_code_expires_after_ten_minutes_and_a_new_one_replaces_the_old(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    suspended(platform, dw)
    service = appeals_of(platform)
    service.phone.issue(PHONE, "10.1.1.1")
    first = sms_code(dw)
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(ValidationFailed):
        service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=first)
    assert json.loads(audits(platform, "appeal.otp.verify")[-1].detail)["reason"] == "expired"
    service.phone.issue(PHONE, "10.1.1.1")
    second = sms_code(dw)
    service.phone.issue(PHONE, "10.1.1.1")
    third = sms_code(dw)
    if second != third:
        with pytest.raises(ValidationFailed):  # replaced by the newer code
            service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=second)
    assert service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=third).id


def test_five_wrong_tries_end_a_code(platform: Platform, dw: DisposalWorld) -> None:
    suspended(platform, dw)
    service = appeals_of(platform)
    service.phone.issue(PHONE, "10.1.1.1")
    code = sms_code(dw)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(OTP_MAX_ATTEMPTS):
        with pytest.raises(ValidationFailed):
            service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=wrong)
    with pytest.raises(ValidationFailed):  # the right code, too late
        service.submit(None, FACTS, REASONS, [], "10.1.1.1", phone=PHONE, otp=code)
    with platform.sessions() as session:
        assert session.scalars(select(AppealOtp)).one().attempts == OTP_MAX_ATTEMPTS
    reasons = [json.loads(r.detail)["reason"] for r in audits(platform, "appeal.otp.verify")]
    assert reasons == ["wrong"] * OTP_MAX_ATTEMPTS + ["exhausted"]
    assert count(platform, Appeal) == 0


def test_codes_are_limited_per_address_per_number_and_address_and_briefly_per_number(
    platform: Platform, dw: DisposalWorld, clock: FrozenClock
) -> None:
    suspended(platform, dw)
    service = appeals_of(platform)
    sent = len(dw.notifier.sent)
    for i, number in enumerate((PHONE, OTHER_PHONE)):  # the same limits whether or not a measure is in force
        # Three strangers asking for the number no longer lock its owner out for an hour.
        for n in range(3):
            service.phone.issue(number, f"10.3.{i}.{n}")
        service.phone.issue(number, f"10.4.{i}.1")  # the owner, at once
        service.phone.issue(number, f"10.4.{i}.2")
        # Five in ten minutes, from anywhere, and the number waits: minutes, not an hour.
        with pytest.raises(OtpRateLimited) as briefly:
            service.phone.issue(number, f"10.4.{i}.3")
        assert briefly.value.field == "phone" and 0 < briefly.value.retry_after <= 601
        clock.advance(timedelta(minutes=10, seconds=1))
        service.phone.issue(number, f"10.4.{i}.3")
        # One address asks for one number three times an hour at most.
        for _ in range(3):
            service.phone.issue(number, f"10.5.{i}.1")
        with pytest.raises(OtpRateLimited) as pair:
            service.phone.issue(number, f"10.5.{i}.1")
        assert pair.value.field == "phone"
    assert len(dw.notifier.sent) - sent == 9  # a code to the restricted number for each request accepted
    for n in range(10):
        service.phone.issue(f"1370000{n:04d}", "10.2.2.2")
    with pytest.raises(OtpRateLimited) as per_client:
        service.phone.issue("13700009999", "10.2.2.2")
    assert per_client.value.field == "client"


# Attachments ------------------------------------------------------------------------------------


def store_of(platform: Platform) -> AttachmentStore:
    return attachments_of(platform)


def appealed(platform: Platform, dw: DisposalWorld) -> Appeal:
    suspended(platform, dw)
    match = re.search(r"申诉码 ([A-Z0-9]+)", dw.notifier.sent[-1].text)
    assert match is not None
    return appeals_of(platform).submit(match.group(1), FACTS, REASONS, [], "10.1.1.1")


def test_types_are_told_by_magic_bytes_and_a_refused_file_stores_nothing(
    platform: Platform, dw: DisposalWorld
) -> None:
    suspended(platform, dw)
    match = re.search(r"申诉码 ([A-Z0-9]+)", dw.notifier.sent[-1].text)
    assert match is not None
    store = store_of(platform)
    with pytest.raises(ValidationFailed) as refused:
        check_file("工作证明.pdf", EXE)  # an EXE named .pdf
    assert refused.value.field == "files"
    assert "PDF" in refused.value.message_zh and "not a PDF, JPEG or PNG" in refused.value.message_en

    def attach_exe(session, appeal):  # type: ignore[no-untyped-def]
        return store.seal(session, appeal, [check_file("工作证明.pdf", EXE)], "10.1.1.1")

    with pytest.raises(ValidationFailed):
        appeals_of(platform).submit(match.group(1), FACTS, REASONS, [], "10.1.1.1", attach=attach_exe)
    assert count(platform, AppealAttachment) == 0 and count(platform, Appeal) == 0  # nothing at all
    assert check_file("scan.png", b"\xff\xd8\xff\xe0" + b"jfif").media_type == "image/jpeg"  # name ignored
    assert check_file("x.txt", PDF).media_type == "application/pdf"
    with pytest.raises(ValidationFailed):
        check_file("empty.png", b"")


def test_size_and_count_limits(platform: Platform, dw: DisposalWorld) -> None:
    appeal = appealed(platform, dw)
    store = store_of(platform)
    assert check_file("big.png", PNG[:8] + b"\x00" * (MAX_BYTES - 8)).media_type == "image/png"
    with pytest.raises(ValidationFailed) as too_big:
        check_file("big.png", PNG[:8] + b"\x00" * (MAX_BYTES - 7))
    assert too_big.value.field == "files" and "5 MB" in too_big.value.message_en
    with pytest.raises(ValidationFailed):
        check_count(6)
    store.add(appeal.number, [check_file(f"p{i}.png", PNG) for i in range(4)], "10.1.1.1")
    with pytest.raises(ValidationFailed) as too_many:
        store.add(appeal.number, [check_file("a.pdf", PDF), check_file("b.pdf", PDF)], "10.1.1.1")
    assert too_many.value.field == "files"
    assert count(platform, AppealAttachment) == 4
    with pytest.raises(NotFound):
        store.add("ABCDEFGHJKLM", [check_file("a.pdf", PDF)], "10.1.1.1")
    appeals_of(platform).decide(dw.base.analyst.principal, appeal.id, False, "通话记录显示冒充客服话术")
    with pytest.raises(Conflict):  # a decided appeal takes no more files
        store.add(appeal.number, [check_file("a.pdf", PDF)], "10.1.1.1")


def test_attachments_are_encrypted_at_rest_and_downloads_are_audited(
    platform: Platform, dw: DisposalWorld
) -> None:
    appeal = appealed(platform, dw)
    store = store_of(platform)
    _, [row] = store.add(appeal.number, [check_file("../../etc/申诉 材料\x00.png", PNG)], "10.1.1.1")
    assert row.name == "申诉_材料.png" and row.media_type == "image/png" and row.size == len(PNG)
    with platform.engine.connect() as conn:
        stored = bytes(conn.execute(text("SELECT ciphertext FROM appeal_attachments")).scalar_one())
    assert b"secret-scan-of-my-work-permit" not in stored and PNG[:8] not in stored
    assert len(stored) == len(PNG) + 28  # nonce and tag around the ciphertext
    # The deciding unit lists and downloads it; the download is audited.
    assert [a.id for a in store.listing(dw.base.analyst.principal, appeal.id)] == [row.id]
    _, _, listed = appeals_of(platform).get(dw.base.analyst.principal, appeal.id)
    assert [a.sha256 for a in listed] == [row.sha256]
    meta, data = store.download(dw.base.analyst.principal, appeal.id, row.id)
    assert data == PNG and meta.sha256 == row.sha256
    [done] = audits(platform, "appeal.attachment.download")
    assert done.result == "success" and done.actor == dw.base.analyst.principal.username
    # Another county's police, and the institution, are refused; each refusal is audited.
    other = make_user(platform, "yanalyst", dw.base.county_y, Role.ANALYST).principal
    for outsider in (other, dw.cmcc.principal):
        with pytest.raises(NotFound):
            store.download(outsider, appeal.id, row.id)
    with pytest.raises(NotFound):  # an attachment through another appeal's id
        store.download(dw.base.analyst.principal, appeal.id + 1, row.id)
    with pytest.raises(NotFound):
        store.download(dw.base.analyst.principal, appeal.id, row.id + 1)
    denied = [r for r in audits(platform, "appeal.attachment.download") if r.result == "denied"]
    assert len(denied) == 4
    with pytest.raises(NotFound):
        store.listing(other, appeal.id)
    # A ciphertext moved to another appeal no longer decrypts.
    with platform.engine.begin() as conn:
        conn.execute(text("UPDATE appeal_attachments SET sha256 = :s"), {"s": "0" * 64})
    with pytest.raises(Exception, match="authentication"):
        store.download(dw.base.analyst.principal, appeal.id, row.id)


def test_files_are_stored_and_served_under_a_name_from_their_detected_type(
    platform: Platform, dw: DisposalWorld
) -> None:
    assert check_file("evidence.pdf.bat", PDF).name == "evidence.pdf"
    assert check_file("photo.exe", PNG).name == "photo.png"
    assert check_file("scan.png", b"\xff\xd8\xff\xe0jfif").name == "scan.jpg"
    assert check_file(".htaccess", PNG).name == "htaccess.png"
    assert check_file("", PDF).name == "attachment.pdf"
    appeal = appealed(platform, dw)
    store = store_of(platform)
    _, [row] = store.add(appeal.number, [check_file("证明.pdf.bat", PDF)], "10.1.1.1")
    assert row.name == "证明.pdf"
    # A row stored before names were typed is served under its type's name all the same.
    old = CheckedFile("evidence.pdf.bat", "application/pdf", PDF, hashlib.sha256(PDF).hexdigest())
    with platform.sessions() as session:
        [legacy] = store.seal(session, session.get_one(Appeal, appeal.id), [old], "10.1.1.1")
        session.commit()
        legacy_id = legacy.id
    meta, data = store.download(dw.base.analyst.principal, appeal.id, legacy_id)
    disposition = attachment_response(meta, data).headers["content-disposition"]
    assert 'filename="evidence.pdf"' in disposition and ".bat" not in disposition
    # The migration renames such rows the same way.
    names = [("evidence.pdf.bat", "application/pdf"), ("a.b.c", "image/png"), ("...", "image/jpeg")]
    for name, media in names:
        assert migration.typed(name, media) == typed_name(name, media)


def test_names_are_sanitised() -> None:
    assert clean_name("C:\\Users\\me\\证明.pdf") == "证明.pdf"
    assert clean_name('<script>"x".png') == "scriptx.png"
    assert clean_name("...") == "attachment"
    long = clean_name("a" * 300 + ".pdf")
    assert len(long) == 100 and long.endswith(".pdf")


@given(st.binary(max_size=64))
def test_the_sniffer_accepts_nothing_without_one_of_the_three_signatures(data: bytes) -> None:
    if any(data.startswith(magic) for magic, _, _ in SIGNATURES):
        assert sniff(data) is not None
    else:
        assert sniff(data) is None


@given(st.sampled_from(SIGNATURES), st.binary(max_size=64))
def test_the_sniffer_accepts_each_signature_whatever_follows(
    signature: tuple[bytes, str, str], rest: bytes
) -> None:
    magic, media, _ = signature
    assert sniff(magic + rest) == media
