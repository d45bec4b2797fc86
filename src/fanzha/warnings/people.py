"""Who can be warned and where they live (Art 4¶2 网格化管理): the grid register, grids, grid workers, scope.

People are kept as keyed ID tokens (Art 9), their phone as token, mask and SM4 ciphertext; the grid is
what routes a visit to the right grid worker. Every read of a person's data is audited by the callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.db.rows import ensure_row
from fanzha.disposal.tables import Holding
from fanzha.identifiers import IdentifierKind, IdentifierVault
from fanzha.identity.domain import OrgKind, Principal, Role
from fanzha.identity.service import refused
from fanzha.identity.tables import Organisation, User
from fanzha.prevention.domain import ID_TOKEN
from fanzha.warnings.domain import check_grid_code, county_of_grid, township_of_grid
from fanzha.warnings.tables import WarnGrid, WarnGridMember, WarnPerson


@dataclass(frozen=True)
class Scope:
    """What a reader reaches: a region prefix (province: ''), or one grid and its township (grid worker)."""

    prefix: str
    grid: str | None = None
    user_id: int | None = None

    @property
    def grid_worker(self) -> bool:
        """True for a grid worker: visits of their grid (and widened ones of their township) only."""
        return self.grid is not None


def scope_of(session: Session, principal: Principal, action: str) -> Scope:
    """Art 4: police by region (province all, city, county); a grid worker their grid; others nothing."""
    if not principal.org_kind.is_police:
        raise refused(
            PermissionDenied(
                "只有公安机关和网格员处理预警劝阻任务", "Only police units and grid workers", field="org"
            ),
            action,
            "warning",
            "",
        )
    if principal.role is Role.GRID_WORKER:
        member = session.get(WarnGridMember, principal.user_id) if principal.user_id else None
        if member is None:
            raise refused(
                PermissionDenied(
                    "该网格员尚未分配网格", "This grid worker has no grid yet", field="grid_code"
                ),
                action,
                "warning",
                "",
            )
        return Scope(prefix=member.grid_code[:9], grid=member.grid_code, user_id=principal.user_id)
    org = session.get(Organisation, principal.org_id)
    code = (org.region_code if org else None) or ""
    if not code or code[2:6] == "0000":
        return Scope(prefix="", user_id=principal.user_id)
    if len(code) == 6 and code[4:6] == "00":
        return Scope(prefix=code[:4], user_id=principal.user_id)
    return Scope(prefix=code[:6], user_id=principal.user_id)


def police_unit(session: Session, county: str | None) -> Organisation:
    """The county's anti-fraud centre, else its city's, else the province's (the issuer of a bank delay)."""
    for kind, code in (
        (OrgKind.POLICE_COUNTY, county),
        (OrgKind.POLICE_CITY, f"{county[:4]}00" if county else None),
    ):
        if code:
            org = session.scalars(
                select(Organisation).where(Organisation.kind == str(kind), Organisation.region_code == code)
            ).first()
            if org is not None:
                return org
    org = session.scalars(
        select(Organisation)
        .where(Organisation.kind == str(OrgKind.POLICE_PROVINCE))
        .order_by(Organisation.id)
    ).first()
    if org is None:
        raise NotFound("平台尚无省级反诈中心", "No provincial centre is set up", field="org")
    return org


def sender_county(org: Organisation | None) -> str | None:
    """The county a signal's sender sits in, if it is a county-level unit.

    A person outside the grid register with no region of their own is the county desk's (Art 4¶2
    网格化管理 covers only the registered; 第二十八条第二款 still asks to dissuade the rest): their
    visits wait in that county's unassigned queue, for the desk to route to a grid.
    """
    code = (org.region_code or "") if org is not None else ""
    return code[:6] if len(code) >= 6 and code[:6].isdigit() and code[4:6] != "00" else None


def check_person_token(value: str, field: str) -> str:
    """A keyed ID token: 64 lower-case hex (never a raw ID number, Art 9)."""
    if not ID_TOKEN.fullmatch(value):
        raise ValidationFailed(
            "人员令牌应为 64 位小写十六进制（身份证号的 HMAC-SM3 令牌）",
            "A person token is 64 lower-case hex characters (the keyed ID token)",
            field=field,
        )
    return value


def holding_phone(session: Session, token: str) -> tuple[str, bytes] | None:
    """The phone a person registered with an institution (holdings register), as token and ciphertext."""
    row = session.execute(
        select(Holding.phone_token, Holding.phone_ciphertext)
        .where(Holding.holder_token == token, Holding.withdrawn_at.is_(None), Holding.phone_token != "")
        .order_by(Holding.id)
    ).first()
    return (row[0], row[1]) if row is not None and row[1] else None


