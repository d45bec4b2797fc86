"""Every validation error reads in Chinese and English, names the field and the rule, and no Pydantic English
reaches the Chinese message, whichever model of the platform refused the input."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import datetime
from typing import Annotated, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

import fanzha
from fanzha.core.invalid import RULES, field_of, invalid

PYDANTIC_ENGLISH = re.compile(
    r"Input should|Field required|Value error|String should|value is not|Extra inputs"
)


class Form(BaseModel):
    name: Annotated[str, Field(min_length=5, max_length=8)]
    count: Annotated[int, Field(ge=1, le=10)]
    kind: Literal["phone", "url"]
    at: datetime


def _error(data: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate(data)
    return caught.value


GOOD = {"name": "abcdef", "count": 3, "kind": "phone", "at": "2026-12-07T10:00:00+08:00"}


@pytest.mark.parametrize(
    ("change", "field", "zh", "en"),
    [
        ({"name": None}, "name", "字段「name」须为文字", "Field 'name' must be text"),
        ({"name": "abc"}, "name", "字段「name」至少 5 个字", "needs at least 5 characters"),
        ({"name": "abcdefghij"}, "name", "至多 8 个字", "at most 8 characters"),
        ({"count": "x"}, "count", "须为整数", "whole number"),
        ({"count": 0}, "count", "须不小于 1", "at least 1"),
        ({"count": 11}, "count", "须不大于 10", "at most 10"),
        ({"kind": "fax"}, "kind", "须为以下之一：'phone'、'url'", "must be one of"),
        ({"at": "yesterday"}, "at", "须为日期时间", "date and time"),
    ],
)
def test_each_rule_reads_in_both_languages(change: dict[str, object], field: str, zh: str, en: str) -> None:
    error = invalid(_error({**GOOD, **change}))
    assert error.field == field and zh in error.message_zh and en in error.message_en
    assert not PYDANTIC_ENGLISH.search(error.message_zh)


def test_a_missing_field_is_required() -> None:
    data = dict(GOOD)
    del data["kind"]
    error = invalid(_error(data))
    assert (error.message_zh, error.message_en) == ("字段「kind」必填", "Field 'kind' is required")


def test_request_parts_are_not_part_of_the_field() -> None:
    assert field_of(("body", "items", 0, "value")) == "items.0.value"
    assert field_of(("query", "limit")) == "limit"
    assert field_of(("body",)) == "body" and field_of(()) == "body"


def _platform_models() -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = []
    for info in pkgutil.walk_packages(fanzha.__path__, "fanzha."):
        if not info.name.endswith(".schemas"):
            continue
        module = importlib.import_module(info.name)
        models += [
            m for _, m in inspect.getmembers(module, inspect.isclass)
            if issubclass(m, BaseModel) and m.__module__ == module.__name__
        ]  # fmt: skip
    return models


MODELS = _platform_models()
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)  # fmt: skip


def test_the_platform_has_models_to_check() -> None:
    assert len(MODELS) > 30


@given(st.sampled_from(MODELS), st.data())
def test_no_pydantic_english_reaches_a_chinese_message(model: type[BaseModel], data: st.DataObject) -> None:
    values = {name: data.draw(JUNK) for name in model.model_fields}
    try:
        model.model_validate(values)
    except ValidationError as error:
        for detail in error.errors():
            zh, en = invalid(detail).message_zh, invalid(detail).message_en
            assert not PYDANTIC_ENGLISH.search(zh), (model.__name__, detail["type"], zh)
            assert detail["type"] in RULES or zh.endswith("不符合要求"), detail["type"]
            assert en.startswith("Field '")
