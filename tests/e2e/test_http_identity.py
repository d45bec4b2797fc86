"""The identity API over HTTP: isolation between organisations, lock-out, API keys, CSRF, errors."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.identity.tables import User
from tests.factories import PASSWORD, World

Login = Callable[[str], TestClient]


def _denials(platform: Platform) -> list[AuditRecord]:
    with platform.sessions() as session:
        return list(session.scalars(select(AuditRecord).where(AuditRecord.result == "denied")).all())


def test_bank_a_cannot_read_bank_b_records_over_http(login: Login, world: World, platform: Platform) -> None:
    bank_a = login("aadmin")
    assert bank_a.get(f"/api/v1/organisations/{world.bank_a.id}/users").status_code == 200
    for path in (
        f"/api/v1/organisations/{world.bank_b.id}/users",
        f"/api/v1/users/{world.bank_b_op.user.id}",
        f"/api/v1/organisations/{world.bank_b.id}/api-keys",
    ):
        response = bank_a.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert len([d for d in _denials(platform) if d.actor == "aadmin"]) == 3


def test_operator_lacking_a_permission_gets_403_with_a_bilingual_error(
    login: Login, platform: Platform
) -> None:
    response = login("aop").get("/api/v1/audit")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied" and body["message_zh"] and body["message_en"]
    assert body["field"] == "audit.read"
    assert [d.action for d in _denials(platform)] == ["GET /api/v1/audit"]


def test_anonymous_calls_are_refused(client: TestClient, world: World) -> None:
    response = client.get(f"/api/v1/organisations/{world.bank_a.id}/users")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert (
        client.get("/", headers={"accept": "text/html"}, follow_redirects=False).headers["location"]
        == "/login"
    )


def test_five_wrong_passwords_lock_the_account_over_http(client: TestClient, world: World) -> None:
    for _ in range(5):
        response = client.post("/api/v1/auth/login", json={"username": "aop", "password": "wrong"})
        assert response.status_code == 401
    response = client.post("/api/v1/auth/login", json={"username": "aop", "password": PASSWORD})
    assert response.status_code == 423 and response.json()["code"] == "account_locked"


def test_bad_input_names_the_field_and_changes_nothing(
    login: Login, world: World, platform: Platform
) -> None:
    admin = login("admin")
    with platform.sessions() as session:
        before = session.scalar(select(func.count()).select_from(User))
    cases = [
        (
            {
                "username": "x",
                "display_name": "a",
                "org_id": world.bank_a.id,
                "role": "institution_operator",
            },
            "username",
        ),
        (
            {
                "username": "okname",
                "display_name": "a",
                "org_id": world.bank_a.id,
                "role": "emperor",
            },
            "role",
        ),
        (
            {
                "username": "okname",
                "display_name": "a",
                "org_id": world.bank_a.id,
                "role": "analyst",
            },
            "role",
        ),
        (
            {
                "username": "okname",
                "display_name": "a",
                "org_id": world.bank_a.id,
                "role": "institution_operator",
                "password": "short",
            },
            "password",
        ),
        ({"username": "okname", "display_name": "a", "org_id": 99999, "role": "analyst"}, "org_id"),
    ]
    for body, field in cases:
        response = admin.post("/api/v1/users", json=body)
        assert response.status_code in (404, 422), response.text
        error = response.json()
        assert error["field"] == field and error["message_zh"] and error["message_en"], error
    with platform.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == before


def test_cookie_writes_need_the_csrf_token(login: Login, world: World) -> None:
    admin = login("admin")
    body = {"code": "bank-c", "name_zh": "丙银行", "kind": "bank"}
    token = admin.headers.pop("X-CSRF-Token")
    refused = admin.post("/api/v1/organisations", json=body)
    assert refused.status_code == 403 and refused.json()["field"] == "csrf_token"
    admin.headers["X-CSRF-Token"] = token
    assert admin.post("/api/v1/organisations", json=body).status_code == 201


def test_api_key_flow_for_an_institution_system(login: Login, world: World, client: TestClient) -> None:
    bank_admin = login("aadmin")
    created = bank_admin.post(
        "/api/v1/api-keys", json={"name": "核心系统", "org_id": world.bank_a.id, "days": 30}
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    listed = bank_admin.get(f"/api/v1/organisations/{world.bank_a.id}/api-keys").json()
    assert secret not in str(listed) and listed[0]["prefix"] in secret
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["org_id"] == world.bank_a.id
    # A key is not a cookie: no CSRF token needed, but it carries only the operator's rights.
    assert (
        client.get(
            f"/api/v1/organisations/{world.bank_b.id}/users",
            headers={"Authorization": f"Bearer {secret}"},
        ).status_code
        == 403
    )
    key_id = created.json()["key"]["id"]
    assert bank_admin.post(f"/api/v1/api-keys/{key_id}/revoke").status_code == 200
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_nobody_can_edit_the_audit_log_through_the_api(login: Login) -> None:
    login("admin"), login("analyst")
    auditor = login("auditor")
    for method in ("put", "patch", "delete"):
        response = getattr(auditor, method)("/api/v1/audit")
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    page = auditor.get("/api/v1/audit", params={"limit": 2})
    assert page.status_code == 200 and len(page.json()["items"]) == 2
    older = auditor.get("/api/v1/audit", params={"limit": 2, "before": page.json()["next_cursor"]}).json()
    assert older["items"][0]["seq"] < page.json()["items"][-1]["seq"]
    assert auditor.get("/api/v1/audit/verify").json()["intact"] is True


def test_security_headers_are_set(client: TestClient) -> None:
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "湖南反诈协同平台" in response.text
    assert "Hunan Anti-Fraud Platform" in client.get("/login?lang=en").text
