"""Development keys are public: `fanzha serve` and the ASGI entry point serve them on loopback only."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fanzha.bootstrap import Platform
from fanzha.cli import app as cli
from fanzha.core.settings import DEV_TOKEN_KEY, Settings
from fanzha.web import exposure
from fanzha.web.app import create_app
from tests.conftest import TEST_KEYS

runner = CliRunner()
OWN_KEYS = {
    **TEST_KEYS,
    "secret_key": "a-real-secret-of-this-deployment",
    "audit_key_hex": "ef" * 32,
    "audit_checkpoint_key_hex": "12" * 32,
}
KEY_VARIABLES = (
    "FANZHA_SECRET_KEY",
    "FANZHA_TOKEN_KEY_HEX",
    "FANZHA_ENCRYPTION_KEY_HEX",
    "FANZHA_AUDIT_KEY_HEX",
    "FANZHA_AUDIT_CHECKPOINT_KEY_HEX",
)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("fanzha.example.org", False),
    ],
)
def test_loopback_is_only_this_machine(host: str, loopback: bool) -> None:
    assert exposure.is_loopback(host) is loopback


def test_development_keys_are_named_one_by_one() -> None:
    assert Settings(environment="development").development_keys() == list(KEY_VARIABLES)
    assert Settings(environment="development", **OWN_KEYS).development_keys() == []  # type: ignore[arg-type]
    partly = Settings(environment="development", **{**OWN_KEYS, "token_key_hex": DEV_TOKEN_KEY})  # type: ignore[arg-type]
    assert partly.development_keys() == ["FANZHA_TOKEN_KEY_HEX"]


def _served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import uvicorn

    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: started.append(kw["host"]))
    return started


def test_serve_refuses_a_public_address_with_development_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    started = _served(monkeypatch)
    monkeypatch.delenv("FANZHA_ENVIRONMENT", raising=False)  # the forgotten setting of the finding
    monkeypatch.setenv("FANZHA_DATA_DIR", str(tmp_path))
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    refused = runner.invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert refused.exit_code == 2 and started == []
    assert "insecure_settings" in refused.output and "FANZHA_SECRET_KEY" in refused.output
    assert "开发密钥" in refused.output and "Development keys" in refused.output  # both languages
    # On loopback the development keys are fine (a developer's machine).
    assert runner.invoke(cli, ["serve", "--host", "127.0.0.1"]).exit_code == 0
    assert started == ["127.0.0.1"]
    # With the deployment's own keys any address is served.
    monkeypatch.setenv("FANZHA_SECRET_KEY", OWN_KEYS["secret_key"])
    monkeypatch.setenv("FANZHA_TOKEN_KEY_HEX", TEST_KEYS["token_key_hex"])
    monkeypatch.setenv("FANZHA_ENCRYPTION_KEY_HEX", TEST_KEYS["encryption_key_hex"])
    monkeypatch.setenv("FANZHA_AUDIT_KEY_HEX", OWN_KEYS["audit_key_hex"])
    monkeypatch.setenv("FANZHA_AUDIT_CHECKPOINT_KEY_HEX", OWN_KEYS["audit_checkpoint_key_hex"])
    assert runner.invoke(cli, ["serve", "--host", "0.0.0.0"]).exit_code == 0
    assert started == ["127.0.0.1", "0.0.0.0"]


def test_the_asgi_entry_point_answers_on_loopback_only_with_development_keys(platform: Platform) -> None:
    dev = Settings(environment="development")
    app = exposure.guard(create_app(platform=platform), dev)
    # Whatever server was started on the module (uvicorn --host 0.0.0.0, gunicorn), a request that came
    # in on a public address is refused; one on loopback is served.
    public = TestClient(app, base_url="http://10.0.0.5").get("/healthz")
    assert public.status_code == 503
    body = public.json()
    assert body["code"] == "insecure_settings" and body["message_zh"] and "loopback" in body["message_en"]
    assert TestClient(app, base_url="http://127.0.0.1").get("/healthz").status_code == 200
    # Its own keys: nothing is wrapped.
    own = create_app(platform=platform)
    assert exposure.guard(own, Settings(environment="development", **OWN_KEYS)) is own  # type: ignore[arg-type]


def test_the_module_uvicorn_loads_is_guarded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FANZHA_ENVIRONMENT", raising=False)
    monkeypatch.setenv("FANZHA_DATABASE_URL", f"sqlite:///{tmp_path}/main.db")
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    from fanzha.core import malloc

    monkeypatch.setattr(malloc, "tune", lambda: None)  # a server process's own tuning, not the test's
    monkeypatch.setattr(malloc, "start_trimming", lambda: None)
    main = importlib.import_module("fanzha.web.main")
    main = importlib.reload(main)
    assert isinstance(main.app, exposure.LoopbackOnly)
    assert TestClient(main.app, base_url="http://192.0.2.1").get("/healthz").status_code == 503
