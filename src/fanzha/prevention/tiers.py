"""Tiered accounts (Art 16), pure: an institution's table from customer risk score to functions, channels
and limits; tables with gaps or overlaps are refused; a payment outside its tier is refused naming
the tier and the limit.

Art 16: 根据尽职调查情况确定风险等级 … 对账户实施分类分级管理，合理设置账户功能、支付渠道和支付限额.
The risk score (0-100) comes from CustomerRiskV1 and the institution's due diligence; the table covers
every score exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fanzha.core.errors import ValidationFailed

ARTICLE = "第十六条"
CHANNELS = frozenset({"counter", "online", "mobile", "atm", "pos", "third_party"})
FUNCTIONS = frozenset({"transfer", "cash", "payment", "receive"})
MAX_FEN = 10**14  # 1 trillion yuan: far above any account limit
MAX_TIERS = 12


@dataclass(frozen=True)
class Tier:
    """One row: scores score_from..score_to (inclusive) get these functions, channels and limits."""

    name: str
    score_from: int
    score_to: int
    channels: frozenset[str]
    functions: frozenset[str]
    per_txn_fen: int
    daily_fen: int


def _bad(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"{zh}（第十六条）", f"{en} (Art 16)", field=field)


def _int(row: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(
            f"{where}.{key}", f"应为 {low} 至 {high} 的整数", f"must be an integer from {low} to {high}"
        )
    return value


def _names(row: dict[str, Any], key: str, where: str, allowed: frozenset[str]) -> frozenset[str]:
    value = row.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise _bad(
            f"{where}.{key}",
            f"应为取自 {sorted(allowed)} 的列表",
            f"must be a list drawn from {sorted(allowed)}",
        )
    return frozenset(value)


def parse_table(body: object) -> tuple[Tier, ...]:
    """A validated table sorted by score; refuses gaps, overlaps and bad rows naming the field."""
    rows = body.get("tiers") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not 1 <= len(rows) <= MAX_TIERS:
        raise _bad(
            "tiers", f"分级表应为 1 至 {MAX_TIERS} 行的列表", f"tiers must be a list of 1 to {MAX_TIERS} rows"
        )
    tiers: list[tuple[int, Tier]] = []
    for i, row in enumerate(rows):
        where = f"tiers[{i}]"
        if not isinstance(row, dict):
            raise _bad(where, "每行应为对象", "each row must be an object")
        name = row.get("tier")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 32:
            raise _bad(f"{where}.tier", "等级名称应为 1 至 32 个字符", "tier must be 1 to 32 characters")
        low = _int(row, "score_from", where, 0, 100)
        high = _int(row, "score_to", where, 0, 100)
        if high < low:
            raise _bad(
                f"{where}.score_to", "score_to 不得小于 score_from", "score_to must not be below score_from"
            )
        per_txn = _int(row, "per_txn_fen", where, 0, MAX_FEN)
        daily = _int(row, "daily_fen", where, 0, MAX_FEN)
        channels = _names(row, "channels", where, CHANNELS)
        functions = _names(row, "functions", where, FUNCTIONS)
        tiers.append((i, Tier(name.strip(), low, high, channels, functions, per_txn, daily)))
    if len({t.name for _, t in tiers}) != len(tiers):
        raise _bad("tiers", "等级名称重复", "tier names repeat")
    tiers.sort(key=lambda it: it[1].score_from)
    expected = 0
    for i, t in tiers:
        where = f"tiers[{i}]"
        if t.score_from > expected:
            raise _bad(
                f"{where}.score_from",
                f"风险分 {expected}-{t.score_from - 1} 没有对应等级（缺口）",
                f"scores {expected}-{t.score_from - 1} have no tier (gap)",
            )
        if t.score_from < expected:
            raise _bad(
                f"{where}.score_from",
                f"风险分 {t.score_from}-{expected - 1} 对应多个等级（重叠）",
                f"scores {t.score_from}-{expected - 1} fall in two tiers (overlap)",
            )
        expected = t.score_to + 1
    if expected != 101:
        raise _bad(
            "tiers",
            f"风险分 {expected}-100 没有对应等级（缺口）",
            f"scores {expected}-100 have no tier (gap)",
        )
    return tuple(t for _, t in tiers)


def tier_of(table: tuple[Tier, ...], score: int) -> Tier:
    """The one tier a score falls in (the table covers 0-100 exactly once)."""
    for t in table:
        if t.score_from <= score <= t.score_to:
            return t
    raise ValueError(score)  # unreachable on a table parse_table accepted


def tier_refusal(
    tier: Tier, channel: str, function: str, amount_fen: int, spent_today_fen: int
) -> dict[str, object] | None:
    """Why the tier refuses this payment, or None (Art 16: functions, channels, limits by tier)."""
    limit: str | None = None
    if function not in tier.functions:
        limit, zh, en = (
            "function",
            f"{tier.name} 账户未开通「{function}」功能",
            f"tier {tier.name} has no '{function}' function",
        )
    elif channel not in tier.channels:
        limit, zh, en = (
            "channel",
            f"{tier.name} 账户不可使用「{channel}」渠道",
            f"tier {tier.name} may not use the '{channel}' channel",
        )
    elif amount_fen > tier.per_txn_fen:
        limit, zh, en = (
            "per_txn",
            f"超过 {tier.name} 单笔限额 {tier.per_txn_fen / 100:,.2f} 元",
            f"over the tier {tier.name} per-payment limit of {tier.per_txn_fen / 100:,.2f} yuan",
        )
    elif spent_today_fen + amount_fen > tier.daily_fen:
        limit, zh, en = (
            "daily",
            f"超过 {tier.name} 日累计限额 {tier.daily_fen / 100:,.2f} 元"
            f"（今日已付 {spent_today_fen / 100:,.2f} 元）",
            f"over the tier {tier.name} daily limit of {tier.daily_fen / 100:,.2f} yuan",
        )
    if limit is None:
        return None
    return {
        "tier": tier.name,
        "limit": limit,
        "per_txn_fen": tier.per_txn_fen,
        "daily_fen": tier.daily_fen,
        "reason_zh": zh + "（第十六条）",
        "reason_en": en + " (Art 16)",
        "article": ARTICLE,
    }
