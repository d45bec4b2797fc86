"""Roles, permissions and the lock-out and session rules, including property tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.core.errors import AccountLocked, RateLimited, ValidationFailed
from fanzha.identity.domain import (
    ADMIN_ROLES,
    KEY_ISSUERS,
    OPERATIONAL,
    ROLE_PERMISSIONS,
    LockoutPolicy,
    OrgKind,
    Permission,
    Principal,
    Role,
    SessionPolicy,
    check_password_strength,
    check_region_code,
    check_role_fits_org,
    check_username,
    key_issuer,
    may_grant,
    needs_approval,
    roles_allowed_for,
)
from fanzha.identity.throttle import FailedAuth

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_three_administrators_share_no_administrative_permission() -> None:
    admin_only = {
        Permission.ORG_MANAGE,
        Permission.USER_MANAGE,
        Permission.USER_SECURITY,
        Permission.AUDIT_READ,
    }
    for role in ADMIN_ROLES:
        for other in ADMIN_ROLES - {role}:
            assert not (ROLE_PERMISSIONS[role] & ROLE_PERMISSIONS[other] & admin_only), (
                role,
                other,
            )
    # Only the audit administrator reads the audit log.
    assert [r for r, perms in ROLE_PERMISSIONS.items() if Permission.AUDIT_READ in perms] == [
        Role.AUDIT_ADMIN
    ]


def test_roles_fit_their_organisations() -> None:
    assert Role.PLATFORM_ADMIN in roles_allowed_for(OrgKind.POLICE_PROVINCE)
    assert Role.PLATFORM_ADMIN not in roles_allowed_for(OrgKind.POLICE_CITY)
    for kind in (OrgKind.BANK, OrgKind.PAYMENT, OrgKind.TELECOM, OrgKind.INTERNET):
        assert roles_allowed_for(kind) == {Role.INSTITUTION_OPERATOR, Role.INSTITUTION_ADMIN}
        with pytest.raises(ValidationFailed):
            check_role_fits_org(Role.ANALYST, kind)


def test_only_platform_wide_roles_see_other_organisations() -> None:
    bank = Principal(1, "a", 10, OrgKind.BANK, Role.INSTITUTION_ADMIN)
    assert bank.sees_org(10) and not bank.sees_org(11)
    assert Principal(2, "s", 1, OrgKind.POLICE_PROVINCE, Role.SECURITY_ADMIN).sees_org(11)


@pytest.mark.parametrize(
    ("kind", "code", "ok"),
    [
        (OrgKind.POLICE_COUNTY, "430104", True),
        (OrgKind.POLICE_COUNTY, None, False),
        (OrgKind.POLICE_COUNTY, "43010", False),
        (OrgKind.POLICE_TOWNSHIP, "430104001", True),
        (OrgKind.POLICE_TOWNSHIP, "430104", False),
        (OrgKind.BANK, None, True),
        (OrgKind.BANK, "abc", False),
    ],
)
def test_region_codes(kind: OrgKind, code: str | None, ok: bool) -> None:
    if ok:
        check_region_code(kind, code)
    else:
        with pytest.raises(ValidationFailed) as error:
            check_region_code(kind, code)
        assert error.value.field == "region_code"


def test_usernames_and_passwords() -> None:
    assert check_username("  Zhang.Min ") == "zhang.min"
    for bad in ("ab", "1abc", "with space", "x" * 40, "中文名"):
        with pytest.raises(ValidationFailed):
            check_username(bad)
    check_password_strength("Correct-Horse-42")
    for weak in ("short1A!", "alllowercaseletters", "ALLUPPER12345"):
        with pytest.raises(ValidationFailed):
            check_password_strength(weak)


@given(st.lists(st.sampled_from(["fail", "wait"]), max_size=30))
def test_lockout_state_machine(steps: list[str]) -> None:
    """An account is locked exactly while `max_failures` consecutive failures' lock lasts."""
    policy = LockoutPolicy(max_failures=5, lock_for=timedelta(minutes=30))
    now, failures, locked_until = T0, 0, None
    model_failures = 0
    for step in steps:
        if step == "wait":
            now += timedelta(minutes=31)
            continue
        if locked_until is not None and locked_until > now:
            with pytest.raises(AccountLocked):
                policy.check_not_locked(locked_until, now)
            continue
        policy.check_not_locked(locked_until, now)
        failures, new_lock = policy.after_failure(failures, now)
        model_failures += 1
        assert failures == model_failures
        assert (new_lock is not None) == (failures >= 5)
        locked_until = new_lock or locked_until


@given(idle=st.integers(0, 120), age=st.integers(0, 24 * 60))
def test_session_alive_only_within_both_limits(idle: int, age: int) -> None:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    now = T0 + timedelta(days=2)
    created, last_seen = now - timedelta(minutes=age), now - timedelta(minutes=min(idle, age))
    assert policy.is_alive(created, last_seen, now) == (min(idle, age) < 30 and age < 12 * 60)


@given(st.integers(1, 10), st.integers(1, 120), st.integers(1, 60))
def test_lockout_backs_off_doubling_and_never_beyond_the_cap(max_failures: int, minutes: int, n: int) -> None:
    """Each failure past the threshold locks at least as long as the one before, up to `max_lock`."""
    policy = LockoutPolicy(max_failures, timedelta(minutes=minutes), timedelta(hours=24))
    failures, previous = 0, timedelta(0)
    for _ in range(n):
        failures, until = policy.after_failure(failures, T0)
        if failures < max_failures:
            assert until is None
            continue
        assert until is not None
        length = until - T0
        assert previous <= length <= timedelta(hours=24)
        expected = timedelta(minutes=minutes) * 2 ** min(failures - max_failures, 16)
        assert length == min(expected, timedelta(hours=24))
        previous = length


def test_administrator_roles_need_a_second_administrator_and_none_acts_operationally() -> None:
    for role in Role:
        assert needs_approval(None, role) == (role in ADMIN_ROLES)
        for old in Role:
            assert needs_approval(old, role) == (role in ADMIN_ROLES or (old in ADMIN_ROLES and old != role))
        assert not ROLE_PERMISSIONS[role] & OPERATIONAL or role not in ADMIN_ROLES
    assert {r for r in Role if may_grant(r, Role.PLATFORM_ADMIN)} == {Role.PLATFORM_ADMIN}
    assert {r for r in Role if Permission.APIKEY_ISSUE in ROLE_PERMISSIONS[r]} == KEY_ISSUERS
    assert {key_issuer(k) for k in OrgKind if k.is_police or k.is_institution} == KEY_ISSUERS


@given(st.lists(st.tuples(st.sampled_from(["10.0.0.1", "10.0.0.2"]), st.integers(0, 30)), max_size=200))
def test_failed_authentication_windows_cap_and_count_every_attempt(calls: list[tuple[str, int]]) -> None:
    """Per address and window: at most `limit` failures pass, one is audited, and every attempt is counted."""
    throttle = FailedAuth(limit=5, window=timedelta(minutes=1))
    now, opened, windows = T0, 0, []
    for address, seconds in calls:
        now += timedelta(seconds=seconds)
        try:
            throttle.check(address, now)
        except RateLimited:
            continue
        first, closed = throttle.failed(address, now)
        opened += first
        windows += closed
    windows += throttle.close(now + timedelta(minutes=1))
    assert len(windows) == opened
    assert sum(w.window.failures + w.window.throttled for w in windows) == len(calls)
    assert all(1 <= w.window.failures <= 5 for w in windows)
