"""Every route declares who may call it; anonymous callers get nothing from any protected one."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.identity.domain import Permission
from fanzha.web.app import all_routes, create_app

# Routes open to anyone, each for a reason.
PUBLIC = {
    ("GET", "/healthz"),  # liveness probe
    ("GET", "/readyz"),  # readiness probe: the database and NATS answer (no detail beyond ok / which is down)
    # Prometheus scrape: its own guard, not a user's session (fanzha.web.metrics.may_scrape): the bearer token
    # FANZHA_METRICS_TOKEN when set (401 naming the field otherwise), else loopback peers only, others 404.
    # Counts and gauges only: route templates, sink and engine names, no identifier.
    ("GET", "/metrics"),
    ("GET", "/login"),  # the log-in form
    ("POST", "/login"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/lang/{lang}"),  # language cookie only
    ("GET", "/api/docs"),  # the API reference page; the OpenAPI document it reads is public too
    # 三员分立: a user sets their own password with the one-time code sent to their registered phone
    # (five tries per code, rate-limited per address and per account like the log-in).
    ("GET", "/activate"),
    ("POST", "/activate"),
    ("POST", "/api/v1/auth/set-password"),
    ("POST", "/api/v1/public/check"),  # the public risk check: coarse answer, rate-limited per client
    ("GET", "/check"),  # the same check as a page for anyone (issue 20 item 7), same bucket
    ("POST", "/check"),
    # Art 34: the person affected needs no account; the appeal code from the notice (or the random
    # appeal number) is the proof, and the calls are rate-limited per client like the public check.
    ("POST", "/api/v1/public/notices"),
    ("POST", "/api/v1/public/appeals"),
    ("POST", "/api/v1/public/appeals/status"),
    # Art 34¶2: an SMS code to prove control of the number, answered alike whether or not a measure is in
    # force (rate-limited per number and per client); files added to an open appeal by its random number.
    ("POST", "/api/v1/public/appeals/otp"),
    ("POST", "/api/v1/public/appeals/attachments"),
    ("POST", "/appeal/otp"),
    ("GET", "/appeal"),  # the portal's appeal form and its answer (same proof: the code, rate-limited)
    ("POST", "/appeal"),
    ("GET", "/appeal/status"),  # the form to follow an appeal by its random number (posted)
    ("POST", "/appeal/status"),
    # Art 35 / national law Art 34: the 30-day public notice before a pro-rata return is public by nature
    # (masked accounts and amounts only), rate-limited per client like the public check.
    ("GET", "/api/v1/public/funds/notices"),
    ("GET", "/funds/notices"),
    # Issue 22 item 8: a victim has no account; the proof is an SMS code to the phone recorded at intake
    # (the appeals' one-time code, rate-limited per client and per number), and the view shows only the
    # proven victim's own cases, audited.
    ("POST", "/api/v1/public/funds/victim/otp"),
    ("POST", "/api/v1/public/funds/victim/status"),
    # Item 6: anyone may object to a return notice during its 30 days (national law Art 34, the return
    # rules: 有异议者); the notice is public, the form asks who, a contact phone and the grounds.
    ("POST", "/api/v1/public/funds/notices/{notice_id}/objections"),
    ("POST", "/funds/notices/{notice_id}/objection"),
    ("GET", "/funds/mine"),  # the same for the victim's console page: the form, the code, the view
    ("POST", "/funds/mine/otp"),
    ("POST", "/funds/mine"),
    # Art 38: anyone reports, anonymously or by name, with no account (rate-limited per address and overall);
    # the random receipt code (~98 bits, only its keyed hash stored) is the proof to follow the tip, answer
    # the officer and claim a reward (the portal's per-address window); the reward standard is published.
    ("POST", "/api/v1/public/tips"),
    ("POST", "/api/v1/public/tips/status"),
    ("POST", "/api/v1/public/tips/answers"),
    ("POST", "/api/v1/public/tips/reward-claims"),
    ("GET", "/api/v1/public/tips/reward-standard"),
    ("GET", "/tip"),
    ("POST", "/tip"),
    ("GET", "/tip/follow"),
    ("POST", "/tip/follow"),
    ("POST", "/tip/answer"),
    ("POST", "/tip/claim"),
    ("GET", "/tip/rewards"),
    # Issue 22 item 1: the victim's own report, proven by a code to the phone (API and console page).
    ("POST", "/api/v1/public/funds/reports/otp"),
    ("POST", "/api/v1/public/funds/reports"),
    ("GET", "/funds/report"),
    ("POST", "/funds/report/otp"),
    ("POST", "/funds/report"),
}


def _permission_of(route: APIRoute) -> Permission | None:
    for dependency in route.dependant.dependencies:
        permission = getattr(dependency.call, "permission", None)
        if permission is not None:
            return Permission(permission)
    return None


def test_every_route_declares_a_permission_or_is_public() -> None:
    undeclared = [
        (method, route.path)
        for route in all_routes()
        for method in route.methods
        if (method, route.path) not in PUBLIC and _permission_of(route) is None
    ]
    assert undeclared == []
    assert len(all_routes()) >= 20  # the enumeration really sees the app


def test_anonymous_callers_are_refused_everywhere_but_public_routes(platform: Platform) -> None:
    client = TestClient(create_app(platform=platform))
    checked = 0
    for route in all_routes():
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                continue
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code == 401, (method, route.path, response.status_code)
            checked += 1
    assert checked >= 15


def test_the_openapi_document_has_no_dangling_references(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    schemas = document["components"]["schemas"]
    assert refs and all(ref.removeprefix("#/components/schemas/") in schemas for ref in refs)
