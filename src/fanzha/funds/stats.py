"""Amounts stopped, frozen and returned by city and month (issue 22 item 9), for the police board."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from fanzha.core.clock import SHANGHAI, as_utc
from fanzha.db.uow import UnitOfWork
from fanzha.funds.tables import FundsCase, Instruction
from fanzha.identity.domain import Principal
from fanzha.identity.tables import Organisation
from fanzha.web import charts

if TYPE_CHECKING:
    from fanzha.funds.service import FundsService

# What each kind of instruction counts once the institution confirmed it (result_fen).
MEASURES = {"stop_payment": "stopped", "freeze": "frozen", "return": "returned"}
DONE = {"held", "released", "lapsed", "moved", "frozen", "returned", "withdrawn"}


def totals(service: FundsService, principal: Principal) -> dict[str, dict[tuple[str, str], int]]:
    """measure → (city, month in Beijing time) → fen confirmed by the institutions."""
    service._police(principal, "funds.stats.read")
    out: dict[str, dict[tuple[str, str], int]] = {m: {} for m in MEASURES.values()}
    with UnitOfWork(service.sessions, service.clock) as uow:
        s = uow.session
        rows = s.execute(
            select(
                Instruction.kind,
                Instruction.result_fen,
                Instruction.answered_at,
                Instruction.created_at,
                Organisation.region_code,
            )
            .join(FundsCase, FundsCase.id == Instruction.case_id)
            .join(Organisation, Organisation.id == FundsCase.org_id)
            .where(Instruction.kind.in_(MEASURES), Instruction.result_fen > 0)
        ).all()
        names = {
            o.region_code: o.name_zh
            for o in s.scalars(select(Organisation).where(Organisation.kind == "police_city"))
            if o.region_code
        }
    for kind, fen, answered, created, region in rows:
        when: datetime = as_utc(answered or created).astimezone(SHANGHAI)
        city = (region or "")[:4].ljust(6, "0")
        key = (names.get(city, city or "—"), when.strftime("%Y-%m"))
        bucket = out[MEASURES[kind]]
        bucket[key] = bucket.get(key, 0) + int(fen)
    return out


def charts_of(data: dict[str, dict[tuple[str, str], int]], _: Callable[[str], str]) -> list[charts.Chart]:
    """Two bar charts (yuan): by city, and by month; each with its table twin."""
    series_names = {m: _("funds.chart." + m) for m in MEASURES.values()}
    cities = sorted({k[0] for d in data.values() for k in d})
    months = sorted({k[1] for d in data.values() for k in d})

    def by(axis: int, labels: list[str]) -> dict[str, Sequence[float]]:
        return {
            series_names[m]: [
                round(sum(v for k, v in data[m].items() if k[axis] == label) / 100, 2) for label in labels
            ]
            for m in MEASURES.values()
        }

    return [
        charts.bar(_("funds.chart.by_city"), cities, by(0, cities)),
        charts.bar(_("funds.chart.by_month"), months, by(1, months)),
    ]
