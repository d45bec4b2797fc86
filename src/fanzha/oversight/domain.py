"""Indicators, periods, region levels, scopes and the praise / criticism rules of oversight: pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from fanzha.core.errors import ValidationFailed
from fanzha.identity.domain import OrgKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVINCE_CODE = "430000"


class Grain(StrEnum):
    """What the indicators are grouped by (Art 25 per sector, Art 4 along the region tree)."""

    INSTITUTION = "institution"
    SECTOR = "sector"
    CITY = "city"
    COUNTY = "county"
    PROVINCE = "province"


class Span(StrEnum):
    """Length of one period (Asia/Shanghai calendar)."""

    MONTH = "month"
    WEEK = "week"


@dataclass(frozen=True)
class Indicator:
    """One indicator: key, label, unit and which way is better (for ranking and rules)."""

    key: str
    zh: str
    en: str
    unit: str  # "count", "rate", "minutes", "hours", "fen"
    better: str = "higher"  # "higher", "lower" or "" (a volume, not a score)


# Art 25 考核评价: the standard process and result indicators; definitions in docs/oversight.md.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("orders", "收到处置指令", "Orders received", "count", ""),
    Indicator(
        "exec_median_min", "执行用时中位数（分钟）", "Time to execute, median (min)", "minutes", "lower"
    ),
    Indicator("exec_p90_min", "执行用时 P90（分钟）", "Time to execute, p90 (min)", "minutes", "lower"),
    Indicator("overdue_rate", "超期率", "Overdue rate", "rate", "lower"),
    Indicator("refused", "拒绝执行", "Refused", "count", "lower"),
    Indicator("not_found", "对象不存在", "Object not found", "count", ""),
    Indicator("wrongful", "错误处置（申诉成立且未尽责）", "Wrongful disposals", "count", "lower"),
    Indicator("wrongful_rate", "错误处置率", "Wrongful-disposal rate", "rate", "lower"),
    Indicator("appeals", "受理申诉", "Appeals received", "count", ""),
    Indicator("appeals_upheld", "申诉成立", "Appeals upheld", "count", ""),
    Indicator("appeal_median_h", "申诉办理用时中位数（小时）", "Appeal time, median (h)", "hours", "lower"),
    Indicator("samples", "报送样本", "Samples contributed", "count", "higher"),
    Indicator("samples_confirmed", "样本经确认", "Samples confirmed", "count", "higher"),
    Indicator("sightings", "样本命中反馈", "Sightings reported", "count", "higher"),
    Indicator("detect_runs", "监测运行", "Detection runs", "count", "higher"),
    Indicator("alerts", "监测预警", "Alerts", "count", ""),
    Indicator("alert_confirm_rate", "预警确认率", "Alert confirmation rate", "rate", "higher"),
    Indicator("stopped_fen", "紧急止付金额（分）", "Money stopped (fen)", "fen", "higher"),
    Indicator("frozen_fen", "冻结金额（分）", "Money frozen (fen)", "fen", "higher"),
    Indicator("returned_fen", "返还金额（分）", "Money returned (fen)", "fen", "higher"),
)
BY_KEY = {i.key: i for i in INDICATORS}
# The slot for fanzha.warnings (Art 28¶2): its indicators are added here when that area exists, and
# its facts through `fanzha.oversight.indicators.EXTRA_FACTS`; nothing is shown until then.
WARNING_INDICATORS: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class Period:
    """One week or month, as UTC instants of its Asia/Shanghai bounds."""

    key: str
    start: datetime
    end: datetime


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def _utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=SHANGHAI).astimezone(UTC)


def month(key: str) -> Period:
    """The month `YYYY-MM` (Asia/Shanghai); a clear error otherwise."""
    found = _MONTH.fullmatch(key)
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValidationFailed("月份格式应为 YYYY-MM", "Month must be YYYY-MM", field="month")
    y, m = int(found.group(1)), int(found.group(2))
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return Period(key, _utc(y, m, 1), _utc(ny, nm, 1))


def week(key: str) -> Period:
    """The ISO week `YYYY-Www` (Monday to Monday, Asia/Shanghai)."""
    found = _WEEK.fullmatch(key)
    if not found or not 1 <= int(found.group(2)) <= 53 or int(found.group(1)) < 2000:
        raise ValidationFailed("周格式应为 YYYY-Www", "Week must be YYYY-Www", field="week")
    try:
        monday = datetime.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise ValidationFailed("该年没有这一周", "No such ISO week in that year", field="week") from None
    start = monday.replace(tzinfo=SHANGHAI).astimezone(UTC)
    return Period(key, start, start + timedelta(days=7))


def period_of(span: Span, moment: datetime) -> Period:
    """The week or month containing `moment`."""
    local = moment.astimezone(SHANGHAI)
    if span is Span.MONTH:
        return month(f"{local.year:04d}-{local.month:02d}")
    iso = local.isocalendar()
    return week(f"{iso.year:04d}-W{iso.week:02d}")


def parse_period(span: Span, key: str) -> Period:
    """A period key of the span's form."""
    return month(key) if span is Span.MONTH else week(key)


