"""Pydantic's first complaint about an input as a bilingual error naming the field and the rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from fanzha.core.errors import ValidationFailed

# Pydantic error type -> (Chinese rule, English rule); {name} is filled from the error's context.
RULES: dict[str, tuple[str, str]] = {
    "missing": ("必填", "is required"),
    "string_too_short": ("至少 {min_length} 个字", "needs at least {min_length} characters"),
    "string_too_long": ("至多 {max_length} 个字", "takes at most {max_length} characters"),
    "too_short": ("至少 {min_length} 项", "needs at least {min_length} items"),
    "too_long": ("至多 {max_length} 项", "takes at most {max_length} items"),
    "string_type": ("须为文字", "must be text"),
    "int_parsing": ("须为整数", "must be a whole number"),
    "int_type": ("须为整数", "must be a whole number"),
    "int_from_float": ("须为整数", "must be a whole number"),
    "float_parsing": ("须为数字", "must be a number"),
    "float_type": ("须为数字", "must be a number"),
    "bool_parsing": ("须为是或否", "must be yes or no"),
    "bool_type": ("须为是或否", "must be yes or no"),
    "greater_than": ("须大于 {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("须不小于 {ge}", "must be at least {ge}"),
    "less_than": ("须小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("须不大于 {le}", "must be at most {le}"),
    "enum": ("须为以下之一：{expected}", "must be one of: {expected}"),
    "literal_error": ("须为以下之一：{expected}", "must be one of: {expected}"),
    "string_pattern_mismatch": ("格式不符合要求", "does not have the required format"),
    "datetime_parsing": (
        "须为日期时间，如 2026-12-07T10:00:00+08:00",
        "must be a date and time, e.g. 2026-12-07T10:00:00+08:00",
    ),
    "datetime_type": (
        "须为日期时间，如 2026-12-07T10:00:00+08:00",
        "must be a date and time, e.g. 2026-12-07T10:00:00+08:00",
    ),
    "datetime_from_date_parsing": (
        "须为日期时间，如 2026-12-07T10:00:00+08:00",
        "must be a date and time, e.g. 2026-12-07T10:00:00+08:00",
    ),
    "timezone_aware": ("须带时区，如 +08:00", "must carry a time zone, e.g. +08:00"),
    "date_parsing": ("须为日期，如 2026-12-07", "must be a date, e.g. 2026-12-07"),
    "date_from_datetime_parsing": ("须为日期，如 2026-12-07", "must be a date, e.g. 2026-12-07"),
    "extra_forbidden": ("不是可接受的字段", "is not an accepted field"),
    "json_invalid": ("不是合法的 JSON", "is not valid JSON"),
    "json_type": ("不是合法的 JSON", "is not valid JSON"),
    "model_type": ("须为对象", "must be an object"),
    "dict_type": ("须为对象", "must be an object"),
    "list_type": ("须为列表", "must be a list"),
    "url_parsing": ("须为合法网址", "must be a valid URL"),
    "url_scheme": ("网址须以 http:// 或 https:// 开头", "must start with http:// or https://"),
    "uuid_parsing": ("须为 UUID", "must be a UUID"),
    "decimal_parsing": ("须为数字", "must be a number"),
    "value_error": ("不符合要求", "is invalid"),
    "assertion_error": ("不符合要求", "is invalid"),
}
_DEFAULT = ("不符合要求", "is invalid")


def rule_of(error: Mapping[str, Any]) -> tuple[str, str]:
    """The rule an input broke, in Chinese and English, with the bound from the error's context."""
    zh, en = RULES.get(str(error.get("type", "")), _DEFAULT)
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    # Pydantic lists choices as "'a', 'b' or 'c'": the Chinese list takes 、 instead.
    chinese = {k: v.replace(" or ", "、").replace(", ", "、") for k, v in context.items()}
    try:
        zh, en = zh.format(**chinese), en.format(**context)
    except (KeyError, IndexError):  # a context without the bound
        zh, en = _DEFAULT
    reason = context.get("error", "")
    if error.get("type") == "value_error" and reason:
        # Our own validators explain themselves: in Chinese where they do, else in English only.
        zh, en = (reason, en) if _is_chinese(reason) else (zh, f"is invalid: {reason}")
    return zh, en


def field_of(location: Sequence[Any], default: str = "body") -> str:
    """The field's dotted path, without the request part FastAPI puts first."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts  # ("body",) alone: the whole body was wrong
    return ".".join(parts) or default


def invalid(error: ValidationError | Mapping[str, Any], default_field: str = "body") -> ValidationFailed:
    """The first problem of a validation error as one bilingual ValidationFailed naming field and rule."""
    first = error.errors()[0] if isinstance(error, ValidationError) else error
    field = field_of(tuple(first.get("loc", ())), default_field)
    zh, en = rule_of(first)
    return ValidationFailed(f"字段「{field}」{zh}", f"Field '{field}' {en}", field=field)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
