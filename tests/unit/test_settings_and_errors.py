"""Settings refuse insecure defaults; errors carry stable codes in two languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fanzha.core.clock import FrozenClock, local_text
from fanzha.core.errors import FanzhaError, InsecureSettings, NotFound, ValidationFailed
from fanzha.core.settings import Settings

STRONG = {
    "secret_key": "s" * 40,
    "token_key_hex": "ab" * 32,
    "encryption_key_hex": "cd" * 16,
    "audit_key_hex": "ef" * 32,
    "audit_checkpoint_key_hex": "12" * 32,
}


def test_development_runs_with_default_secrets() -> None:
    assert Settings(environment="development").token_key == bytes(32)


@pytest.mark.parametrize("missing", list(STRONG))
def test_production_refuses_each_default_secret(missing: str) -> None:
    values = {k: v for k, v in STRONG.items() if k != missing}
    with pytest.raises(InsecureSettings) as refused:
        Settings(environment="production", cookie_secure=True, **values)  # type: ignore[arg-type]
    assert refused.value.field == f"FANZHA_{missing.upper()}"


def test_production_needs_secure_cookies_and_then_starts() -> None:
    with pytest.raises(InsecureSettings):
        Settings(environment="production", **STRONG)  # type: ignore[arg-type]
    assert Settings(environment="production", cookie_secure=True, **STRONG).environment == "production"  # type: ignore[arg-type]


def test_secrets_do_not_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANZHA_SECRET_KEY", "super-secret-value-123")
    settings = Settings()
    assert "super-secret-value-123" not in repr(settings) and "super-secret-value-123" not in str(settings)
    assert settings.secret_key.get_secret_value() == "super-secret-value-123"


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FANZHA_MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("FANZHA_DATABASE_URL", "postgresql+psycopg://u@h/db")
    settings = Settings()
    assert (settings.max_failed_logins, settings.database_url) == (3, "postgresql+psycopg://u@h/db")


def test_errors_have_stable_codes_and_both_languages() -> None:
    error = ValidationFailed("号码格式错误", "Malformed number", field="value")
    assert error.to_dict() == {
        "code": "validation_failed",
        "message_zh": "号码格式错误",
        "message_en": "Malformed number",
        "field": "value",
    }
    assert NotFound().to_dict()["message_zh"] == "对象不存在" and NotFound.status == 404
    codes = {cls.code for cls in FanzhaError.__subclasses__()}
    assert len(codes) == len(FanzhaError.__subclasses__())  # no two error kinds share a code


def test_clock_is_aware_and_display_is_shanghai_time() -> None:
    clock = FrozenClock(datetime(2026, 11, 28, 16, 30, tzinfo=UTC))
    clock.advance(timedelta(minutes=45))
    assert clock.now().tzinfo is not None
    assert local_text(clock.now()) == "2026-11-29 01:15:00"  # UTC+8 crosses midnight
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))
