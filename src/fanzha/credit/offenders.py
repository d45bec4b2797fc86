"""Art 37: persons released after fraud-related sentences, notified by the justice department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanzha.core.errors import NotFound, PermissionDenied, ValidationFailed
from fanzha.credit.lifecycle import ListingLifecycle
from fanzha.credit.tables import Listing, ReleasedOffender
from fanzha.events import outbox
from fanzha.identifiers import IdentifierKind
from fanzha.identity.domain import OrgKind, Principal
from fanzha.identity.service import actor_of, refused
from fanzha.identity.tables import Organisation

# The home region's unit first, then the city's, then the province's (GB/T 2260: 2+2+2 digits).
_LEVELS = (OrgKind.POLICE_COUNTY, OrgKind.POLICE_CITY, OrgKind.POLICE_PROVINCE)


@dataclass(frozen=True)
class ReleaseInput:
    """What the justice department reports (Art 37¶1 刑罚执行完毕 … 通报公安机关)."""

    person_id: str
    offence: str
    judgment_ref: str
    released_on: date
    region_code: str


@dataclass(frozen=True)
class OffenderTask:
    """A released person as the home unit sees it, with the listing in force (term and measures)."""

    row: ReleasedOffender
    listing: Listing | None


def police_unit_of(session: Session, region: str) -> Organisation | None:
    """The police unit of a region: the county's, else the city's, else the province's."""
    for kind, code in zip(_LEVELS, (region, region[:4] + "00", region[:2] + "0000"), strict=True):
        unit = session.scalars(
            select(Organisation)
            .where(Organisation.kind == str(kind), Organisation.region_code == code, Organisation.active)
            .order_by(Organisation.id)
        ).first()
        if unit is not None:
            return unit
    return None


class ReleasedOffenders:
    """The justice department's notices and the police tasks that follow (Art 37)."""

    def __init__(self, credit: ListingLifecycle) -> None:
        self.credit = credit

    def notify(self, principal: Principal, data: ReleaseInput) -> ReleasedOffender:
        """Art 37¶1: a justice department reports a release; the home region's police unit gets a task."""
        credit = self.credit
        if principal.org_kind is not OrgKind.JUSTICE:
            raise refused(
                PermissionDenied(
                    "刑满释放人员情况由司法行政部门通报（第三十七条第一款）",
                    "Releases are notified by the justice department (Art 37¶1)",
                    field="org",
                ),
                "credit.offender.notify",
                "credit_offender",
                "",
            )
        if len(data.region_code) != 6 or not data.region_code.isdigit():
            raise ValidationFailed(
                "户籍地区划代码须为 6 位数字", "region_code has 6 digits", field="region_code"
            )
        if data.released_on > credit.clock.now().date():
            raise ValidationFailed(
                "释放日期不能晚于今天", "released_on is in the future", field="released_on"
            )
        identifier, token = credit.vault.token_of(
            IdentifierKind.RESIDENT_ID, data.person_id, field="person_id"
        )
        with credit.identity.guarded(principal), credit.disposal.uow() as uow:
            session = uow.session
            unit = police_unit_of(session, data.region_code)
            if unit is None:
                raise ValidationFailed(
                    "该区划没有对应的公安机关", "No police unit serves this region", field="region_code"
                )
            now = credit.clock.now()
            row = ReleasedOffender(
                person_token=token,
                person_masked=credit.vault.mask(identifier),
                offence=data.offence.strip(),
                judgment_ref=data.judgment_ref.strip(),
                released_on=data.released_on.isoformat(),
                region_code=data.region_code,
                notifier_org_id=principal.org_id,
                police_org_id=unit.id,
                created_at=now,
            )
            session.add(row)
            session.flush()
            outbox.record(
                session,
                credit.clock,
                "credit.offender.released",
                {"offender_id": row.id, "police_org_id": unit.id, "person_token": token},
            )
            credit.audit.record(
                session,
                actor_of(principal),
                "credit.offender.notify",
                object_type="credit_offender",
                object_id=row.id,
                source_ip=principal.source_ip,
                detail={"police_org_id": unit.id},
            )
            uow.commit()
            return row

    def tasks(self, principal: Principal, open_only: bool = True) -> list[OffenderTask]:
        """The police unit's released persons, each with the listing in force on them (audited)."""
        credit = self.credit
        credit.police(principal, "credit.offender.list")
        now = credit.clock.now()
        with credit.disposal.uow() as uow:
            query = (
                select(ReleasedOffender)
                .where(ReleasedOffender.police_org_id == principal.org_id)
                .order_by(ReleasedOffender.id.desc())
                .limit(500)
            )
            if open_only:
                query = query.where(ReleasedOffender.closed_at.is_(None))
            rows = list(uow.session.scalars(query))
            found = [OffenderTask(r, credit.in_force_listing(uow.session, r.person_token, now)) for r in rows]
            credit.audit.record(
                uow.session,
                actor_of(principal),
                "credit.offender.list",
                object_type="credit_offender",
                object_id="",
                source_ip=principal.source_ip,
                detail={"rows": len(found)},
            )
            uow.commit()
            uow.session.expunge_all()
            return found

    def close(self, principal: Principal, offender_id: int, report: str) -> ReleasedOffender:
        """Close the task with what was done (education, supervision, listing checked)."""
        credit = self.credit
        credit.police(principal, "credit.offender.close")
        if not report.strip():
            raise ValidationFailed("须填写处理情况", "A report is required", field="report")
        with credit.identity.guarded(principal), credit.disposal.uow() as uow:
            row = uow.session.get(ReleasedOffender, offender_id, with_for_update=True)
            if row is None or row.police_org_id != principal.org_id:
                raise refused(
                    NotFound("任务不存在", "No such task", field="offender_id"),
                    "credit.offender.close",
                    "credit_offender",
                    offender_id,
                )
            if row.closed_at is None:
                row.closed_at, row.closed_by = credit.clock.now(), principal.username
                row.report = report.strip()
                credit.audit.record(
                    uow.session,
                    actor_of(principal),
                    "credit.offender.close",
                    object_type="credit_offender",
                    object_id=row.id,
                    source_ip=principal.source_ip,
                )
            uow.commit()
            return row
