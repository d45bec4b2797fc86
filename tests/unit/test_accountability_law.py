"""Every article accountability cites says what the code says: quotes against the texts in regulation/,
fine ranges against the words 「…元以上…元以下」 of the article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fanzha import law
from fanzha.accountability.domain import (
    CONTROL_CITATIONS,
    INSPECTION_CITATIONS,
    INTERVIEW_CITATION,
    KINDS,
    LICENSED_CITATION,
    ROSTER_CITATION,
)
from fanzha.accountability.penalties import AFL, ART39_QUOTE, HIGHER_LAW, RULES, Circumstance

SHARED = Path("/work/shared/regulation")
NUM = "[一二三四五六七八九十百万]"
_DIGIT = dict(zip("一二三四五六七八九", range(1, 10), strict=True))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _source_text(source: str) -> str:
    """The shipped text (fanzha.law) and, where present, the shared copy the project reads from."""
    name = "hunan-provisions.zh.txt" if source != AFL else "national-anti-fraud-law.zh.md"
    shared = SHARED / name
    return _flat(shared.read_text(encoding="utf-8")) if shared.exists() else ""


def chinese_yuan(words: str) -> int:
    """一万 → 10000, 二十万 → 200000, 五百万 → 5000000 (the amounts the penalty articles use)."""
    total, number = 0, 0
    for ch in words:
        if ch in _DIGIT:
            number = _DIGIT[ch]
        elif ch == "十":
            number = (number or 1) * 10
        elif ch == "百":
            number = (number or 1) * 100
        elif ch == "万":
            total += (number or 1) * 10_000
            number = 0
    return total + number


def _ranges_in(quote: str) -> list[tuple[int, int]]:
    return [
        (chinese_yuan(lo), chinese_yuan(hi))
        for lo, hi in re.findall(
            r"处([一二三四五六七八九十百万]+)元以上([一二三四五六七八九十百万]+)元以下", quote
        )
    ]


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.id)
def test_each_penalty_rule_quotes_its_article(rule) -> None:  # type: ignore[no-untyped-def]
    source = law.HUNAN if rule.source != AFL else law.AFL
    text = _flat(law.article(rule.citation, source))
    assert _flat(rule.quote) in text, f"{rule.id}: quote not in {rule.citation}"
    shared = _source_text(rule.source)
    if shared:
        assert _flat(rule.quote) in shared
    if rule.source != AFL:
        # The duty the article enforces is the one it names: 违反本规定第十五条第一款规定 ...
        assert f"违反本规定{rule.duty}规定" in text


@pytest.mark.parametrize("rule", RULES.values(), ids=lambda r: r.id)
def test_fine_ranges_are_the_articles_words(rule) -> None:  # type: ignore[no-untyped-def]
    in_text = _ranges_in(rule.quote)
    assert sorted(rule.ranges.values()) == sorted(in_text)
    if Circumstance.SERIOUS in rule.ranges:
        assert "情节严重" in rule.quote
    if Circumstance.NOT_CORRECTED in rule.ranges:
        assert "逾期不改正" in rule.quote
    if rule.order_to_correct:
        assert "责令改正" in rule.quote


def test_the_ranges_the_issue_names() -> None:
    assert RULES["hn40-1"].ranges == {Circumstance.SERIOUS: (10_000, 50_000)}
    assert RULES["hn40-2"].ranges == {Circumstance.NOT_CORRECTED: (50_000, 200_000)}
    assert RULES["hn41"].ranges == {
        Circumstance.NOT_CORRECTED: (50_000, 200_000),
        Circumstance.SERIOUS: (200_000, 500_000),
    }
    assert not RULES["hn40-1"].order_to_correct  # Art 40¶1: a warning, no order to correct


def test_deciding_departments_follow_the_words() -> None:
    assert "公安机关" in RULES["hn40-1"].quote and all(k.is_police for k in RULES["hn40-1"].deciders)
    assert "电信主管部门" in RULES["hn40-2"].quote
    assert {str(k) for k in RULES["hn40-2"].deciders} == {"telecom_authority"}
    assert "公安、电信、网信等部门按照职责" in RULES["hn41"].quote
    assert {"telecom_authority", "cyberspace", "police_province"} <= {str(k) for k in RULES["hn41"].deciders}


def test_article_39_and_the_higher_laws() -> None:
    assert _flat(ART39_QUOTE) in _flat(law.article("第三十九条"))
    for provision, higher in HIGHER_LAW.items():
        assert RULES[provision].source == "hunan"
        assert all(RULES[h].source == AFL for h in higher)


CITED = [
    *[(k.citation, k.quote) for k in KINDS.values()],
    INTERVIEW_CITATION,
    *CONTROL_CITATIONS.values(),
    *INSPECTION_CITATIONS.values(),
    ROSTER_CITATION,
    LICENSED_CITATION,
]


@pytest.mark.parametrize(("citation", "quote"), CITED)
def test_other_citations_quote_their_paragraph(citation: str, quote: str) -> None:
    assert _flat(quote) in _flat(law.article(citation))
    shared = _source_text("hunan")
    if shared:
        assert _flat(quote) in shared