def trailing(span: Span, last: Period, count: int) -> list[Period]:
    """`count` consecutive periods ending with `last`, oldest first."""
    if not 1 <= count <= 60:
        raise ValidationFailed("期数应在 1-60 之间", "Number of periods must be 1-60", field="periods")
    out = [last]
    while len(out) < count:
        out.append(period_of(span, out[-1].start - timedelta(seconds=1)))
    return out[::-1]


def previous_month(now: datetime) -> Period:
    """The last complete month before `now` (the default of a monthly notification, Art 24)."""
    return period_of(Span.MONTH, period_of(Span.MONTH, now).start - timedelta(seconds=1))


# Art 4: province → cities → counties. GB/T 2260: XX0000 a province, XXXX00 a city, else a county;
# 9-digit township codes belong to their county.
def region_level(code: str | None) -> str:
    """'province', 'city', 'county' or 'township' of a region code (None counts as the province)."""
    if not code or code[2:6] == "0000":
        return "province"
    if len(code) > 6:
        return "township"
    return "city" if code[4:6] == "00" else "county"


def city_of(code: str | None) -> str | None:
    """The city a region code lies in (None at province level)."""
    return None if region_level(code) == "province" else f"{code[:4]}00"  # type: ignore[index]


def county_of(code: str | None) -> str | None:
    """The county a region code lies in (None at province or city level)."""
    return code[:6] if region_level(code) in ("county", "township") else None  # type: ignore[index]


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (the value at rank ⌈q·n⌉ of the sorted values), as the SQL computes it."""
    if not values:
        return None
    ordered = sorted(values)
    n = len(ordered)
    rank = next(k for k in range(1, n + 1) if k * 100 >= round(q * 100) * n)
    return ordered[rank - 1]


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return None if not whole else float(part or 0) / float(whole)


def derive(values: dict[str, float | None]) -> dict[str, float | None]:
    """The rates computed from the counts (one place, so page, API and PDF agree)."""
    out = dict(values)
    executed = (values.get("executed") or 0) - (values.get("releases") or 0)
    out["overdue_rate"] = ratio(values.get("late"), values.get("orders"))
    out["wrongful_rate"] = ratio(values.get("wrongful"), executed if executed > 0 else None)
    out["alert_confirm_rate"] = ratio(values.get("alerts_confirmed"), values.get("alerts"))
    return out


# Art 25: who reads whose figures. Regulators see their sector (the routing table's regulator entries
# name them; these kinds are the fallback when none does).
SECTORS_OF_REGULATOR: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.REGULATOR: frozenset({OrgKind.BANK, OrgKind.PAYMENT}),
    OrgKind.TELECOM_AUTHORITY: frozenset({OrgKind.TELECOM}),
    OrgKind.CYBERSPACE: frozenset({OrgKind.INTERNET}),
}


@dataclass(frozen=True)
class Scope:
    """What a reader may see: an organisation only, some sectors, a region subtree, or everything."""

    org_id: int | None = None
    kinds: frozenset[str] | None = None
    region_prefix: str | None = None

    @property
    def everything(self) -> bool:
        """True for the provincial centre."""
        return self.org_id is None and self.kinds is None and self.region_prefix is None


def scope_for(kind: OrgKind, org_id: int, region_code: str | None, regulated: Iterable[str] = ()) -> Scope:
    """Art 4, 25: police by region, regulators by sector, institutions their own records only."""
    if kind.is_institution or kind.is_sharing:
        return Scope(org_id=org_id)
    if kind.is_police:
        level = region_level(region_code)
        if level == "province":
            return Scope()
        prefix = region_code[:4] if level == "city" else region_code[:6]  # type: ignore[index]
        return Scope(region_prefix=prefix)
    sectors = set(regulated) or {str(k) for k in SECTORS_OF_REGULATOR.get(kind, frozenset())}
    return Scope(kinds=frozenset(sectors))


@dataclass(frozen=True)
class Rules:
    """Settings for the notification's praise and criticism (Art 24 通报)."""

    min_orders: int = 5
    overdue_floor: float = 0.2
    overdue_factor: float = 2.0
    wrongful_ceiling: float = 0.05
    praise_top: int = 3


