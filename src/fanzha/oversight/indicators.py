"""The indicators' one definition: SQLAlchemy Core queries run on SQLite, PostgreSQL and DuckDB alike.

Each family of facts (orders, appeals, samples, sightings, detection, funds) is one query grouped by the
grain's key and the period; percentiles are nearest-rank, from window functions every engine has, so
the three engines give the same numbers. Definitions in docs/oversight.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.sqltypes import Float

from fanzha.appeals.tables import Appeal
from fanzha.detect.tables import DetectAlert, DetectOutcome, DetectRun
from fanzha.disposal.tables import Order, OrderEvent
from fanzha.funds.tables import Instruction
from fanzha.identity.tables import Organisation
from fanzha.oversight.domain import PROVINCE_CODE, Grain, Period, Scope, derive
from fanzha.samples.tables import Sample, SampleSource, Sighting

ANSWERS = ("executed", "object_not_found", "refused")  # an institution's receipt (Art 28¶1)
UPHELD = ("upheld", "released")  # Art 34¶2 核查通过
CONFIRMED = ("active", "expired")  # a sample the police confirmed (Art 28¶1)
Key = tuple[str, int]  # (group key, period index)


class seconds_between(FunctionElement[float]):
    """Seconds from `b` to `a`, per dialect (SQLite has no interval type)."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_default(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(a, **kw)} - {compiler.process(b, **kw)}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    a, b = list(element.clauses)
    return f"((julianday({compiler.process(a, **kw)}) - julianday({compiler.process(b, **kw)})) * 86400.0)"


class Runner(Protocol):
    """Runs a Core statement on one engine and returns its rows."""

    def rows(self, stmt: Select[Any]) -> Sequence[Sequence[Any]]:
        """All rows of `stmt`."""


@dataclass(frozen=True)
class Query:
    """What to compute: grain, periods, the instant overdue is judged at, and the reader's scope."""

    grain: Grain
    periods: Sequence[Period]
    as_of: Any  # datetime: an order still unanswered after its deadline at this instant is overdue
    scope: Scope = field(default_factory=Scope)


def _bucket(column: Any, periods: Sequence[Period]) -> ColumnElement[Any]:
    """The index of the period `column` falls in, else NULL (CASE: the same on every engine)."""
    whens = [(and_(column >= p.start, column < p.end), literal(i)) for i, p in enumerate(periods)]
    return case(*whens, else_=null())


def _region_key(grain: Grain, region: Any) -> ColumnElement[Any]:
    """Art 4: the city or county a region code rolls up to ('430000' for province-level records)."""
    code = func.coalesce(region, PROVINCE_CODE)
    if grain is Grain.CITY:
        city = func.substr(code, 1, 4, type_=String).concat("00")
        return case((func.substr(code, 3, 4) == "0000", PROVINCE_CODE), else_=city)
    if grain is Grain.COUNTY:
        # A city-level record stays at its city's code (市本级); townships fold into their county.
        return func.substr(code, 1, 6, type_=String)
    return literal(PROVINCE_CODE)


def _key(grain: Grain, org: Any, region: Any) -> ColumnElement[Any]:
    if grain is Grain.INSTITUTION:
        return cast(org.c.id, String)
    if grain is Grain.SECTOR:
        return org.c.kind  # type: ignore[no-any-return]
    return _region_key(grain, region)


def _scoped(q: Query, org: Any, region: Any) -> list[ColumnElement[bool]]:
    s = q.scope
    where: list[ColumnElement[bool]] = []
    if s.org_id is not None:
        where.append(org.c.id == s.org_id)
    if s.kinds is not None:
        where.append(org.c.kind.in_(sorted(s.kinds)) if s.kinds else false())
    if s.region_prefix is not None:
        where.append(func.coalesce(region, PROVINCE_CODE).like(f"{s.region_prefix}%"))
    return where