def person_row(
    session: Session,
    vault: IdentifierVault,
    token: str,
    now: datetime,
    *,
    phone: str | None = None,
    region: str | None = None,
    field: str = "person_token",
) -> WarnPerson:
    """The person's row, locked; created from a contact phone or the holdings register if new.

    Unknown person (not in the grid register, no account in the holdings register, no phone given):
    refused, since nobody could be reached (Art 28¶2 asks to dissuade, not to keep lists).
    """
    person = session.get(WarnPerson, token, with_for_update=True)
    if person is None:
        found = holding_phone(session, token)
        if phone is None and found is None:
            raise ValidationFailed(
                "未知人员：网格登记和持有关系登记中均无此人，也未提供联系电话，无法劝阻",
                "Unknown person: neither the grid register nor the holdings register knows them, and no "
                "phone was given",
                field=field,
            )
        # Two batches naming a new person at once: one inserts, the other waits on the row lock.
        ensure_row(
            session, WarnPerson, person_token=token, masked="", grid_code=None, county_code=None,
            phone_token="", phone_masked="", phone_ciphertext=None, registered=False, warned_level=None,
            warned_at=None, last_sms_at=None, updated_at=now,
        )  # fmt: skip
        person = session.get(WarnPerson, token, with_for_update=True, populate_existing=True)
        assert person is not None
        if found is not None and not person.phone_ciphertext:
            identifier = vault.decrypt(IdentifierKind.PHONE, found[0], found[1])
            person.phone_token, person.phone_ciphertext = found
            person.phone_masked = vault.mask(identifier)
    if phone is not None and not person.registered:
        identifier, ptoken = vault.token_of(
            IdentifierKind.PHONE, phone, field=field.replace("person_token", "phone")
        )
        person.phone_token, person.phone_masked = ptoken, vault.mask(identifier)
        person.phone_ciphertext = vault.encrypt(identifier, ptoken)
    if region and not person.grid_code and not person.county_code and region.isdigit() and len(region) >= 6:
        person.county_code = region[:6]
    return person


def register(
    session: Session,
    vault: IdentifierVault,
    rows: list[tuple[str, str, str]],
    now: datetime,
    family: dict[int, tuple[str, str]] | None = None,
) -> int:
    """The grid register (Art 4¶2): (ID token, phone, grid code) per resident; the grids must exist.

    `family`: row index → the family or emergency contact's ID token and phone (called when the person
    refuses to believe a warning).
    """
    grids = set(session.scalars(select(WarnGrid.code)))
    for i, (token, phone, grid) in enumerate(rows):
        check_person_token(token, f"items.{i}.person_token")
        check_grid_code(grid)
        if grid not in grids:
            raise ValidationFailed("网格不存在", "No such grid", field=f"items.{i}.grid_code")
        identifier, ptoken = vault.token_of(IdentifierKind.PHONE, phone, field=f"items.{i}.phone")
        person = session.get(WarnPerson, token, with_for_update=True) or WarnPerson(person_token=token)
        person.grid_code, person.county_code, person.registered = grid, county_of_grid(grid), True
        person.phone_token, person.phone_masked = ptoken, vault.mask(identifier)
        person.phone_ciphertext, person.updated_at = vault.encrypt(identifier, ptoken), now
        if family and i in family:
            kin, kin_phone = family[i]
            check_person_token(kin, f"items.{i}.family_person_token")
            if kin == token:
                raise ValidationFailed(
                    "家属联系人不能是本人",
                    "The family contact cannot be the person",
                    field=f"items.{i}.family_person_token",
                )
            kid, ktoken = vault.token_of(IdentifierKind.PHONE, kin_phone, field=f"items.{i}.family_phone")
            person.family_token, person.family_phone_token = kin, ktoken
            person.family_phone_masked, person.family_phone_ciphertext = (
                vault.mask(kid),
                vault.encrypt(kid, ktoken),
            )
        session.add(person)
    return len(rows)


def add_grid(session: Session, code: str, name: str, now: datetime, scope: Scope) -> WarnGrid:
    """A grid of a township in the reader's region (Art 4¶2)."""
    check_grid_code(code)
    if not code.startswith(scope.prefix):
        raise ValidationFailed("网格不在本单位辖区内", "The grid is outside your region", field="code")
    if not name.strip():
        raise ValidationFailed("网格名称不能为空", "A grid needs a name", field="name_zh")
    grid = session.get(WarnGrid, code) or WarnGrid(code=code, created_at=now)
    grid.township_code, grid.county_code, grid.name_zh = (
        township_of_grid(code),
        county_of_grid(code),
        name.strip(),
    )
    session.add(grid)
    return grid


def assign(session: Session, user_id: int, code: str, now: datetime, scope: Scope) -> WarnGridMember:
    """Make a grid worker of the reader's region the worker of a grid in it."""
    grid = session.get(WarnGrid, code)
    if grid is None or not code.startswith(scope.prefix):
        raise ValidationFailed(
            "网格不存在或不在本单位辖区内", "No such grid in your region", field="grid_code"
        )
    user = session.get(User, user_id)
    org = session.get(Organisation, user.org_id) if user else None
    if (
        user is None
        or user.role != Role.GRID_WORKER
        or org is None
        or not (org.region_code or "").startswith(scope.prefix)
    ):
        raise ValidationFailed(
            "用户不是本辖区的网格员", "The user is not a grid worker of your region", field="user_id"
        )
    member = session.get(WarnGridMember, user_id) or WarnGridMember(user_id=user_id, created_at=now)
    member.grid_code = code
    session.add(member)
    return member
