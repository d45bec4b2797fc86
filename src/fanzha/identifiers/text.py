"""Input cleaning shared by the per-kind normalisers (pure, stdlib only)."""

from __future__ import annotations

import re
import unicodedata

from fanzha.core.errors import ValidationFailed


def bad(field: str, zh: str, en: str) -> ValidationFailed:
    """The error for malformed input, naming the field it came from."""
    return ValidationFailed(zh, en, field=field)


def clean(raw: str, field: str, max_length: int = 2048) -> str:
    """Trimmed text with full-width forms folded and invisible formatting characters removed."""
    if not isinstance(raw, str):
        raise bad(field, "值必须是文本", "Value must be text")
    plain = raw.isascii() and raw.isprintable()  # the common case: NFKC changes nothing, no controls
    if plain:
        text = raw.strip()
    else:
        # NFKC folds full-width digits and letters (１３８ → 138) that people paste from documents;
        # zero-width spaces, BOMs and soft hyphens (category Cf) ride along from web pages and chat
        # apps and would otherwise make the same identifier two different tokens.
        folded = unicodedata.normalize("NFKC", raw)
        text = "".join(c for c in folded if unicodedata.category(c) != "Cf").strip()
    if not text:
        raise bad(field, "值不能为空", "Value is empty")
    if len(text) > max_length:
        raise bad(
            field, f"值过长（最多 {max_length} 个字符）", f"Value too long (max {max_length} characters)"
        )
    if not plain and any(unicodedata.category(c) == "Cc" for c in text):
        raise bad(
            field, "值包含控制字符（如制表符、换行）", "Value contains control characters (tab, newline…)"
        )
    return text


# Threat reports "defang" network indicators so nobody clicks them: hxxp://evil[.]com.
_DEFANG = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\[:\]|\[://\]", re.IGNORECASE)
_DEFANG_SCHEME = re.compile(r"hxxp(s?):", re.IGNORECASE)


def refang(text: str) -> str:
    """Undo the usual defanging of URLs, domains and IPs (hxxp, [.], (dot), [:])."""
    if "[" in text or "(" in text or "{" in text:
        text = _DEFANG.sub(
            lambda m: "://" if m.group() == "[://]" else ":" if m.group() == "[:]" else ".", text
        )
    if text[:2].lower() == "hx":
        scheme = _DEFANG_SCHEME.match(text)
        if scheme:
            text = "http" + scheme.group(1).lower() + ":" + text[scheme.end() :]
    return text
