"""Chinese public holidays and adjusted working days (调休), as data, for the working-day calendar.

2026: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04).
2027: the statutory festival days only (全国年节及纪念日放假办法, 2024 revision; festival dates from the
lunar calendar); the State Council's 2027 notice with its adjusted days is to be entered when published.
"""

from __future__ import annotations

from datetime import date, timedelta


def _span(first: date, days: int) -> set[date]:
    return {first + timedelta(days=i) for i in range(days)}


HOLIDAYS: frozenset[date] = frozenset(
    # 2026
    _span(date(2026, 1, 1), 3)  # 元旦
    | _span(date(2026, 2, 15), 9)  # 春节
    | _span(date(2026, 4, 4), 3)  # 清明节
    | _span(date(2026, 5, 1), 5)  # 劳动节
    | _span(date(2026, 6, 19), 3)  # 端午节
    | _span(date(2026, 9, 25), 3)  # 中秋节
    | _span(date(2026, 10, 1), 7)  # 国庆节
    # 2027 (statutory days; provisional until the 2027 notice)
    | {date(2027, 1, 1)}  # 元旦
    | _span(date(2027, 2, 5), 4)  # 春节: 除夕 to 初三
    | {date(2027, 4, 5)}  # 清明节
    | _span(date(2027, 5, 1), 2)  # 劳动节
    | {date(2027, 6, 9)}  # 端午节
    | {date(2027, 9, 15)}  # 中秋节
    | _span(date(2027, 10, 1), 3)  # 国庆节
)

# Weekend days that are working days (调休上班).
WORKDAYS: frozenset[date] = frozenset(
    {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
)
