"""Use cases of oversight: indicator tables, the province dashboard and an institution's scorecard."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from fanzha.audit.service import Auditor
from fanzha.core.clock import Clock
from fanzha.core.errors import NotFound
from fanzha.db.uow import UnitOfWork
from fanzha.disposal.tables import RouteEntry
from fanzha.identity.domain import ORG_KIND_LABELS, OrgKind, Principal
from fanzha.identity.service import IdentityService, actor_of, refused
from fanzha.identity.tables import Organisation
from fanzha.oversight import indicators
from fanzha.oversight.domain import (
    INDICATORS,
    PROVINCE_CODE,
    Grain,
    Judged,
    Period,
    Rules,
    Scope,
    Span,
    judge,
    parse_period,
    period_of,
    previous_month,
    scope_for,
    trailing,
)
from fanzha.oversight.regions import region_name
from fanzha.oversight.runners import SessionRunner

Values = dict[str, float | None]


@dataclass(frozen=True)
class Row:
    """One group's indicators in one period, with the group's display name."""

    key: str
    name: str
    period: str
    values: Values
    kind: str = ""


class OversightService:
    """Indicators read within the reader's scope (Art 4, 25); every read audited."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        auditor: Auditor,
        identity: IdentityService,
        rules: Rules,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.audit = auditor
        self.identity = identity
        self.rules = rules

    @contextmanager
    def work(self, principal: Principal) -> Iterator[Session]:
        """A unit of work whose refusals are audited; commit explicitly."""
        with self.identity.guarded(principal), UnitOfWork(self.sessions, self.clock) as uow:
            yield uow.session

    def record(
        self, session: Session, principal: Principal, action: str, oid: object = "", **detail: Any
    ) -> None:
        """Audit a read or an action of `principal` in `session`."""
        self.audit.record(
            session,
            actor_of(principal),
            action,
            object_type="oversight",
            object_id=str(oid),
            source_ip=principal.source_ip,
            detail=detail or None,
        )

    def scope(self, session: Session, principal: Principal) -> Scope:
        """What the principal may see: police by region, regulators by sector, institutions their own."""
        org = session.get(Organisation, principal.org_id)
        regulated = session.scalars(
            select(RouteEntry.key).where(
                RouteEntry.table_name == "regulator", RouteEntry.org_id == principal.org_id, RouteEntry.active
            )
        ).all()
        return scope_for(principal.org_kind, principal.org_id, org.region_code if org else None, regulated)

    def period(self, span: Span, key: str | None) -> Period:
        """The named period, or the last complete month / current week."""
        if key:
            return parse_period(span, key)
        return previous_month(self.clock.now()) if span is Span.MONTH else period_of(span, self.clock.now())

    def rows(self, session: Session, scope: Scope, grain: Grain, periods: list[Period]) -> list[Row]:
        """Indicators per group and period within `scope`, named, oldest period first."""
        query = indicators.Query(grain, periods, min(self.clock.now(), periods[-1].end), scope)
        found = indicators.compute(SessionRunner(session), query)
        names, kinds = self._names(session, grain, {k for k, _ in found})
        out = [
            Row(key, names.get(key, key), periods[p].key, values, kinds.get(key, ""))
            for (key, p), values in found.items()
        ]
        return sorted(out, key=lambda r: (r.period, r.key))

    def table(
        self, principal: Principal, grain: Grain, span: Span, key: str | None, count: int = 1
    ) -> tuple[list[Period], list[Row]]:
        """Ranked indicator rows for `count` periods ending with `key` (audited read)."""
        periods = trailing(span, self.period(span, key), count)
        with self.work(principal) as session:
            rows = self.rows(session, self.scope(session, principal), grain, periods)
            self.record(
                session, principal, "oversight.indicators.read", grain=str(grain), period=periods[-1].key
            )
            session.commit()
        return periods, rows

    def dashboard(self, principal: Principal, key: str | None, months: int = 12) -> dict[str, Any]:
        """The province (or the reader's region or sector) dashboard: by city, trend, ranking."""
        periods = trailing(Span.MONTH, self.period(Span.MONTH, key), months)
        last = periods[-1]
        with self.work(principal) as session:
            scope = self.scope(session, principal)
            cities = [r for r in self.rows(session, scope, Grain.CITY, [last])]
            trend = self.rows(session, scope, Grain.PROVINCE, periods)
            institutions = self.rows(session, scope, Grain.INSTITUTION, [last])
            self.record(session, principal, "oversight.dashboard.read", period=last.key)
            session.commit()
        ranked = judge([Judged(int(r.key), r.name, r.kind, r.values) for r in institutions], self.rules)
        by_period = {r.period: r.values for r in trend}
        return {
            "period": last.key,
            "cities": cities,
            "trend": [(p.key, by_period.get(p.key, {})) for p in periods],
            "ranking": ranked,
        }

    def scorecard(
        self, principal: Principal, org_id: int, key: str | None, months: int = 6
    ) -> dict[str, Any]:
        """An institution's indicators against its sector's medians (Art 25); others' figures never shown."""
        periods = trailing(Span.MONTH, self.period(Span.MONTH, key), months)
        with self.work(principal) as session:
            scope = self.scope(session, principal)
            org = session.get(Organisation, org_id)
            if org is None or not OrgKind(org.kind).is_institution or not _reaches(scope, org):
                # Same answer for "absent" and "not yours": existence is not leaked.
                raise refused(NotFound(field="org_id"), "oversight.scorecard.read", "organisation", org_id)
            # Medians over the whole sector (Art 25 本行业), read without the reader's own-org limit.
            sector = Scope(kinds=frozenset({org.kind}), region_prefix=scope.region_prefix)
            peers = self.rows(session, sector, Grain.INSTITUTION, [periods[-1]])
            own = self.rows(
                session, Scope(org_id=org.id, region_prefix=scope.region_prefix), Grain.INSTITUTION, periods
            )
            self.record(session, principal, "oversight.scorecard.read", org_id, period=periods[-1].key)
            session.commit()
        mine = {r.period: r.values for r in own}
        return {
            "org": {"id": org.id, "name": org.name_zh, "kind": org.kind},
            "period": periods[-1].key,
            "values": mine.get(periods[-1].key, {}),
            "medians": sector_medians([r.values for r in peers]),
            "peers": len(peers),
            "trend": [(p.key, mine.get(p.key, {})) for p in periods],
        }

    def _names(self, session: Session, grain: Grain, keys: set[str]) -> tuple[dict[str, str], dict[str, str]]:
        if grain is Grain.INSTITUTION:
            ids = [int(k) for k in keys]
            orgs = session.execute(
                select(Organisation.id, Organisation.name_zh, Organisation.kind).where(
                    Organisation.id.in_(ids)
                )
            ).all()
            return {str(i): n for i, n, _ in orgs}, {str(i): k for i, _, k in orgs}
        if grain is Grain.SECTOR:
            return {k: ORG_KIND_LABELS[OrgKind(k)][0] for k in keys if k in set(OrgKind)}, {}
        return {k: region_name(k) for k in keys}, {}


def _reaches(scope: Scope, org: Organisation) -> bool:
    if scope.org_id is not None:
        return org.id == scope.org_id
    if scope.kinds is not None:
        return org.kind in scope.kinds
    return True  # police: every institution, its figures limited to the unit's region


def sector_medians(rows: list[Values]) -> Values:
    """Per indicator, the median over the sector's institutions that have a value (Art 25 本行业)."""
    out: Values = {}
    for indicator in INDICATORS:
        present = [float(v) for r in rows if (v := r.get(indicator.key)) is not None]
        out[indicator.key] = statistics.median(present) if present else None
    return out


__all__ = ["PROVINCE_CODE", "OversightService", "Row", "sector_medians"]
