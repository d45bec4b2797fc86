"""The identity API over HTTP: isolation between organisations, lock-out, API keys, CSRF, errors."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from fanzha.audit.tables import AuditRecord
from fanzha.bootstrap import Platform
from fanzha.disposal.notices import MemoryNotifier
from fanzha.identity.tables import Organisation, User
from fanzha.web.app import create_app
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
    # The lock is per (user, address): the same account from another address still logs in.
    other = TestClient(client.app, client=("10.77.0.2", 50000))
    response = other.post("/api/v1/auth/login", json={"username": "aop", "password": PASSWORD})
    assert response.status_code == 200


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


def test_a_key_granted_the_subscription_permission_subscribes_and_only_that(
    login: Login, world: World, client: TestClient
) -> None:
    bank_admin = login("aadmin")
    keys = {}
    for name, grants in (("订阅系统", ["subscription.manage"]), ("查询系统", [])):
        created = bank_admin.post(
            "/api/v1/api-keys", json={"name": name, "org_id": world.bank_a.id, "grants": grants}
        )
        assert created.status_code == 201 and created.json()["key"]["grants"] == grants
        keys[name] = {"Authorization": f"Bearer {created.json()['secret']}"}
    body = {"kinds": ["phone"]}
    subscribed = client.post("/api/v1/subscriptions", json=body, headers=keys["订阅系统"])
    assert subscribed.status_code == 201, subscribed.text
    assert client.post("/api/v1/subscriptions", json=body, headers=keys["查询系统"]).status_code == 403
    # The grant adds that permission only: the key is still an operator for everything else.
    users = client.get(f"/api/v1/organisations/{world.bank_a.id}/users", headers=keys["订阅系统"])
    assert users.status_code == 403
    # Only grants keys may carry, and only those the issuer holds itself; nothing is created otherwise.
    before = len(bank_admin.get(f"/api/v1/organisations/{world.bank_a.id}/api-keys").json())
    for grants in (["user.manage"], ["no.such"]):
        refused = bank_admin.post(
            "/api/v1/api-keys", json={"name": "x", "org_id": world.bank_a.id, "grants": grants}
        )
        assert refused.status_code == 422 and refused.json()["field"].startswith("grants"), refused.text
    assert len(bank_admin.get(f"/api/v1/organisations/{world.bank_a.id}/api-keys").json()) == before


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


def _sms_code(platform: Platform, username: str) -> str:
    notifier = platform.identity.codes.notifier
    assert isinstance(notifier, MemoryNotifier)
    texts = [n.text for n in notifier.sent if f"账号 {username} " in n.text]
    match = re.search(r"验证码 (\d{8})", texts[-1]) if texts else None
    assert match is not None
    return match.group(1)


def test_no_administrator_answer_carries_a_password_or_a_code(
    login: Login, world: World, platform: Platform, client: TestClient
) -> None:
    platform.identity.codes.notifier = MemoryNotifier()
    admin, security = login("admin"), login("secadmin")
    created = admin.post(
        "/api/v1/users",
        json={
            "username": "newcmd",
            "display_name": "新指挥员",
            "org_id": world.county_x.id,
            "role": "commander",
            "phone": "13900006666",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["activation_sent_to"] == "+86139****6666" and body["user"]["awaiting_password"] is True
    code = _sms_code(platform, "newcmd")
    assert code not in created.text and "password" not in body
    # A password chosen by the administrator is refused outright.
    chosen = admin.post(
        "/api/v1/users",
        json={
            "username": "puppet",
            "display_name": "x",
            "org_id": world.county_x.id,
            "role": "commander",
            "phone": "13900006667",
            "password": "Admin-Chosen-123",
        },
    )
    assert chosen.status_code == 422 and chosen.json()["field"] == "password"
    # The user sets a password with the code; the console form answers in Chinese first.
    page = client.get("/activate")
    assert page.status_code == 200 and "设置密码" in page.text
    done = client.post(
        "/api/v1/auth/set-password",
        json={"username": "newcmd", "code": code, "new_password": "Own-Choice-2027!"},
    )
    assert done.status_code == 204
    me = login_as(client, "newcmd", "Own-Choice-2027!")
    assert me.status_code == 200
    # A reset by the security administrator: the answer names the phone mask only; sessions end.
    user_id = body["user"]["id"]
    reset = security.post(f"/api/v1/users/{user_id}/reset-password")
    assert reset.status_code == 200 and reset.json()["code_sent_to"] == "+86139****6666"
    assert _sms_code(platform, "newcmd") not in reset.text
    assert client.get("/api/v1/auth/me").status_code == 401
    console = client.post(
        "/activate",
        data={
            "username": "newcmd",
            "code": _sms_code(platform, "newcmd"),
            "new_password": "Second-Choice-2027!",
            "confirm": "Second-Choice-2027!",
        },
    )
    assert console.status_code == 200 and 'data-testid="password-set"' in console.text


def login_as(client: TestClient, username: str, password: str) -> Response:
    """Log `client` in with a password."""
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_an_administrator_role_waits_for_a_security_administrator_over_http(
    login: Login, world: World, platform: Platform
) -> None:
    platform.identity.codes.notifier = MemoryNotifier()
    admin, security = login("admin"), login("secadmin")
    asked = admin.post(
        "/api/v1/users",
        json={
            "username": "newaudit",
            "display_name": "新审计员",
            "org_id": world.centre.id,
            "role": "audit_admin",
            "phone": "13900007777",
        },
    )
    assert asked.status_code == 202 and asked.json()["user"] is None
    request_id = asked.json()["request"]["id"]
    assert admin.post(f"/api/v1/role-requests/{request_id}/approve").status_code == 403
    listed = security.get("/api/v1/role-requests").json()
    assert [r["username"] for r in listed] == ["newaudit"]
    page = security.get("/admin/approvals")
    assert page.status_code == 200 and "newaudit" in page.text and "角色审批" in page.text
    approved = security.post(f"/api/v1/role-requests/{request_id}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert _sms_code(platform, "newaudit")
    again = security.post(f"/api/v1/role-requests/{request_id}/refuse")
    assert again.status_code == 409


def test_bogus_api_keys_get_429_and_do_not_flood_the_audit_log(world: World, platform: Platform) -> None:
    app = create_app(platform=platform)
    caller = TestClient(app, client=("10.66.0.1", 40000))
    answers = [
        caller.get("/api/v1/auth/me", headers={"Authorization": f"Bearer fz_bad_{i:040d}"}).status_code
        for i in range(60)
    ]
    assert answers.count(401) == platform.settings.auth_failures_per_minute_per_client
    assert set(answers) == {401, 429}
    with platform.sessions() as session:
        rows = session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "auth.api_key")
        )
    assert rows == 1


def test_the_console_creates_users_and_resets_without_showing_a_password(
    login: Login, world: World, platform: Platform
) -> None:
    platform.identity.codes.notifier = MemoryNotifier()
    admin, security = login("admin"), login("secadmin")
    form = {"username": "consoleop", "display_name": "操作员", "role": "institution_operator"}
    page = admin.post(
        f"/admin/users?org_id={world.bank_a.id}",
        data={**form, "org_id": str(world.bank_a.id), "phone": "13900008888"},
    )
    assert (
        page.status_code == 200 and 'data-testid="code-sent"' in page.text and "+86139****8888" in page.text
    )
    assert _sms_code(platform, "consoleop") not in page.text and "待本人设置密码" in page.text
    asked = admin.post(
        f"/admin/users?org_id={world.centre.id}",
        data={
            "username": "consolesec",
            "display_name": "安全员",
            "role": "security_admin",
            "org_id": str(world.centre.id),
            "phone": "13900008889",
        },
    )
    assert 'data-testid="role-requested"' in asked.text
    with platform.sessions() as session:
        user_id = session.scalars(select(User.id).where(User.username == "consoleop")).one()
        assert session.scalars(select(User.id).where(User.username == "consolesec")).first() is None
    reset = security.post(f"/admin/users/{user_id}/reset?org_id={world.bank_a.id}")
    assert reset.status_code == 200 and 'data-testid="code-sent"' in reset.text
    assert _sms_code(platform, "consoleop") not in reset.text
    # The security administrator sees no form to issue keys; the bank's administrator does.
    assert 'name="name"' not in security.get(f"/admin/api-keys?org_id={world.bank_a.id}").text
    assert 'name="name"' in login("aadmin").get("/admin/api-keys").text


def test_the_directory_pages_searches_and_takes_parents_by_code(
    login: Login, world: World, platform: Platform
) -> None:
    from fanzha.identity.domain import OrgKind
    from tests.factories import make_org

    for i in range(105):
        make_org(platform, f"zz-bank-{i:03d}", OrgKind.BANK)
    admin = login("admin")
    first = admin.get("/admin/organisations", params={"q": "zz-bank"})
    codes = re.findall(r"<td>(zz-bank-\d{3})</td>", first.text)
    assert codes == [f"zz-bank-{i:03d}" for i in range(100)]
    following = re.search(r'href="([^"]+)" data-testid="next-page"', first.text)
    assert following is not None
    rest = admin.get(following.group(1).replace("&amp;", "&"))
    assert re.findall(r"<td>(zz-bank-\d{3})</td>", rest.text) == [f"zz-bank-{i:03d}" for i in range(100, 105)]
    assert 'name="parent_code"' in first.text and 'name="parent_id"' not in first.text  # typed, not a select
    banks = admin.get("/admin/organisations", params={"kind": "regulator"})
    assert "zz-bank-000" not in banks.text
    csrf = str(admin.headers["X-CSRF-Token"])
    form = {
        "csrf_token": csrf,
        "code": "zz-branch",
        "name_zh": "某支行",
        "kind": "bank",
        "parent_code": "zz-bank-007",
    }
    made = admin.post("/admin/organisations", data=form, headers={"X-CSRF-Token": ""})
    assert made.status_code == 200 and "zz-branch" in made.text
    with platform.sessions() as session:
        branch = session.scalars(select(Organisation).where(Organisation.code == "zz-branch")).one()
        parent = session.get(Organisation, branch.parent_id)
    assert parent is not None and parent.code == "zz-bank-007"
    wrong = admin.post(
        "/admin/organisations",
        data={**form, "code": "zz-branch-2", "parent_code": "nope"},
        headers={"X-CSRF-Token": ""},
    )
    assert "上级单位代码「nope」不存在" in wrong.text
    # The user list's picker takes a typed code.
    users = admin.get("/admin/users", params={"org": "zz-bank-007"})
    assert 'value="zz-bank-007"' in users.text
