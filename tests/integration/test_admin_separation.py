"""三员分立 (issue 18): every actor role × target role or action, as tables; lock-out, failed keys, resets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.core.clock import FrozenClock
from fanzha.core.errors import (
    AccountLocked,
    FanzhaError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from fanzha.disposal.notices import MemoryNotifier
from fanzha.identity.domain import (
    ADMIN_ROLES,
    INSTITUTION_ROLES,
    OPERATIONAL,
    ROLE_PERMISSIONS,
    OrgKind,
    Principal,
    Role,
)
from fanzha.identity.schemas import UserCreate
from fanzha.identity.tables import Organisation, RoleRequest, User
from tests.factories import PASSWORD, Person, World, make_user, make_world

NEW_PASSWORD = "Own-Choice-2027!"


@dataclass
class Setup:
    """The world, a commander, one actor per role and the SMS port."""

    world: World
    actors: dict[Role, Person]
    sms: MemoryNotifier


def _setup(platform: Platform) -> Setup:
    w = make_world(platform)
    commander = make_user(platform, "commander", w.county_x, Role.COMMANDER)
    actors = {
        Role.PLATFORM_ADMIN: w.admin,
        Role.SECURITY_ADMIN: w.security,
        Role.AUDIT_ADMIN: w.auditor,
        Role.ANALYST: w.analyst,
        Role.COMMANDER: commander,
        Role.INSTITUTION_OPERATOR: w.bank_a_op,
        Role.INSTITUTION_ADMIN: w.bank_a_admin,
        Role.DESK_OFFICER: make_user(platform, "desk", w.county_x, Role.DESK_OFFICER),
        Role.GRID_WORKER: make_user(platform, "gridw", w.county_x, Role.GRID_WORKER),
    }
    sms = MemoryNotifier()
    platform.identity.codes.notifier = sms
    return Setup(w, actors, sms)


def _denied(platform: Platform) -> int:
    with platform.sessions() as session:
        query = select(func.count()).select_from(AuditRecord).where(AuditRecord.result == "denied")
        return int(session.scalar(query) or 0)


def _code(sms: MemoryNotifier, username: str) -> str:
    texts = [n.text for n in sms.sent if f"账号 {username} " in n.text]
    match = re.search(r"验证码 (\d{8})", texts[-1]) if texts else None
    assert match is not None, texts
    return match.group(1)


def _org_for(s: Setup, actor: Role, role: Role) -> Organisation:
    w = s.world
    if actor is Role.INSTITUTION_ADMIN:
        return w.bank_a  # its own organisation: the refusal is about the role, not the place
    if role in ADMIN_ROLES:
        return w.centre
    return w.bank_a if role in INSTITUTION_ROLES else w.county_x


# Creating users: who may give which role ----------------------------------------------------------------

CREATED, PENDING, DENIED = "created", "pending approval", "denied"


def _expected_create(actor: Role, role: Role) -> str:
    if actor is Role.PLATFORM_ADMIN:
        return PENDING if role in ADMIN_ROLES else CREATED
    if actor is Role.INSTITUTION_ADMIN and role in INSTITUTION_ROLES:
        return CREATED
    return DENIED


def test_who_may_create_whom_every_actor_by_every_role(platform: Platform) -> None:
    s = _setup(platform)
    wrong: list[tuple[Role, Role, str, str]] = []
    for i, actor in enumerate(Role):
        for j, role in enumerate(Role):
            name, phone = f"n{i}{j}user", f"1390000{i:02d}{j:02d}"
            org = _org_for(s, actor, role)
            before = _denied(platform)
            try:
                made = platform.identity.create_user(
                    s.actors[actor].principal,
                    UserCreate(username=name, display_name="新人", org_id=org.id, role=role, phone=phone),
                )
                got = PENDING if made.request is not None else CREATED
                # The caller learns where the code went, never a password or the code.
                assert made.sent_to is None or "****" in made.sent_to
            except (PermissionDenied, NotFound):
                got = DENIED
                assert _denied(platform) == before + 1, (actor, role, "refusal not audited")
            if got != _expected_create(actor, role):
                wrong.append((actor, role, got, _expected_create(actor, role)))
            with platform.sessions() as session:
                user = session.scalars(select(User).where(User.username == name)).first()
                assert (user is not None) == (got == CREATED), (actor, role)
                assert user is None or (user.awaiting_password and user.role == role)
            if got == CREATED:
                assert _code(s.sms, name)  # the activation code went to the new user's own phone
    assert wrong == []


def test_institution_admin_asking_for_a_platform_admin_is_refused_and_audited(platform: Platform) -> None:
    s = _setup(platform)
    with pytest.raises(PermissionDenied):
        platform.identity.create_user(
            s.world.bank_a_admin.principal,
            UserCreate(username="boss", display_name="x", org_id=s.world.bank_a.id, role=Role.PLATFORM_ADMIN),
        )
    with platform.sessions() as session:
        row = session.scalars(select(AuditRecord).where(AuditRecord.result == "denied")).one()
    assert (row.actor, row.action, row.object_type, row.object_id) == (
        "aadmin",
        "user.create",
        "role",
        "platform_admin",
    )


def test_a_created_user_sets_their_own_password_with_the_code_sent_to_them(platform: Platform) -> None:
    s = _setup(platform)
    made = platform.identity.create_user(
        s.world.admin.principal,
        UserCreate(
            username="newcmd",
            display_name="新指挥员",
            org_id=s.world.county_x.id,
            role=Role.COMMANDER,
            phone="13900001111",
        ),
    )
    assert made.user is not None and made.sent_to == "+86139****1111"
    [sms] = s.sms.sent
    assert sms.recipient == "+8613900001111" and sms.channel == "sms"
    with pytest.raises(NotAuthenticated):  # no password works before the user sets one
        platform.auth.login("newcmd", "", "10.7.0.1")
    with pytest.raises(ValidationFailed):
        platform.auth.set_password("newcmd", "00000000", NEW_PASSWORD, "10.7.0.1")
    platform.auth.set_password("newcmd", _code(s.sms, "newcmd"), NEW_PASSWORD, "10.7.0.1")
    assert platform.auth.login("newcmd", NEW_PASSWORD, "10.7.0.1")[2].role is Role.COMMANDER
    with pytest.raises(ValidationFailed):  # a code works once
        platform.auth.set_password("newcmd", _code(s.sms, "newcmd"), "Another-Choice-1", "10.7.0.1")


def test_a_new_user_needs_their_own_phone_and_one_phone_is_one_person(platform: Platform) -> None:
    s = _setup(platform)
    body = {"display_name": "x", "org_id": s.world.county_x.id, "role": Role.ANALYST}
    with pytest.raises(ValidationFailed) as none:
        platform.identity.create_user(s.world.admin.principal, UserCreate(username="nophone", **body))
    assert none.value.field == "phone"
    platform.identity.create_user(
        s.world.admin.principal, UserCreate(username="first", phone="13900002222", **body)
    )
    with pytest.raises(FanzhaError) as again:
        platform.identity.create_user(
            s.world.admin.principal, UserCreate(username="second", phone="13900002222", **body)
        )
    assert again.value.field == "phone"


# Password resets: the code goes to the user; their sessions end -------------------------------------


def test_who_may_reset_whom_every_actor_by_every_role(platform: Platform) -> None:
    s = _setup(platform)
    wrong: list[tuple[Role, Role, str]] = []
    for i, target_role in enumerate(Role):
        target = make_user(
            platform, f"t{i}target", _org_for(s, Role.PLATFORM_ADMIN, target_role), target_role
        )
        platform.identity.set_phone(s.world.admin.principal, target.user.id, f"138000011{i:02d}")
        for actor in Role:
            token = platform.auth.login(target.user.username, PASSWORD, "10.8.0.1")[0]
            before, sent = _denied(platform), len(s.sms.sent)
            try:
                user = platform.identity.reset_password(s.actors[actor].principal, target.user.id)
            except PermissionDenied:
                assert _denied(platform) == before + 1
                assert platform.auth.resolve_session(token, "10.8.0.1")[0].user_id == target.user.id
                if actor is Role.SECURITY_ADMIN:
                    wrong.append((actor, target_role, "refused"))
                continue
            if actor is not Role.SECURITY_ADMIN:
                wrong.append((actor, target_role, "allowed"))
            assert user.phone_masked and len(s.sms.sent) == sent + 1
            assert s.sms.sent[-1].recipient.endswith(f"{i:02d}")  # to the target's own phone
            with pytest.raises(NotAuthenticated):  # finding 12: the reset ended the sessions
                platform.auth.resolve_session(token, "10.8.0.1")
            with pytest.raises(NotAuthenticated):  # and the old password
                platform.auth.login(target.user.username, PASSWORD, "10.8.0.1")
            code = _code(s.sms, target.user.username)
            platform.auth.set_password(target.user.username, code, PASSWORD, "10.8.0.1")
    assert wrong == []


def test_the_security_admin_cannot_take_over_the_auditor(platform: Platform) -> None:
    s = _setup(platform)
    auditor = s.world.auditor.user
    platform.identity.set_phone(s.world.admin.principal, auditor.id, "13900003333")
    token = platform.auth.login("auditor", PASSWORD, "10.9.0.1")[0]
    user = platform.identity.reset_password(s.world.security.principal, auditor.id)
    code = _code(s.sms, "auditor")
    returned = {k: str(v) for k, v in vars(user).items()}
    assert code not in str(returned) and PASSWORD not in str(returned)
    with platform.sessions() as session:
        details = " ".join(r.detail or "" for r in session.scalars(select(AuditRecord)))
    assert code not in details  # nor in the audit log
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_session(token, "10.9.0.1")
    # The platform administrator registers phones but cannot reset; the security admin cannot register.
    with pytest.raises(PermissionDenied):
        platform.identity.set_phone(s.world.security.principal, auditor.id, "13900004444")
    with pytest.raises(PermissionDenied):
        platform.identity.reset_password(s.world.admin.principal, auditor.id)


def test_a_reset_without_a_registered_phone_changes_nothing(platform: Platform) -> None:
    s = _setup(platform)
    token = platform.auth.login("aop", PASSWORD, "ip")[0]
    with pytest.raises(ValidationFailed) as error:
        platform.identity.reset_password(s.world.security.principal, s.world.bank_a_op.user.id)
    assert error.value.field == "phone"
    assert platform.auth.resolve_session(token, "ip")[0].username == "aop"
    assert platform.auth.login("aop", PASSWORD, "ip")


# API keys: only the unit's own responsible person --------------------------------------------------


def test_who_may_issue_api_keys_every_actor_by_every_kind_of_unit(platform: Platform) -> None:
    s = _setup(platform)
    w = s.world
    targets = {"own": None, "bank_b": w.bank_b, "county_x": w.county_x, "centre": w.centre}
    wrong: list[tuple[Role, str, str]] = []
    for actor in Role:
        principal = s.actors[actor].principal
        for label, org in targets.items():
            org_id = principal.org_id if org is None else org.id
            own = org_id == principal.org_id
            expected = own and actor in (Role.INSTITUTION_ADMIN, Role.COMMANDER)
            before = _denied(platform)
            try:
                key, secret = platform.auth.create_api_key(principal, org_id, f"k-{actor}-{label}", 1)
            except (PermissionDenied, NotFound):
                assert _denied(platform) == before + 1, (actor, label)
                if expected:
                    wrong.append((actor, label, "refused"))
                continue
            if not expected:
                wrong.append((actor, label, "issued"))
            system = platform.auth.resolve_api_key(secret, "10.5.0.1")
            assert system.role in (Role.ANALYST, Role.INSTITUTION_OPERATOR) and key.org_id == principal.org_id
    assert wrong == []


def test_no_administrator_holds_an_operational_permission() -> None:
    for role in ADMIN_ROLES:
        assert ROLE_PERMISSIONS[role] & OPERATIONAL == frozenset(), role


# Administrator roles: a second administrator approves ---------------------------------------------------


def test_who_may_approve_an_administrator_every_actor(platform: Platform) -> None:
    s = _setup(platform)
    wrong: list[tuple[Role, str]] = []
    for i, actor in enumerate(Role):
        made = platform.identity.create_user(
            s.world.admin.principal,
            UserCreate(
                username=f"sec{i}admin",
                display_name="安全员",
                org_id=s.world.centre.id,
                role=Role.SECURITY_ADMIN,
                phone=f"1370000{i:04d}",
            ),
        )
        assert made.request is not None and made.user is None
        with platform.sessions() as session:  # not in force yet
            assert session.scalars(select(User).where(User.username == f"sec{i}admin")).first() is None
        before = _denied(platform)
        try:
            decided = platform.identity.decide(s.actors[actor].principal, made.request.id, approve=True)
        except PermissionDenied:
            assert _denied(platform) == before + 1
            if actor is Role.SECURITY_ADMIN:
                wrong.append((actor, "refused"))
            continue
        if actor is not Role.SECURITY_ADMIN:
            wrong.append((actor, "approved"))
        assert decided.status == "approved" and decided.decided_by == s.world.security.user.id
        with platform.sessions() as session:
            user = session.scalars(select(User).where(User.username == f"sec{i}admin")).one()
        assert user.role == Role.SECURITY_ADMIN and user.awaiting_password
        assert _code(s.sms, f"sec{i}admin")
    assert wrong == []


def test_raising_to_an_administrator_waits_and_nobody_decides_about_themselves(platform: Platform) -> None:
    s = _setup(platform)
    security, admin = s.world.security, s.world.admin
    analyst = make_user(platform, "centreanalyst", s.world.centre, Role.ANALYST)
    # Into an administrator role: a request; refused, nothing changes.
    _user, pending = platform.identity.set_role(admin.principal, analyst.user.id, Role.AUDIT_ADMIN)
    assert pending is not None
    platform.identity.decide(security.principal, pending.id, approve=False)
    with platform.sessions() as session:
        assert session.get_one(User, analyst.user.id).role == Role.ANALYST
        assert session.get_one(RoleRequest, pending.id).status == "refused"
    # Out of the security administrator's own role: they may not decide it.
    _user, about_self = platform.identity.set_role(admin.principal, security.user.id, Role.ANALYST)
    assert about_self is not None
    with pytest.raises(PermissionDenied):
        platform.identity.decide(security.principal, about_self.id, approve=True)
    second = make_user(platform, "secadmin2", s.world.centre, Role.SECURITY_ADMIN)
    token = platform.auth.login("secadmin", PASSWORD, "ip")[0]
    platform.identity.decide(second.principal, about_self.id, approve=True)
    with platform.sessions() as session:
        assert session.get_one(User, security.user.id).role == Role.ANALYST
    with pytest.raises(NotAuthenticated):  # a new role starts with a new log-in
        platform.auth.resolve_session(token, "ip")
    # Operational role changes by the account keeper take effect at once, audited.
    _user, direct = platform.identity.set_role(admin.principal, analyst.user.id, Role.COMMANDER)
    assert direct is None


# Lock-out per (user, address), the same for unknown users ---------------------------------------------


def test_failing_from_one_address_does_not_lock_the_account_elsewhere(
    platform: Platform, clock: FrozenClock
) -> None:
    _setup(platform)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            platform.auth.login("aop", "wrong-password", "10.6.0.1")
    with pytest.raises(AccountLocked):
        platform.auth.login("aop", PASSWORD, "10.6.0.1")
    assert platform.auth.login("aop", PASSWORD, "10.6.0.2")[2].username == "aop"  # finding 10


def test_unknown_and_known_names_get_the_same_answers(platform: Platform) -> None:
    _setup(platform)
    answers: dict[str, list[str]] = {}
    for name in ("aop", "ghost"):
        seen = []
        for _ in range(6):
            try:
                platform.auth.login(name, "wrong-password", "10.6.1.1")
            except FanzhaError as error:
                seen.append(f"{error.code} {error.status} {error.message_en} {error.field}")
        answers[name] = seen
    assert answers["aop"] == answers["ghost"]
    assert answers["ghost"][-1].startswith("account_locked")


def test_the_lock_backs_off_with_each_further_failure(platform: Platform, clock: FrozenClock) -> None:
    _setup(platform)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            platform.auth.login("aop", "wrong", "10.6.2.1")
    clock.advance(timedelta(minutes=31))
    with pytest.raises(NotAuthenticated):  # the sixth failure locks for twice as long
        platform.auth.login("aop", "wrong", "10.6.2.1")
    clock.advance(timedelta(minutes=31))
    with pytest.raises(AccountLocked):
        platform.auth.login("aop", PASSWORD, "10.6.2.1")
    clock.advance(timedelta(minutes=30))
    assert platform.auth.login("aop", PASSWORD, "10.6.2.1")[2].username == "aop"


# Failed API keys: throttled per address, aggregated in the audit log ------------------------------------


def test_bogus_api_keys_are_throttled_and_audited_once_per_window(
    platform: Platform, clock: FrozenClock
) -> None:
    _setup(platform)
    answers = []
    for i in range(90):
        try:
            platform.auth.resolve_api_key(f"fz_deadbeef_{i:043d}", "10.4.4.4")
        except (NotAuthenticated, RateLimited) as error:
            answers.append(error.code)
    limit = platform.settings.auth_failures_per_minute_per_client
    assert answers[:limit] == ["not_authenticated"] * limit
    assert set(answers[limit:]) == {"rate_limited"}
    with platform.sessions() as session:
        rows = list(session.scalars(select(AuditRecord).where(AuditRecord.action.like("auth.%"))))
    assert len(rows) == 1 and rows[0].action == "auth.api_key"  # not ninety
    clock.advance(timedelta(minutes=2))
    platform.auth.flush_failures()
    with platform.sessions() as session:
        [summary] = session.scalars(
            select(AuditRecord).where(AuditRecord.action == "auth.failures_repeated")
        ).all()
    assert summary.source_ip == "10.4.4.4"
    assert '"failures":' + str(limit) in (summary.detail or "").replace(" ", "")
    assert '"throttled":' + str(90 - limit) in (summary.detail or "").replace(" ", "")
    # Another address is not held up, and after the window the first address may try again.
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_api_key("fz_deadbeef_" + "y" * 43, "10.4.4.5")
    with pytest.raises(NotAuthenticated):
        platform.auth.resolve_api_key("fz_deadbeef_" + "z" * 43, "10.4.4.4")


def test_principals_built_by_hand_for_api_keys_match_the_roles(platform: Platform) -> None:
    s = _setup(platform)
    # A security administrator principal (e.g. from a script) still cannot issue a key.
    p = Principal(s.world.security.user.id, "secadmin", s.world.bank_a.id, OrgKind.BANK, Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        platform.auth.create_api_key(p, s.world.bank_a.id, "x", 1)