def _aggregate(
    runner: Runner, q: Query, facts: Any, sums: dict[str, Any], medians: dict[str, Any]
) -> dict[Key, dict[str, float | None]]:
    """Sums per (key, period) and nearest-rank percentiles of the duration columns named in `medians`."""
    out: dict[Key, dict[str, float | None]] = {}
    cols = [func.sum(v).label(k) for k, v in sums.items()]
    stmt = select(facts.c.k, facts.c.p, *cols).where(facts.c.p.is_not(None)).group_by(facts.c.k, facts.c.p)
    for row in runner.rows(stmt):
        out[(str(row[0]), int(row[1]))] = {
            k: (float(v) if v is not None else 0.0) for k, v in zip(sums, row[2:], strict=True)
        }
    for name, (column, scale, quantiles) in medians.items():
        ranked = (
            select(
                facts.c.k,
                facts.c.p,
                facts.c[column].label("v"),
                func.row_number()
                .over(partition_by=(facts.c.k, facts.c.p), order_by=facts.c[column])
                .label("rn"),
                func.count().over(partition_by=(facts.c.k, facts.c.p)).label("n"),
            )
            .where(facts.c.p.is_not(None), facts.c[column].is_not(None))
            .subquery()
        )
        # Nearest rank: the value at rank ⌈q·n⌉, i.e. the least v with rn·100 ≥ q·100·n (no division).
        picks = [
            func.min(case((ranked.c.rn * 100 >= ranked.c.n * pct, ranked.c.v), else_=null())).label(f"q{pct}")
            for pct, _ in quantiles
        ]
        stmt = select(ranked.c.k, ranked.c.p, *picks).group_by(ranked.c.k, ranked.c.p)
        for row in runner.rows(stmt):
            slot = out.setdefault((str(row[0]), int(row[1])), {})
            for (_, label), value in zip(quantiles, row[2:], strict=True):
                slot[label] = None if value is None else float(value) / scale
        del name
    return out


