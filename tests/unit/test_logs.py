"""Log set-up: the JSON line, the request id, the level from settings."""

from __future__ import annotations

import json
import logging

import pytest

from fanzha.core import logs
from fanzha.core.settings import Settings


def _record(message: str, *args: object) -> logging.LogRecord:
    record = logging.LogRecord("fanzha.test", logging.WARNING, __file__, 1, message, args, None)
    logs.RequestIdFilter().filter(record)
    return record


def test_a_json_line_holds_time_level_logger_message_and_the_request_id() -> None:
    token = logs.REQUEST_ID.set("req-12345678")
    try:
        line = logs.JsonFormatter().format(_record("sent %d notices\n", 3))
    finally:
        logs.REQUEST_ID.reset(token)
    assert "\n" not in line  # a message's line break stays inside the JSON string
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "fanzha.test"
    assert parsed["message"] == "sent 3 notices\n" and parsed["request_id"] == "req-12345678"
    assert parsed["time"].endswith("+00:00")
    assert json.loads(logs.JsonFormatter().format(_record("outside")))["request_id"] == "-"


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("abc-DEF.123_4", True),
        ("short", False),
        ("a" * 65, False),
        ("13912345678-x", False),  # a phone number is personal data
        ("has space here", False),
        (None, False),
    ],
)
def test_a_callers_request_id_is_kept_only_when_short_and_safe(offered: str | None, kept: bool) -> None:
    assert (logs.accepted_request_id(offered) == offered) is kept


def test_the_level_and_format_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANZHA_LOG_LEVEL", "warning")
    monkeypatch.setenv("FANZHA_LOG_FORMAT", "json")
    settings = Settings(environment="test")
    config = logs.dict_config(settings)
    assert config["root"]["level"] == "WARNING"
    assert config["formatters"]["fanzha"]["()"] is logs.JsonFormatter
    assert logs.dict_config(Settings(environment="test", log_format="text"))["formatters"]["fanzha"][
        "()"
    ] is (logs.TextFormatter)
