"""Misuse: rate limits with Retry-After, no enumeration through the public check, headers, CSRF, cookies."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from fanzha.bootstrap import Platform, build_platform
from fanzha.core.clock import FrozenClock
from fanzha.core.settings import Settings
from fanzha.samples.schemas import SamplePublish
from fanzha.web.app import all_routes, create_app
from fanzha.web.ratelimit import enumeration_cost
from tests.conftest import TEST_KEYS
from tests.e2e.test_route_permissions import PUBLIC
from tests.factories import PASSWORD, make_world
from tests.gates.world import FIGURES, Gate, login

TEMPLATES = Path(__file__).parents[2] / "src" / "fanzha" / "web" / "templates"


def _platform(tmp_path: Path, engine: Engine, clock: FrozenClock, **limits: object) -> Platform:
    settings = Settings(environment="test", data_dir=tmp_path, **TEST_KEYS, **limits)  # type: ignore[arg-type]
    return build_platform(settings, clock=clock, engine=engine)


def _from(app: FastAPI, address: str, cookies: dict[str, str] | None = None) -> TestClient:
    return TestClient(app, client=(address, 40000), cookies=cookies)


def _limited(response: object) -> bool:
    status = getattr(response, "status_code", 0)
    headers = getattr(response, "headers", {})
    return status == 429 and int(headers["Retry-After"]) >= 1


# Rate limits ------------------------------------------------------------------------------------


def test_log_in_is_limited_per_address_and_per_account_on_the_api_and_the_console(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    platform = _platform(
        tmp_path, engine, clock, login_per_minute_per_client=4, login_per_minute_per_account=6
    )
    make_world(platform)
    app = create_app(platform=platform)
    wrong = {"username": "nobody", "password": "wrong-password-1"}
    one = _from(app, "10.1.0.1")
    api = [one.post("/api/v1/auth/login", json=wrong) for _ in range(4)]
    assert [r.status_code for r in api] == [401] * 4
    assert _limited(one.post("/api/v1/auth/login", json=wrong))
    # The console's form counts in the same window and says so on the page, with Retry-After.
    page = one.post("/login", data=wrong, headers={"Accept": "text/html"})
    assert _limited(page) and "text/html" in page.headers["content-type"]
    # Another address may still log in...
    assert _from(app, "10.1.0.2").post("/api/v1/auth/login", json=wrong).status_code == 401
    # ...but one account sprayed from many addresses is stopped too (the lock-out counts behind it).
    spray = [
        _from(app, f"10.2.0.{i}").post("/api/v1/auth/login", json={"username": "admin", "password": f"x{i}"})
        for i in range(8)
    ]
    assert any(_limited(r) for r in spray)
    assert (
        _from(app, "10.3.0.1")
        .post("/api/v1/auth/login", json={"username": "analyst", "password": PASSWORD})
        .status_code
        == 200
    )


def test_the_pull_feeds_are_limited_per_address_and_per_organisation(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    platform = _platform(tmp_path, engine, clock, feed_per_minute_per_client=3, feed_per_minute_per_org=5)
    make_world(platform)
    app = create_app(platform=platform)
    for path in ("/api/v1/samples/feed", "/api/v1/disposal/feed"):
        first = login(app, "aop")
        cookies = {"fanzha_session": first.cookies["fanzha_session"]}
        answers = [first.get(path).status_code for _ in range(3)]
        assert answers == [200, 200, 200]
        assert _limited(first.get(path))
        # The same organisation from other addresses shares the organisation's window.
        others = [_from(app, f"10.4.0.{i}", cookies).get(path) for i in range(4)]
        assert [r.status_code for r in others[:2]] == [200, 200] and _limited(others[2])
        # Another bank is not held up by bank A.
        other_bank = {"fanzha_session": login(app, "bop").cookies["fanzha_session"]}
        assert _from(app, "10.4.1.1", other_bank).get(path).status_code == 200
        app = create_app(platform=platform)  # fresh windows for the next feed


def test_appeal_submissions_are_limited_per_address(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    platform = _platform(tmp_path, engine, clock, appeals_per_hour_per_client=2, public_check_per_minute=50)
    app = create_app(platform=platform)
    client = _from(app, "10.5.0.1")
    body = {
        "code": "ABCDEFGHJK",
        "facts": "我是快递员，每天要打电话",
        "reasons": "正常工作使用",
        "documents": [],
    }
    answers = [client.post("/api/v1/public/appeals", json=body) for _ in range(3)]
    assert [r.status_code for r in answers[:2]] == [404, 404]  # no such code, but counted
    assert _limited(answers[2]) and answers[2].json()["code"] == "rate_limited"
    portal = client.post("/appeal", data=body, headers={"Accept": "text/html"})
    assert _limited(portal)


def test_the_public_check_cannot_enumerate_the_sample_library(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    per_client, overall = 10, 40
    platform = _platform(
        tmp_path, engine, clock, public_check_per_minute=per_client, public_per_minute_overall=overall
    )
    world = make_world(platform)
    # A block of 200 consecutive numbers of which every tenth is a fraud sample.
    numbers = [f"1381234{i:04d}" for i in range(200)]
    for number in numbers[::10]:
        platform.samples.publish(
            world.analyst.principal,
            SamplePublish.model_validate(
                {"kind": "phone", "value": number, "fraud_type": "fake_customer_service", "confidence": 90}
            ),
        )
    app = create_app(platform=platform)

    def walk(client_of: object) -> tuple[set[str], int]:
        found, refused = set(), 0
        for i, number in enumerate(numbers):
            response = client_of(i).post("/api/v1/public/check", json={"kind": "phone", "value": number})  # type: ignore[operator]
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) >= 1
                refused += 1
                continue
            answer = response.json()
            assert set(answer) == {"level", "advice_zh", "advice_en"}  # coarse: no id, type or source
            if answer["level"] != "unknown":
                found.add(number)
        return found, refused

    # One address walking the block learns about at most its window's worth of numbers.
    single = _from(app, "10.6.0.1")
    found, refused = walk(lambda _i: single)
    assert refused == len(numbers) - per_client and len(found) <= per_client // 10 + 1
    # Many addresses together are held by the overall cap.
    found_many, refused_many = walk(lambda i: _from(app, f"10.7.{i // 250}.{i % 250}"))
    assert refused_many >= len(numbers) - overall and len(found | found_many) <= overall // 10 + 2
    FIGURES["public check enumeration: samples found / numbers tried"] = (
        f"{len(found | found_many)} of {len(numbers[::10])} samples in {2 * len(numbers)} tries"
    )


def test_one_actor_with_many_addresses_no_longer_locks_everyone_out(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    platform = _platform(tmp_path, engine, clock, public_check_per_minute=10, public_per_minute_overall=40)
    app = create_app(platform=platform)
    check = {"kind": "phone", "value": "13812340000"}
    # 200 addresses walk the public check until its ceiling over everyone is full.
    flood = [
        _from(app, f"10.8.{i // 250}.{i % 250}").post("/api/v1/public/check", json=check) for i in range(200)
    ]
    assert sum(r.status_code == 200 for r in flood) == 40
    assert _limited(flood[-1]) and flood[-1].json()["field"] == "overall"
    # A person elsewhere still asks for a code, follows an appeal, reads a notice and appeals (each has
    # its own windows); before, the flood's shared cap answered 429 to all of them for a minute.
    person = _from(app, "10.9.0.1")
    assert person.post("/api/v1/public/appeals/otp", json={"phone": "13912345678"}).status_code == 202
    assert person.post("/api/v1/public/appeals/status", json={"number": "ABCDEFGHJKLM"}).status_code == 404
    assert person.post("/api/v1/public/notices", json={"code": "ABCDEFGHJK"}).status_code == 404
    appeal = {
        "code": "ABCDEFGHJK",
        "facts": "我是快递员，每天要打电话",
        "reasons": "正常工作",
        "documents": [],
    }
    assert person.post("/api/v1/public/appeals", json=appeal).status_code == 404
    assert person.post("/appeal/status", data={"number": "ABCDEFGHJKLM"}).status_code == 404


def test_with_the_default_settings_a_flood_the_size_of_the_old_cap_holds_no_one_up(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    platform = _platform(tmp_path, engine, clock)
    app = create_app(platform=platform)
    per_client = platform.settings.public_check_per_minute
    check = {"kind": "phone", "value": "13812340001"}
    # 60 addresses at their full rate: the 600 a minute that used to close the portal to everyone.
    for i in range(60):
        attacker = _from(app, f"10.10.0.{i}")
        assert [attacker.post("/api/v1/public/check", json=check).status_code for _ in range(per_client)] == [
            200
        ] * per_client
        assert _limited(attacker.post("/api/v1/public/check", json=check))
    assert _from(app, "10.11.0.1").post("/api/v1/public/check", json=check).status_code == 200


def test_others_asking_for_a_numbers_codes_do_not_lock_its_owner_out(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    platform = _platform(tmp_path, engine, clock)
    app = create_app(platform=platform)
    phone = {"phone": "13912345678"}
    # Three requests from three addresses used to lock the number's codes for an hour.
    for i in range(3):
        assert _from(app, f"10.12.0.{i}").post("/api/v1/public/appeals/otp", json=phone).status_code == 202
    owner = _from(app, "10.13.0.1")
    assert owner.post("/api/v1/public/appeals/otp", json=phone).status_code == 202
    # A sustained attack holds it for the short per-number window only (ten minutes by default).
    refused = _from(app, "10.12.1.1").post("/api/v1/public/appeals/otp", json=phone)
    assert refused.status_code == 202  # the fifth in the window
    held = _from(app, "10.12.1.2").post("/api/v1/public/appeals/otp", json=phone)
    assert (
        _limited(held)
        and int(held.headers["Retry-After"]) <= 60 * platform.settings.otp_number_window_minutes + 1
    )
    clock.advance(timedelta(minutes=platform.settings.otp_number_window_minutes, seconds=1))
    assert owner.post("/api/v1/public/appeals/otp", json=phone).status_code == 202


def test_x_forwarded_for_is_believed_only_from_the_trusted_proxies(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    check = {"kind": "phone", "value": "13812340002"}

    def burst(client: TestClient, forwarded: str, n: int) -> list[int]:
        return [
            client.post(
                "/api/v1/public/check", json=check, headers={"X-Forwarded-For": forwarded}
            ).status_code
            for _ in range(n)
        ]

    # No proxy trusted (the default): a header from anyone, even loopback, changes nothing.
    plain = create_app(platform=_platform(tmp_path, engine, clock, public_check_per_minute=3))
    local = _from(plain, "127.0.0.1")
    assert [burst(local, f"203.0.113.{i}", 1)[0] for i in range(4)] == [200, 200, 200, 429]
    # Behind a named proxy each forwarded client has its own window.
    proxied = create_app(
        platform=_platform(
            tmp_path, engine, clock, public_check_per_minute=3, trusted_proxies=["10.0.0.5", "10.1.0.0/24"]
        )
    )
    proxy = _from(proxied, "10.0.0.5")
    assert burst(proxy, "203.0.113.1", 4) == [200, 200, 200, 429]
    assert burst(proxy, "203.0.113.2", 1) == [200]
    # A client writing addresses of its own to the left is still counted by the one the proxy saw,
    # read from the right past every trusted hop.
    assert burst(proxy, "198.51.100.7, 203.0.113.1", 1) == [429]
    assert burst(proxy, "203.0.113.1, 10.1.0.9", 1) == [429]
    # Another peer's header is not believed.
    assert burst(_from(proxied, "10.0.0.6"), "203.0.113.3", 4) == [200, 200, 200, 429]
    with pytest.raises(ValueError, match="not-a-network"):
        Settings(environment="test", trusted_proxies=["not-a-network"], **TEST_KEYS)  # type: ignore[arg-type]


def test_reliability_doc_states_the_enumeration_cost_of_the_default_settings() -> None:
    settings = Settings(environment="test", **TEST_KEYS)  # type: ignore[arg-type]
    one, thousand = enumeration_cost(settings, 1), enumeration_cost(settings, 1000)
    assert (one, thousand) == (60, 60_000)
    doc = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert f"**{one:,} numbers an hour** from one address" in doc
    assert f"**{thousand:,} an hour** from a thousand" in doc


# Headers, cookies, CSRF ---------------------------------------------------------------------------


def test_security_headers_forbid_inline_script_and_framing_and_hsts_follows_tls(
    tmp_path: Path, engine: Engine, clock: FrozenClock
) -> None:
    plain = TestClient(create_app(platform=_platform(tmp_path, engine, clock)))
    for path in ("/login", "/api/openapi.json", "/appeal", "/healthz"):
        headers = plain.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers
    tls = TestClient(create_app(platform=_platform(tmp_path, engine, clock, cookie_secure=True)))
    assert tls.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    # The CSP is only honest if no template carries an inline script or an inline event handler.
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_is_http_only_strict_and_secure_behind_tls(
    tmp_path: Path, engine: Engine, clock: FrozenClock, secure: bool
) -> None:
    platform = _platform(tmp_path, engine, clock, cookie_secure=secure)
    make_world(platform)
    client = TestClient(create_app(platform=platform), base_url="https://testserver")
    for response in (
        client.post("/api/v1/auth/login", json={"username": "analyst", "password": PASSWORD}),
        client.post("/login", data={"username": "analyst", "password": PASSWORD}, follow_redirects=False),
    ):
        attributes = [a.strip() for a in response.headers["set-cookie"].lower().split(";")]
        assert attributes[0].startswith("fanzha_session=")
        assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
        assert ("secure" in attributes) == secure


def test_every_write_with_a_session_but_without_the_csrf_token_is_refused(gate: Gate) -> None:
    headers, cookies = gate.auth_of("admin")
    client = TestClient(gate.app, cookies=cookies)
    writes = [
        (method, route.path)
        for route in all_routes()
        for method in sorted(route.methods)
        if method not in ("GET", "HEAD", "OPTIONS") and (method, route.path) not in PUBLIC
    ]
    refused = []
    for method, path in writes:
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        # A console form post (no header) and an API call without the header: both need the token.
        for kwargs in ({"data": {"reason": "x"}}, {"json": {}}):
            response = client.request(method, concrete, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
            if response.status_code == 403 and response.json()["field"] == "csrf_token":
                refused.append((method, path))
    assert len(refused) == 2 * len(writes) and len(writes) >= 30
    # With the token the same session gets through the check (to the route's own answer).
    ok = client.post("/api/v1/organisations", json={}, headers=headers)
    assert ok.status_code == 422
    FIGURES["CSRF: session writes refused without the token"] = f"{len(writes)} routes × form and JSON"
