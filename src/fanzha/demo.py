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


# Codes match the synthetic province's (`fanzha sim`), so loading it later fills in the rest.
# Region codes are real GB/T 2260 codes of Hunan (430000) and its cities and districts.
AFC = "POL-430000-AFC"
DEMO_ORGS: tuple[OrgSeed, ...] = (
    OrgSeed(AFC, "湖南省反电信网络诈骗中心", "Hunan Anti-Fraud Centre", OrgKind.POLICE_PROVINCE, "430000"),
    OrgSeed(
        "POL-430100", "长沙市公安局", "Changsha Public Security Bureau", OrgKind.POLICE_CITY, "430100", AFC
    ),
    OrgSeed(
        "POL-430600", "岳阳市公安局", "Yueyang Public Security Bureau", OrgKind.POLICE_CITY, "430600", AFC
    ),
    OrgSeed(
        "POL-430104",
        "长沙市公安局岳麓分局",
        "Yuelu District Police",
        OrgKind.POLICE_COUNTY,
        "430104",
        "POL-430100",
    ),
    OrgSeed(
        "POL-430102",
        "长沙市公安局芙蓉分局",
        "Furong District Police",
        OrgKind.POLICE_COUNTY,
        "430102",
        "POL-430100",
    ),
    # Art 4¶2: a street police station of Yuelu district, whose grid workers visit potential victims.
    OrgSeed(
        "POL-430104001",
        "岳麓区青石桥街道派出所",
        "Qingshiqiao Street Police Station",
        OrgKind.POLICE_TOWNSHIP,
        "430104001",
        "POL-430104",
    ),
    OrgSeed("BANK-HNRCU", "湖南省农村信用社联合社", "Hunan Rural Credit Union", OrgKind.BANK, "430000"),
    OrgSeed("BANK-BCS", "长沙银行", "Bank of Changsha", OrgKind.BANK, "430000"),
    OrgSeed("PAY-ALIPAY", "支付宝（中国）网络技术有限公司", "Alipay", OrgKind.PAYMENT, "430000"),
    OrgSeed("TEL-CMCC", "中国移动通信集团湖南有限公司", "China Mobile Hunan", OrgKind.TELECOM, "430000"),
    OrgSeed("TEL-CTCC", "中国电信股份有限公司湖南分公司", "China Telecom Hunan", OrgKind.TELECOM, "430000"),
    OrgSeed("NET-TENCENT", "深圳市腾讯计算机系统有限公司", "Tencent", OrgKind.INTERNET, "430000"),
    OrgSeed(
        "REG-PBC-HN", "中国人民银行湖南省分行", "People's Bank of China, Hunan", OrgKind.REGULATOR, "430000"
    ),
    # Art 20¶2, 23¶2: the departments that order re-verification and the blocking of unlicensed sites.
    OrgSeed(
        "CA-HN",
        "湖南省通信管理局",
        "Hunan Communications Administration",
        OrgKind.TELECOM_AUTHORITY,
        "430000",
    ),
    OrgSeed(
        "CAC-HN",
        "中共湖南省委网络安全和信息化委员会办公室",
        "Hunan Cyberspace Administration",
        OrgKind.CYBERSPACE,
        "430000",
    ),
)

# One user per role, in the organisation where that role belongs.
DEMO_USERS: tuple[tuple[str, str, str, Role], ...] = (
    ("admin", "系统管理员", AFC, Role.PLATFORM_ADMIN),
    ("secadmin", "安全管理员", AFC, Role.SECURITY_ADMIN),
    ("auditor", "审计管理员", AFC, Role.AUDIT_ADMIN),
    ("analyst", "研判员张敏", "POL-430100", Role.ANALYST),
    ("commander", "指挥员李强", AFC, Role.COMMANDER),
    ("bankop", "长沙银行风控王芳", "BANK-BCS", Role.INSTITUTION_OPERATOR),
    ("bankadmin", "长沙银行管理员", "BANK-BCS", Role.INSTITUTION_ADMIN),
    ("otherbank", "农信社风控赵磊", "BANK-HNRCU", Role.INSTITUTION_OPERATOR),
    ("desk", "劝阻专席民警周静", "POL-430104", Role.DESK_OFFICER),
    ("gridworker", "网格员刘洋", "POL-430104001", Role.GRID_WORKER),
    # Every institution kind (issue 20): the operator of Journeys 3 and 6, a payment institution, a platform.
    ("telecomop", "湖南移动风控陈刚", "TEL-CMCC", Role.INSTITUTION_OPERATOR),
    ("payop", "支付宝风控孙丽", "PAY-ALIPAY", Role.INSTITUTION_OPERATOR),
    ("netop", "腾讯风控吴涛", "NET-TENCENT", Role.INSTITUTION_OPERATOR),
)
# Art 4¶2: the demo's grid, and its worker (fanzha.warnings).
DEMO_GRID = ("430104001001", "青石桥社区第一网格", "gridworker")


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


def seed_grids(platform: Platform) -> int:
    """The demo grid with its grid worker, if missing (Art 4¶2); returns how many grids were added."""
    from fanzha.identity.domain import OrgKind, Principal
    from fanzha.warnings.tables import WarnGrid, WarnGridMember

    code, name, worker = DEMO_GRID
    with UnitOfWork(platform.sessions, platform.clock) as uow:
        if uow.session.get(WarnGrid, code) is not None:
            return 0
        desk = uow.session.scalars(select(User).where(User.username == "desk")).first()
        user = uow.session.scalars(select(User).where(User.username == worker)).first()
        if desk is None or user is None or platform.warnings is None:
            return 0
        principal = Principal(desk.id, desk.username, desk.org_id, OrgKind.POLICE_COUNTY, Role.DESK_OFFICER)
        user_id = user.id
        member = uow.session.get(WarnGridMember, user_id)
    platform.warnings.add_grid(principal, code, name)
    if member is None:
        platform.warnings.assign(principal, user_id, code)
    return 1
