"""The real-time service split in two processes (issue 24 speed): each role answers only its own routes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fanzha.detect.realtime.server import PATH, KeyCache, PrefixSamples, RealtimeApp, Tokeniser
from fanzha.detect.realtime.state import Accounts
from fanzha.prevention.store import PreventionStore

PREVENTION = "/api/v1/prevention/"
CHECKS = ("card-opening/check", "card-reports", "account-opening/check", "call-screen", "atm-withdrawals")


class _Prevention:
    """Only the store the health answer counts."""

    store = PreventionStore()


def _app(role: str) -> RealtimeApp:
    return RealtimeApp(
        Accounts(),
        PrefixSamples(dict),
        KeyCache(lambda _secret: None),
        Tokeniser(b"k" * 32),
        prevention=_Prevention(),  # type: ignore[arg-type]  # never asked for a route the role refuses
        role=role,
    )


def _status(app: RealtimeApp, path: str) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def go() -> None:
        await app({"type": "http", "path": path, "method": "POST", "headers": []}, receive, send)

    asyncio.run(go())
    return int(sent[0]["status"])


def test_the_checks_process_refuses_transfers_and_tier_tables() -> None:
    app = _app("checks")
    assert _status(app, PATH) == 404
    for route in ("tiers", "grades"):
        assert _status(app, PREVENTION + route) == 404
    assert all(app._serves(route) for route in CHECKS)
    assert app.health()["role"] == "checks"


def test_the_transfers_process_refuses_counter_checks() -> None:
    app = _app("transfers")
    for route in CHECKS:
        assert _status(app, PREVENTION + route) == 404
    assert app._serves("tiers") and app._serves("grades")
    assert all(_app("all")._serves(route) for route in (*CHECKS, "tiers", "grades"))


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="role"):
        _app("everything")