def _orders(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Orders by the institution that received them; region of the unit that issued them."""
    org = Organisation.__table__.alias("org")
    issuer = Organisation.__table__.alias("issuer")
    ev = OrderEvent.__table__
    answers = (
        select(
            ev.c.order_id,
            func.min(ev.c.at).label("answered_at"),
            func.max(case((ev.c.status_to == "refused", 1), else_=0)).label("refused"),
            func.max(case((ev.c.status_to == "object_not_found", 1), else_=0)).label("not_found"),
            func.max(case((ev.c.status_to == "executed", 1), else_=0)).label("executed"),
        )
        .where(ev.c.status_to.in_(ANSWERS))
        .group_by(ev.c.order_id)
        .subquery()
    )
    o = Order.__table__
    ap = Appeal.__table__
    late = case(
        (answers.c.answered_at.is_not(None), case((answers.c.answered_at > o.c.due_at, 1), else_=0)),
        else_=case((o.c.due_at < q.as_of, 1), else_=0),
    )
    # Art 34¶3: a measure lifted on an upheld appeal counts against the institution only when the appeal
    # found it had not done its duty (`institutions_fulfilled` false).
    wrongful = case(
        (and_(o.c.measure == "release", ap.c.status.in_(UPHELD), ap.c.institutions_fulfilled.is_(False)), 1),
        else_=0,
    )
    facts = (
        select(
            _key(q.grain, org, issuer.c.region_code).label("k"),
            _bucket(o.c.created_at, q.periods).label("p"),
            literal(1).label("one"),
            late.label("late"),
            func.coalesce(answers.c.refused, 0).label("refused"),
            func.coalesce(answers.c.not_found, 0).label("not_found"),
            func.coalesce(answers.c.executed, 0).label("executed"),
            case((o.c.measure == "release", func.coalesce(answers.c.executed, 0)), else_=0).label("releases"),
            wrongful.label("wrongful"),
            seconds_between(answers.c.answered_at, o.c.created_at).label("dur"),
        )
        .select_from(o)
        .join(org, org.c.id == o.c.org_id)
        .join(issuer, issuer.c.id == o.c.issuer_org_id)
        .outerjoin(answers, answers.c.order_id == o.c.id)
        .outerjoin(ap, ap.c.id == o.c.appeal_id)
        .where(o.c.created_at >= q.periods[0].start, o.c.created_at < q.periods[-1].end)
        .where(*_scoped(q, org, issuer.c.region_code))
        .subquery()
    )
    sums = {k: facts.c[c] for k, c in (("orders", "one"), ("late", "late"), ("refused", "refused"))}
    sums |= {k: facts.c[k] for k in ("not_found", "executed", "releases", "wrongful")}
    return _aggregate(
        runner, q, facts, sums, {"exec": ("dur", 60.0, ((50, "exec_median_min"), (90, "exec_p90_min")))}
    )


def _appeals(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Appeals by the unit that decided the measure (谁决定谁负责, Art 34¶1)."""
    org = Organisation.__table__.alias("org")
    a = Appeal.__table__
    facts = (
        select(
            _key(q.grain, org, org.c.region_code).label("k"),
            _bucket(a.c.created_at, q.periods).label("p"),
            literal(1).label("one"),
            case((a.c.status.in_(UPHELD), 1), else_=0).label("upheld"),
            seconds_between(a.c.decided_at, a.c.created_at).label("dur"),
        )
        .select_from(a)
        .join(org, org.c.id == a.c.deciding_org_id)
        .where(a.c.created_at >= q.periods[0].start, a.c.created_at < q.periods[-1].end)
        .where(*_scoped(q, org, org.c.region_code))
        .subquery()
    )
    sums = {"appeals": facts.c.one, "appeals_upheld": facts.c.upheld}
    return _aggregate(runner, q, facts, sums, {"appeal": ("dur", 3600.0, ((50, "appeal_median_h"),))})


def _samples(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Samples contributed (Art 27¶2) by the reporting organisation; region of the sample."""
    org = Organisation.__table__.alias("org")
    src, smp = SampleSource.__table__, Sample.__table__
    region = func.coalesce(smp.c.region_code, org.c.region_code)
    facts = (
        select(
            _key(q.grain, org, region).label("k"),
            _bucket(src.c.reported_at, q.periods).label("p"),
            literal(1).label("one"),
            case((smp.c.status.in_(CONFIRMED), 1), else_=0).label("confirmed"),
        )
        .select_from(src)
        .join(smp, smp.c.id == src.c.sample_id)
        .join(org, org.c.id == src.c.org_id)
        .where(src.c.reported_at >= q.periods[0].start, src.c.reported_at < q.periods[-1].end)
        .where(*_scoped(q, org, region))
        .subquery()
    )
    return _aggregate(runner, q, facts, {"samples": facts.c.one, "samples_confirmed": facts.c.confirmed}, {})


def _sightings(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Sightings (hits and false positives) reported back on shared samples."""
    org = Organisation.__table__.alias("org")
    s = Sighting.__table__
    facts = (
        select(
            _key(q.grain, org, org.c.region_code).label("k"),
            _bucket(s.c.seen_at, q.periods).label("p"),
            literal(1).label("one"),
        )
        .select_from(s)
        .join(org, org.c.id == s.c.org_id)
        .where(s.c.seen_at >= q.periods[0].start, s.c.seen_at < q.periods[-1].end)
        .where(*_scoped(q, org, org.c.region_code))
        .subquery()
    )
    return _aggregate(runner, q, facts, {"sightings": facts.c.one}, {})


def _detection(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Detection runs and their alerts; an alert is confirmed when a policy made something of it."""
    org = Organisation.__table__.alias("org")
    r, al, oc = DetectRun.__table__, DetectAlert.__table__, DetectOutcome.__table__
    # A false alarm fed back by fanzha.warnings is an outcome too, but not a confirmation.
    made = select(oc.c.alert_id).where(oc.c.outcome != "false_alarm").group_by(oc.c.alert_id).subquery()
    per_run = (
        select(
            al.c.run_id,
            func.count().label("alerts"),
            func.count(made.c.alert_id).label("confirmed"),
        )
        .select_from(al)
        .outerjoin(made, made.c.alert_id == al.c.id)
        .group_by(al.c.run_id)
        .subquery()
    )
    facts = (
        select(
            _key(q.grain, org, org.c.region_code).label("k"),
            _bucket(r.c.created_at, q.periods).label("p"),
            literal(1).label("one"),
            func.coalesce(per_run.c.alerts, 0).label("alerts"),
            func.coalesce(per_run.c.confirmed, 0).label("confirmed"),
        )
        .select_from(r)
        .join(org, org.c.id == r.c.org_id)
        .outerjoin(per_run, per_run.c.run_id == r.c.id)
        .where(r.c.created_at >= q.periods[0].start, r.c.created_at < q.periods[-1].end)
        .where(*_scoped(q, org, org.c.region_code))
        .subquery()
    )
    sums = {"detect_runs": facts.c.one, "alerts": facts.c.alerts, "alerts_confirmed": facts.c.confirmed}
    return _aggregate(runner, q, facts, sums, {})


def _funds(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Money the institutions' answers stopped, froze and returned (Art 19, 35), by answer time."""
    org = Organisation.__table__.alias("org")
    issuer = Organisation.__table__.alias("issuer")
    i = Instruction.__table__
    facts = (
        select(
            _key(q.grain, org, issuer.c.region_code).label("k"),
            _bucket(i.c.answered_at, q.periods).label("p"),
            *(
                case((i.c.kind == kind, i.c.result_fen), else_=0).label(label)
                for kind, label in (("stop_payment", "stopped"), ("freeze", "frozen"), ("return", "returned"))
            ),
        )
        .select_from(i)
        .join(org, org.c.id == i.c.org_id)
        .join(issuer, issuer.c.id == i.c.issuer_org_id)
        .where(i.c.answered_at >= q.periods[0].start, i.c.answered_at < q.periods[-1].end)
        .where(*_scoped(q, org, issuer.c.region_code))
        .subquery()
    )
    sums = {"stopped_fen": facts.c.stopped, "frozen_fen": facts.c.frozen, "returned_fen": facts.c.returned}
    return _aggregate(runner, q, facts, sums, {})


Family = Callable[[Runner, Query], dict[Key, dict[str, float | None]]]
FAMILIES: tuple[Family, ...] = (_orders, _appeals, _samples, _sightings, _detection, _funds)
# The slot for fanzha.warnings (Art 28¶2): a family appended here adds its keys to every row.
EXTRA_FACTS: list[Family] = []


# Counts a group without any such record reads as 0 (percentiles and rates stay None: nothing to measure).
COUNTS = (
    *("orders", "late", "refused", "not_found", "executed", "releases", "wrongful", "appeals"),
    *("appeals_upheld", "samples", "samples_confirmed", "sightings", "detect_runs", "alerts"),
    *("alerts_confirmed", "stopped_fen", "frozen_fen", "returned_fen"),
)


def compute(runner: Runner, q: Query) -> dict[Key, dict[str, float | None]]:
    """Every indicator per (group key, period index), counts filled with 0 and rates derived."""
    merged: dict[Key, dict[str, float | None]] = {}
    for family in (*FAMILIES, *EXTRA_FACTS):
        for key, values in family(runner, q).items():
            merged.setdefault(key, {}).update(values)
    empty: dict[str, float | None] = dict.fromkeys(COUNTS, 0.0)
    empty |= {"exec_median_min": None, "exec_p90_min": None, "appeal_median_h": None}
    return {key: derive(empty | values) for key, values in merged.items()}
