"""Test data: organisations and users created straight through the tables."""

from __future__ import annotations

from dataclasses import dataclass

from fanzha.bootstrap import Platform
from fanzha.identity import passwords
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.tables import Organisation, User

PASSWORD = "Correct-Horse-42"
_HASH = passwords.hash_password(PASSWORD)


@dataclass(frozen=True)
class Person:
    """A created user and the principal acting as them."""

    user: User
    org: Organisation
    principal: Principal


def make_org(
    platform: Platform,
    code: str,
    kind: OrgKind,
    region: str | None = None,
    parent_id: int | None = None,
) -> Organisation:
    """Insert an organisation."""
    with platform.sessions() as session:
        org = Organisation(
            code=code,
            name_zh=f"单位{code}",
            name_en=code,
            kind=str(kind),
            region_code=region,
            parent_id=parent_id,
            active=True,
            created_at=platform.clock.now(),
        )
        session.add(org)
        session.commit()
        return org


def make_user(platform: Platform, username: str, org: Organisation, role: Role) -> Person:
    """Insert a user whose password is PASSWORD."""
    with platform.sessions() as session:
        user = User(
            username=username,
            display_name=username,
            org_id=org.id,
            role=str(role),
            password_hash=_HASH,
            failed_logins=0,
            active=True,
            created_at=platform.clock.now(),
        )
        session.add(user)
        session.commit()
        principal = Principal(user.id, username, org.id, OrgKind(org.kind), role, source_ip="10.0.0.1")
        return Person(user, org, principal)


@dataclass(frozen=True)
class World:
    """A small province: the centre, two counties, two banks and their people."""

    centre: Organisation
    county_x: Organisation
    county_y: Organisation
    bank_a: Organisation
    bank_b: Organisation
    admin: Person
    security: Person
    auditor: Person
    analyst: Person
    bank_a_admin: Person
    bank_a_op: Person
    bank_b_op: Person


def make_world(platform: Platform) -> World:
    """Create the small province every integration test starts from."""
    centre = make_org(platform, "hn", OrgKind.POLICE_PROVINCE, "430000")
    county_x = make_org(platform, "cx", OrgKind.POLICE_COUNTY, "430104", centre.id)
    county_y = make_org(platform, "cy", OrgKind.POLICE_COUNTY, "430102", centre.id)
    bank_a = make_org(platform, "bank-a", OrgKind.BANK)
    bank_b = make_org(platform, "bank-b", OrgKind.BANK)
    return World(
        centre,
        county_x,
        county_y,
        bank_a,
        bank_b,
        admin=make_user(platform, "admin", centre, Role.PLATFORM_ADMIN),
        security=make_user(platform, "secadmin", centre, Role.SECURITY_ADMIN),
        auditor=make_user(platform, "auditor", centre, Role.AUDIT_ADMIN),
        analyst=make_user(platform, "analyst", county_x, Role.ANALYST),
        bank_a_admin=make_user(platform, "aadmin", bank_a, Role.INSTITUTION_ADMIN),
        bank_a_op=make_user(platform, "aop", bank_a, Role.INSTITUTION_OPERATOR),
        bank_b_op=make_user(platform, "bop", bank_b, Role.INSTITUTION_OPERATOR),
    )
