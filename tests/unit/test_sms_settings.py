"""The SMS gateway settings (Art 34¶1 notices): a URL needs its key, and production needs HTTPS."""

from __future__ import annotations

import pytest

from fanzha.core.errors import InsecureSettings
from fanzha.core.settings import Settings

STRONG = {
    "secret_key": "s" * 40,
    "token_key_hex": "ab" * 32,
    "encryption_key_hex": "cd" * 16,
    "audit_key_hex": "ef" * 32,
    "audit_checkpoint_key_hex": "12" * 32,
}
KEY = "gateway-signing-key-" + "x" * 20


def test_no_gateway_by_default() -> None:
    settings = Settings(environment="development")
    assert settings.sms_gateway_url is None and settings.sms_gateway_key is None


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("key", [None, ""])
def test_a_gateway_url_without_its_key_is_refused(environment: str, key: str | None) -> None:
    with pytest.raises(InsecureSettings) as refused:
        Settings(
            environment=environment,  # type: ignore[arg-type]
            cookie_secure=True,
            sms_gateway_url="https://sms.example/send",
            sms_gateway_key=key,  # type: ignore[arg-type]
            **STRONG,  # type: ignore[arg-type]
        )
    assert refused.value.field == "FANZHA_SMS_GATEWAY_KEY"
    assert "FANZHA_SMS_GATEWAY_KEY" in refused.value.message_zh


def test_production_refuses_a_gateway_in_clear_and_takes_https() -> None:
    common = {"environment": "production", "cookie_secure": True, "sms_gateway_key": KEY, **STRONG}
    with pytest.raises(InsecureSettings) as refused:
        Settings(sms_gateway_url="http://sms.example/send", **common)  # type: ignore[arg-type]
    assert refused.value.field == "FANZHA_SMS_GATEWAY_URL"
    settings = Settings(sms_gateway_url="https://sms.example/send", **common)  # type: ignore[arg-type]
    assert settings.sms_gateway_url == "https://sms.example/send"
    # A local gateway in clear is fine while developing.
    assert Settings(sms_gateway_url="http://127.0.0.1:9000/sms", sms_gateway_key=KEY).sms_gateway_key


def test_the_gateway_comes_from_the_environment_and_its_key_never_prints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FANZHA_SMS_GATEWAY_URL", "https://sms.example/send")
    monkeypatch.setenv("FANZHA_SMS_GATEWAY_KEY", KEY)
    settings = Settings()
    assert settings.sms_gateway_url == "https://sms.example/send"
    assert settings.sms_gateway_key is not None and settings.sms_gateway_key.get_secret_value() == KEY
    assert KEY not in repr(settings) and KEY not in str(settings)
