"""The regulation texts shipped with the platform, and the text of one article or paragraph."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

HUNAN = "hunan_provisions.txt"
AFL = "anti_fraud_law.txt"
_DIGITS = "零一二三四五六七八九"
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零]+条)")
_CITATION = re.compile(r"^(第[一二三四五六七八九十百零]+条)(?:第([一二三四五六七八九十]+)款)?$")


def chinese_number(n: int) -> str:
    """1 → 一, 13 → 十三, 28 → 二十八 (article numbers up to 99)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


@cache
def _articles(source: str) -> dict[str, list[str]]:
    """Article heading (第十三条) → its paragraphs, one non-empty line each, heading stripped."""
    text = resources.files(__package__).joinpath(source).read_text(encoding="utf-8")
    articles: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in text.splitlines():
        line = raw.strip().replace("\u3000", " ").strip()
        if not line or line.startswith("#") or line.startswith("<!--"):
            continue
        match = _ARTICLE.match(line)
        if match:
            current = articles.setdefault(match.group(1), [])
            # The heading line carries 【title】 (provisions) or the first paragraph (national law).
            rest = re.sub(r"^【[^】]*】", "", line[match.end() :].strip()).strip()
            if rest:
                current.append(rest)
        elif re.match(r"^第.章", line):
            current = None
        elif current is not None:
            current.append(line)
    return articles


def article(citation: str, source: str = HUNAN) -> str:
    """The text of 第十三条 (all paragraphs) or 第十八条第三款 (that paragraph); KeyError if absent."""
    match = _CITATION.match(citation)
    if match is None:
        raise KeyError(citation)
    paragraphs = _articles(source)[match.group(1)]
    if match.group(2) is None:
        return "".join(paragraphs)
    index = _DIGITS.index(match.group(2)) - 1 if len(match.group(2)) == 1 else 9
    if not 0 <= index < len(paragraphs):
        raise KeyError(citation)
    return paragraphs[index]
