"""Seed a demo province: organisations and one user per role, passwords printed once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from fanzha.audit.service import Actor
from fanzha.bootstrap import Platform
from fanzha.db.uow import UnitOfWork
from fanzha.identity import passwords
from fanzha.identity.domain import OrgKind, Role
from fanzha.identity.tables import Organisation, User


@dataclass(frozen=True)
class OrgSeed:
    """One organisation of the demo province."""

    code: str
    name_zh: str
    name_en: str
    kind: OrgKind
    region_code: str | None = None
    parent: str | None = None


# Region codes are real GB/T 2260 codes of Hunan (430000) and its capital Changsha (430100).
DEMO_ORGS: tuple[OrgSeed, ...] = (
    OrgSeed(
        "hn-fzzx",
        "湖南省反诈中心",
        "Hunan Provincial Anti-Fraud Centre",
        OrgKind.POLICE_PROVINCE,
        "430000",
    ),
    OrgSeed(
        "cs-fzzx",
        "长沙市反诈中心",
        "Changsha Anti-Fraud Centre",
        OrgKind.POLICE_CITY,
        "430100",
        "hn-fzzx",
    ),
    OrgSeed(
        "yy-fzzx",
        "岳阳市反诈中心",
        "Yueyang Anti-Fraud Centre",
        OrgKind.POLICE_CITY,
        "430600",
        "hn-fzzx",
    ),
    OrgSeed(
        "cs-yl-fzzx",
        "长沙市岳麓区反诈中心",
        "Yuelu District Anti-Fraud Centre",
        OrgKind.POLICE_COUNTY,
        "430104",
        "cs-fzzx",
    ),
    OrgSeed(
        "cs-fr-fzzx",
        "长沙市芙蓉区反诈中心",
        "Furong District Anti-Fraud Centre",
        OrgKind.POLICE_COUNTY,
        "430102",
        "cs-fzzx",
    ),
    OrgSeed("bank-hnnx", "湖南农村信用社", "Hunan Rural Credit Union", OrgKind.BANK),
    OrgSeed("bank-cscb", "长沙银行", "Bank of Changsha", OrgKind.BANK),
    OrgSeed("pay-demo", "示例支付机构", "Demo Payment Institution", OrgKind.PAYMENT),
    OrgSeed("tel-cmcc-hn", "中国移动湖南公司", "China Mobile Hunan", OrgKind.TELECOM),
    OrgSeed("tel-ct-hn", "中国电信湖南公司", "China Telecom Hunan", OrgKind.TELECOM),
    OrgSeed("net-demo", "示例互联网平台", "Demo Internet Platform", OrgKind.INTERNET),
    OrgSeed("reg-pbc-hn", "人民银行湖南省分行", "PBC Hunan Branch", OrgKind.REGULATOR),
)

# One user per role, in the organisation where that role belongs.
DEMO_USERS: tuple[tuple[str, str, str, Role], ...] = (
    ("admin", "系统管理员", "hn-fzzx", Role.PLATFORM_ADMIN),
    ("secadmin", "安全管理员", "hn-fzzx", Role.SECURITY_ADMIN),
    ("auditor", "审计管理员", "hn-fzzx", Role.AUDIT_ADMIN),
    ("analyst", "研判员张敏", "cs-fzzx", Role.ANALYST),
    ("commander", "指挥员李强", "hn-fzzx", Role.COMMANDER),
    ("bankop", "长沙银行风控王芳", "bank-cscb", Role.INSTITUTION_OPERATOR),
    ("bankadmin", "长沙银行管理员", "bank-cscb", Role.INSTITUTION_ADMIN),
    ("otherbank", "农信社风控赵磊", "bank-hnnx", Role.INSTITUTION_OPERATOR),
)


def seed_organisations(platform: Platform, seeds: tuple[OrgSeed, ...] = DEMO_ORGS) -> int:
    """Insert organisations that are not there yet; returns how many were added."""
    added = 0
    with UnitOfWork(platform.sessions, platform.clock) as uow:
        by_code = {o.code: o for o in uow.session.scalars(select(Organisation)).all()}
        for seed in seeds:
            if seed.code in by_code:
                continue
            org = Organisation(
                code=seed.code,
                name_zh=seed.name_zh,
                name_en=seed.name_en,
                kind=str(seed.kind),
                region_code=seed.region_code,
                active=True,
                created_at=platform.clock.now(),
                parent_id=by_code[seed.parent].id if seed.parent else None,
            )
            uow.session.add(org)
            uow.session.flush()
            by_code[seed.code] = org
            added += 1
        platform.auditor.record(uow.session, Actor("demo-seed"), "org.seed", detail={"added": added})
        uow.commit()
    return added


def seed_users(platform: Platform) -> list[tuple[str, str, str]]:
    """Create the demo users that are missing; returns (username, role, password) of new ones."""
    created: list[tuple[str, str, str]] = []
    with UnitOfWork(platform.sessions, platform.clock) as uow:
        orgs = {o.code: o for o in uow.session.scalars(select(Organisation)).all()}
        existing = set(uow.session.scalars(select(User.username)).all())
        for username, name, org_code, role in DEMO_USERS:
            if username in existing:
                continue
            password = passwords.generate_password()
            uow.session.add(
                User(
                    username=username,
                    display_name=name,
                    org_id=orgs[org_code].id,
                    role=str(role),
                    password_hash=passwords.hash_password(password),
                    failed_logins=0,
                    active=True,
                    created_at=platform.clock.now(),
                )
            )
            created.append((username, str(role), password))
        platform.auditor.record(
            uow.session,
            Actor("demo-seed"),
            "user.seed",
            detail={"created": [u for u, _, _ in created]},
        )
        uow.commit()
    return created