@dataclass
class Judged:
    """An institution's row in the notification: its rank and why it is praised or criticised."""

    org_id: int
    name: str
    kind: str
    values: dict[str, float | None]
    rank: int = 0
    praise: list[str] = field(default_factory=list)
    criticism: list[str] = field(default_factory=list)


def rank_key(values: dict[str, float | None]) -> tuple[float, float, str]:
    """Ranking: lower overdue rate first, then faster median execution (missing figures last)."""
    overdue = values.get("overdue_rate")
    median = values.get("exec_median_min")
    return (overdue if overdue is not None else 2.0, median if median is not None else 1e12, "")


def judge(rows: list[Judged], rules: Rules) -> list[Judged]:
    """Rank institutions and name those praised and criticised, each with its reason (Art 24, 25)."""
    eligible = [r for r in rows if (r.values.get("orders") or 0) >= rules.min_orders]
    eligible.sort(key=lambda r: (*rank_key(r.values)[:2], r.name))
    for i, row in enumerate(eligible, start=1):
        row.rank = i
    by_sector: dict[str, list[float]] = {}
    for row in eligible:
        by_sector.setdefault(row.kind, []).append(row.values.get("overdue_rate") or 0.0)
    for row in eligible:
        rates = by_sector[row.kind]
        mean = sum(rates) / len(rates)
        overdue = row.values.get("overdue_rate") or 0.0
        if overdue >= max(rules.overdue_floor, rules.overdue_factor * mean):
            row.criticism.append(
                f"超期率 {overdue:.0%}，为本行业平均 {mean:.0%} 的 {overdue / mean if mean else 0:.1f} 倍"
            )
        wrongful = row.values.get("wrongful_rate") or 0.0
        if wrongful > rules.wrongful_ceiling:
            row.criticism.append(f"错误处置率 {wrongful:.1%}，高于 {rules.wrongful_ceiling:.0%}")
        if (row.values.get("refused") or 0) > 0:
            row.criticism.append(f"拒绝执行指令 {int(row.values.get('refused') or 0)} 条")
    clean = [r for r in eligible if not r.criticism and (r.values.get("overdue_rate") or 0.0) == 0.0]
    for row in clean[: rules.praise_top]:
        median = row.values.get("exec_median_min")
        row.praise.append(
            "无超期指令" + (f"，执行用时中位数 {median:.0f} 分钟" if median is not None else "")
        )
    return sorted(rows, key=lambda r: (r.rank or 10**9, r.name))
