"""The sample library on SQLite and PostgreSQL: publish, merge, protect, confirm, revoke, expire, sight."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from fanzha.events import outbox
from fanzha.identity.domain import OrgKind, Role
from fanzha.samples.domain import FraudType, ProtectedIdentifier
from fanzha.samples.schemas import LookupItem, SamplePublish, SightingCreate
from fanzha.samples.tables import Sample, SampleSource
from tests.factories import World, make_org, make_user, make_world


def _pub(kind: str, value: str, **extra: object) -> SamplePublish:
    return SamplePublish.model_validate(
        {"kind": kind, "value": value, "fraud_type": FraudType.FAKE_POLICE, **extra}
    )


def _topics(platform: Platform) -> list[str]:
    with platform.sessions() as session:
        return [e.topic for e in outbox.read_after(session, 0, 1000)]


@pytest.fixture
def world(platform: Platform) -> World:
    return make_world(platform)


def test_publishing_the_same_identifier_again_merges(platform: Platform, world: World) -> None:
    police = world.analyst.principal
    first, created = platform.samples.publish(
        police, _pub("phone", "138 0013 8000", confidence=60, evidence="受害人报案", case_ref="A1")
    )
    assert created and first.status == "active" and first.risk_level == "medium"
    # The same number written another way is the same sample.
    again, created_again = platform.samples.publish(
        police, _pub("phone", "+86-138-0013-8000", confidence=60, evidence="第二名受害人", case_ref="A2")
    )
    assert not created_again and again.id == first.id
    assert again.confidence == 84 and again.risk_level == "high"  # 1-(0.4*0.4) = 84 %
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Sample)) == 1
        assert session.scalar(select(func.count()).select_from(SampleSource)) == 2
    assert _topics(platform) == ["samples.published.phone", "samples.updated.phone"]


def test_protected_identifiers_are_refused_with_the_reason(platform: Platform, world: World) -> None:
    for kind, value in (
        ("phone", "110"),
        ("phone", "96110"),
        ("phone", "95588"),
        ("url", "https://www.mps.gov.cn/x"),
        ("domain", "hunan.gov.cn"),
    ):
        with pytest.raises(ProtectedIdentifier) as refused:
            platform.samples.publish(world.analyst.principal, _pub(kind, value))
        assert refused.value.message_zh and refused.value.field == "value"
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Sample)) == 0


def test_institutions_report_their_own_sector_and_police_confirm(platform: Platform, world: World) -> None:
    bank = world.bank_a_op.principal
    with pytest.raises(PermissionDenied):
        platform.samples.publish(bank, _pub("phone", "13800138001"))  # a bank does not report numbers
    sample, _ = platform.samples.publish(bank, _pub("bank_card", "4111 1111 1111 1111"))
    assert sample.status == "pending"
    assert platform.lookup.batch(bank, [LookupItem(token=sample.token)])[0]["found"] is False
    with pytest.raises(PermissionDenied):
        platform.samples.decide(bank, sample.id, True, "自己确认")
    confirmed = platform.samples.decide(world.analyst.principal, sample.id, True, "核实为涉诈账户")
    assert confirmed.status == "active"
    assert platform.lookup.batch(bank, [LookupItem(token=sample.token)])[0]["found"] is True
    with pytest.raises(Conflict):
        platform.samples.decide(world.analyst.principal, sample.id, True, "再确认")
    assert _topics(platform) == ["samples.pending", "samples.published.bank_card"]


def test_revoke_and_expiry_reach_the_feed(platform: Platform, world: World, clock: FrozenClock) -> None:
    police = world.analyst.principal
    phone, _ = platform.samples.publish(police, _pub("phone", "13800138002"))
    ip, _ = platform.samples.publish(police, _pub("ip", "203.0.113.9"))
    platform.samples.revoke(police, phone.id, "申诉成立，号码机主为快递员")
    clock.advance(timedelta(days=31))  # IPs live 30 days, phones 180
    assert platform.samples.expire_due() == 1
    with platform.sessions() as session:
        assert session.get_one(Sample, ip.id).status == "expired"
    assert _topics(platform)[-2:] == ["samples.revoked.phone", "samples.expired.ip"]
    with pytest.raises(Conflict):
        platform.samples.revoke(police, phone.id, "again")


def test_lookup_by_raw_value_and_token_in_order_with_errors(platform: Platform, world: World) -> None:
    police = world.analyst.principal
    sample, _ = platform.samples.publish(police, _pub("url", "http://icbc-verify.example.com/login"))
    results = platform.lookup.batch(
        world.bank_b_op.principal,
        [
            LookupItem(kind="url", value="HTTP://ICBC-VERIFY.example.com/login"),
            LookupItem(kind="phone", value="not a number"),
            LookupItem(token=sample.token),
            LookupItem(kind="phone", value="13900139000"),
        ],
    )
    assert [r["found"] for r in results] == [True, False, True, False]
    assert results[0]["risk_level"] == "high" and results[0]["fraud_type"] == "fake_police"
    assert results[1]["error"]["field"] == "items.1.value"


def test_sightings_move_confidence_and_show_only_own(platform: Platform, world: World) -> None:
    sample, _ = platform.samples.publish(world.analyst.principal, _pub("phone", "13800138003", confidence=80))
    after_fp = platform.samples.record_sighting(
        world.bank_a_op.principal, SightingCreate(token=sample.token, outcome="false_positive")
    )
    assert after_fp.confidence == 70 and after_fp.false_positives == 1 and after_fp.risk_level == "medium"
    platform.samples.record_sighting(
        world.bank_b_op.principal, SightingCreate(token=sample.token, outcome="hit")
    )
    _, extra = platform.samples.get(world.bank_b_op.principal, sample.id)
    assert [s.outcome for s in extra["sightings"]] == ["hit"]  # bank B does not see bank A's
    _, police_view = platform.samples.get(world.analyst.principal, sample.id)
    assert len(police_view["sightings"]) == 2
    with pytest.raises(NotFound):
        platform.samples.record_sighting(
            world.bank_a_op.principal, SightingCreate(token="0" * 64, outcome="hit")
        )


def _sight(platform: Platform, person: object, token: str, outcome: str) -> Sample:
    principal = person.principal  # type: ignore[attr-defined]
    return platform.samples.record_sighting(principal, SightingCreate(token=token, outcome=outcome))  # type: ignore[arg-type]


def test_an_organisation_has_one_vote_per_sample_however_often_it_repeats_it(
    platform: Platform, world: World
) -> None:
    sample, _ = platform.samples.publish(world.analyst.principal, _pub("phone", "13800138013", confidence=90))
    answers = [_sight(platform, world.bank_a_op, sample.token, "false_positive") for _ in range(20)]
    assert [a.confidence for a in answers] == [80] * 20 and answers[-1].false_positives == 1
    assert answers[-1].risk_level == "high"  # twenty repeats did not make a fraud number look harmless
    # Changing its mind replaces the vote: the false positive is taken back, a hit counts instead.
    changed = _sight(platform, world.bank_a_op, sample.token, "hit")
    assert (changed.confidence, changed.hits, changed.false_positives) == (91, 1, 0)
    _, police_view = platform.samples.get(world.analyst.principal, sample.id)
    assert [(s.org_id, s.outcome) for s in police_view["sightings"]] == [(world.bank_a.id, "hit")]
    # A merge keeps the votes' shift on top of what publishing set.
    merged, _ = platform.samples.publish(world.analyst.principal, _pub("phone", "13800138013", confidence=50))
    assert merged.confidence == 96 and merged.sighting_shift == 1  # 1 − (0.1 × 0.5) = 95, +1 hit


def test_institutions_together_lower_confidence_by_at_most_thirty_and_only_police_go_further(
    platform: Platform, world: World
) -> None:
    sample, _ = platform.samples.publish(world.analyst.principal, _pub("phone", "13800138014", confidence=90))
    banks = [
        make_user(platform, f"op{i}", make_org(platform, f"bk{i}", OrgKind.BANK), Role.INSTITUTION_OPERATOR)
        for i in range(6)
    ]
    after = [_sight(platform, bank, sample.token, "false_positive").confidence for bank in banks]
    assert after == [80, 70, 60, 60, 60, 60]
    county = make_user(platform, "cya", world.county_y, Role.ANALYST)
    assert _sight(platform, county, sample.token, "false_positive").confidence == 50
    assert _sight(platform, world.analyst, sample.token, "false_positive").confidence == 40


def test_a_sighting_needs_the_same_visibility_as_reading_the_sample(platform: Platform, world: World) -> None:
    telecom_a = make_user(
        platform, "tela", make_org(platform, "tel-a", OrgKind.TELECOM), Role.INSTITUTION_OPERATOR
    )
    pending, _ = platform.samples.publish(telecom_a.principal, _pub("phone", "13800138015", confidence=70))
    assert pending.status == "pending"
    for outsider in (world.bank_b_op, world.bank_a_op):
        with pytest.raises(NotFound):
            _sight(platform, outsider, pending.token, "false_positive")
    with platform.sessions() as session:
        row = session.get_one(Sample, pending.id)
        assert (row.confidence, row.false_positives) == (70, 0)
        refusals = session.scalars(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.action == "sample.sighting", AuditRecord.result == "denied")
        ).one()
        assert refusals == 2
    # The reporter itself and the police may sight it.
    assert _sight(platform, telecom_a, pending.token, "hit").hits == 1
    assert _sight(platform, world.analyst, pending.token, "hit").hits == 2


def test_only_police_reveal_raw_values_and_every_reveal_is_audited(platform: Platform, world: World) -> None:
    sample, _ = platform.samples.publish(world.analyst.principal, _pub("phone", "13800138004"))
    with pytest.raises(PermissionDenied):
        platform.samples.get(world.bank_a_op.principal, sample.id, reveal=True)
    _, extra = platform.samples.get(world.analyst.principal, sample.id, reveal=True)
    assert extra["raw_value"] == "+8613800138004"
    assert "13800138004" not in sample.masked
    from fanzha.audit.tables import AuditRecord

    with platform.sessions() as session:
        actions = [
            (r.action, r.result) for r in session.scalars(select(AuditRecord).order_by(AuditRecord.seq))
        ]
    assert ("sample.reveal", "denied") in actions and ("sample.reveal", "success") in actions


def test_pending_reports_stay_private_to_their_reporter(platform: Platform, world: World) -> None:
    sample, _ = platform.samples.publish(world.bank_a_op.principal, _pub("bank_card", "4111111111111111"))
    assert platform.samples.get(world.bank_a_op.principal, sample.id)[0].id == sample.id
    with pytest.raises(NotFound):
        platform.samples.get(world.bank_b_op.principal, sample.id)
    assert [s.id for s in platform.samples.search(world.bank_b_op.principal)] == []


def test_malformed_values_name_the_field(platform: Platform, world: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        platform.samples.publish(world.analyst.principal, _pub("bank_card", "4111111111111112"))
    assert bad.value.field == "value"


def test_telecom_reports_numbers_internet_reports_urls(platform: Platform, world: World) -> None:
    telecom = make_user(
        platform, "telop", make_org(platform, "tel", OrgKind.TELECOM), Role.INSTITUTION_OPERATOR
    )
    sample, _ = platform.samples.publish(telecom.principal, _pub("phone", "17012345678"))
    assert sample.status == "pending"
