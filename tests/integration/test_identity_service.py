"""Identity on SQLite and PostgreSQL: organisations, users, lock-out, sessions, keys, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import (
    AccountLocked,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fanzha.identity.domain import OrgKind, Role
from fanzha.identity.schemas import OrganisationCreate, UserCreate
from fanzha.identity.tables import Organisation, User
from tests.factories import PASSWORD, make_world


def _audit(platform: Platform, action: str) -> list[AuditRecord]:
    with platform.sessions() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all())


def test_bank_a_cannot_read_bank_b_users_and_the_refusal_is_audited(platform: Platform) -> None:
    w = make_world(platform)
    own = platform.identity.list_users(w.bank_a_admin.principal, w.bank_a.id)
    assert {u.username for u in own} == {"aadmin", "aop"}
    with pytest.raises(NotFound):
        platform.identity.list_users(w.bank_a_admin.principal, w.bank_b.id)
    with pytest.raises(NotFound):
        platform.identity.get_user(w.bank_a_admin.principal, w.bank_b_op.user.id)
    denied = [r for r in _audit(platform, "user.list") if r.result == "denied"]
    assert len(denied) == 1 and denied[0].actor == "aadmin" and denied[0].object_id == str(w.bank_b.id)
    assert [r.result for r in _audit(platform, "user.read")] == ["denied"]


def test_reading_users_is_audited_as_personal_information(platform: Platform) -> None:
    w = make_world(platform)
    platform.identity.list_users(w.admin.principal, w.bank_b.id)
    (entry,) = _audit(platform, "user.list")
    assert (entry.actor, entry.result, entry.object_id, entry.source_ip) == (
        "admin",
        "success",
        str(w.bank_b.id),
        "10.0.0.1",
    )


def test_institution_admin_manages_only_own_org_and_no_admin_roles(platform: Platform) -> None:
    w = make_world(platform)
    p = w.bank_a_admin.principal
    made = platform.identity.create_user(
        p,
        UserCreate(
            username="newop",
            display_name="新操作员",
            org_id=w.bank_a.id,
            role=Role.INSTITUTION_OPERATOR,
            phone="13900005555",
        ),
    )
    assert made.user is not None and made.user.org_id == w.bank_a.id and made.sent_to == "+86139****5555"
    with pytest.raises(NotFound):
        platform.identity.create_user(
            p,
            UserCreate(
                username="intruder",
                display_name="x",
                org_id=w.bank_b.id,
                role=Role.INSTITUTION_OPERATOR,
            ),
        )
    with pytest.raises(PermissionDenied) as bad_role:  # a role it may not give: refused and audited
        platform.identity.create_user(
            p, UserCreate(username="boss", display_name="x", org_id=w.bank_a.id, role=Role.ANALYST)
        )
    assert bad_role.value.field == "role"
    with platform.sessions() as session:
        assert (
            session.scalars(select(User.username).where(User.username.in_(["intruder", "boss"]))).all() == []
        )


def test_three_administrators_are_kept_apart(platform: Platform) -> None:
    w = make_world(platform)
    with pytest.raises(PermissionDenied):
        platform.identity.list_users(w.auditor.principal, w.centre.id)  # audit admin: no user reads
    with pytest.raises(PermissionDenied):
        platform.identity.unlock(w.admin.principal, w.bank_a_op.user.id)  # platform admin: no security ops
    with pytest.raises(PermissionDenied):
        platform.identity.create_organisation(
            w.security.principal, OrganisationCreate(code="x1", name_zh="x", kind=OrgKind.BANK)
        )
    denied = {
        r.action
        for r in _audit(platform, "user.list")
        + _audit(platform, "user.unlock")
        + _audit(platform, "org.create")
    }
    assert denied == {"user.list", "user.unlock", "org.create"}


def test_organisation_rules(platform: Platform) -> None:
    w = make_world(platform)
    with pytest.raises(ValidationFailed) as no_region:
        platform.identity.create_organisation(
            w.admin.principal,
            OrganisationCreate(code="city9", name_zh="某市", kind=OrgKind.POLICE_CITY),
        )
    assert no_region.value.field == "region_code"
    with pytest.raises(Conflict):
        platform.identity.create_organisation(
            w.admin.principal, OrganisationCreate(code="bank-a", name_zh="重复", kind=OrgKind.BANK)
        )
    org = platform.identity.create_organisation(
        w.admin.principal,
        OrganisationCreate(
            code="yy",
            name_zh="岳阳市反诈中心",
            kind=OrgKind.POLICE_CITY,
            region_code="430600",
            parent_id=w.centre.id,
        ),
    )
    with platform.sessions() as session:
        assert session.get_one(Organisation, org.id).parent_id == w.centre.id


def test_five_wrong_passwords_lock_the_account_until_it_expires(
    platform: Platform, clock: FrozenClock
) -> None:
    make_world(platform)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            platform.auth.login("aop", "wrong-password", "10.1.1.1")
    with pytest.raises(AccountLocked):
        platform.auth.login("aop", PASSWORD, "10.1.1.1")  # even the right password is refused now
    failed = [r for r in _audit(platform, "auth.login") if r.result != "success"]
    assert len(failed) == 6 and failed[-1].result == "denied"
    clock.advance(timedelta(minutes=31))
    token, csrf, principal = platform.auth.login("aop", PASSWORD, "10.1.1.1")
    assert principal.username == "aop" and token and csrf


def test_security_admin_unlocks_early(platform: Platform) -> None:
    w = make_world(platform)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            platform.auth.login("aop", "nope", "ip")
    platform.identity.unlock(w.security.principal, w.bank_a_op.user.id)
    assert platform.auth.login("aop", PASSWORD, "ip")[2].username == "aop"


def test_unknown_user_and_disabled_user_cannot_log_in(platform: Platform) -> None:
    w = make_world(platform)
    with pytest.raises(NotAuthenticated):
        platform.auth.login("ghost", PASSWORD, "ip")
    platform.identity.set_active(w.security.principal, w.bank_a_op.user.id, False)
    with pytest.raises(NotAuthenticated):
        platform.auth.login("aop", PASSWORD, "ip")


def test_idle_session_times_out(platform: Platform, clock: FrozenClock) -> None:
    make_world(platform)
    token, _csrf, _p = platform.auth.login("analyst", PASSWORD, "ip")
    clock.advance(timedelta(minutes=20))
    assert platform.auth.resolve_session(token, "ip")[0].username == "analyst"
    clock.advance(timedelta(minutes=20))  # 20 minutes idle since the last use: still alive
    assert platform.auth.resolve_session(token, "ip")[0].username == "analyst"
    clock.advance(timedelta(minutes=31))
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_session(token, "ip")
    with pytest.raises(NotAuthenticated):  # and it stays ended
        platform.auth.resolve_session(token, "ip")


def test_logout_ends_the_session(platform: Platform) -> None:
    make_world(platform)
    token, _csrf, _p = platform.auth.login("analyst", PASSWORD, "ip")
    platform.auth.logout(token, "ip")
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_session(token, "ip")


def test_api_keys_are_shown_once_stored_hashed_scoped_expiring_and_revocable(
    platform: Platform, clock: FrozenClock
) -> None:
    w = make_world(platform)
    key, secret = platform.auth.create_api_key(w.bank_a_admin.principal, w.bank_a.id, "核心系统", days=30)
    assert secret.startswith("fz_") and secret not in key.key_hash
    system = platform.auth.resolve_api_key(secret, "10.9.9.9")
    assert (system.org_id, system.role, system.api_key_id) == (
        w.bank_a.id,
        Role.INSTITUTION_OPERATOR,
        key.id,
    )
    with pytest.raises(NotFound):
        platform.auth.create_api_key(w.bank_a_admin.principal, w.bank_b.id, "偷用", days=30)
    with pytest.raises(NotFound):
        platform.auth.revoke_api_key(
            w.bank_b_op.principal.__class__(
                w.bank_b_op.user.id, "bop", w.bank_b.id, OrgKind.BANK, Role.INSTITUTION_ADMIN
            ),
            key.id,
        )
    clock.advance(timedelta(days=31))
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_api_key(secret, "10.9.9.9")
    key2, secret2 = platform.auth.create_api_key(w.bank_a_admin.principal, w.bank_a.id, "备用", days=None)
    platform.auth.revoke_api_key(w.bank_a_admin.principal, key2.id)
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_api_key(secret2, "10.9.9.9")
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_api_key("fz_deadbeef_" + "x" * 43, "10.9.9.9")
    listed = platform.auth.list_api_keys(w.bank_a_admin.principal, w.bank_a.id)
    assert [k.name for k in listed] == ["核心系统", "备用"] and listed[1].revoked_at is not None
