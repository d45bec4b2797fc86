"""Every route × anonymous, every role and a peer organisation of the same kind: allow and deny as declared.

Routes come from the app itself (`all_routes()`), so a route added later is in the matrix without anyone
listing it; one without a declared permission (and not in PUBLIC) fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.routing import APIRoute
from httpx import Response
from sqlalchemy import func, select

from fanzha.audit.domain import Outcome
from fanzha.audit.tables import AuditRecord
from fanzha.identity.domain import ROLE_PERMISSIONS, Role
from fanzha.web.app import all_routes
from tests.e2e.test_route_permissions import PUBLIC, _permission_of
from tests.gates.world import CENTRE_USERS, FIGURES, PEERS, ROLE_USERS, Gate, login

DENIED = (401, 403)
# Who, in the gates' province, owns the object each path parameter names (gate.owned): the peer of an
# owner (same kind, other organisation) must not reach it. Samples are the shared library (Art 26), and
# police units see every order (they coordinate across the province), so those have no private owner.
OWNERS: dict[str, set[str]] = {
    "key_id": {"cmccadmin", "cmccop", "cmccadmin-key"},
    "order_id": {"cmccop", "cmccadmin", "cmccadmin-key"},
    "appeal_id": {"analyst", "commander"},  # the unit that issued the measure decides (Art 34)
    "subscription_id": {"cmccadmin", "cmccop", "cmccadmin-key"},
    "user_id": {"cmccadmin", "cmccop", "cmccadmin-key"},
    "org_id": {"cmccadmin", "cmccop", "cmccadmin-key"},
    "sample_id": set(),
    "holding_id": {"cmccop", "cmccadmin", "cmccadmin-key"},  # an institution's own declarations (Art 26)
    # Funds: cases and transfers are the police's (province-wide, like orders); an instruction is its
    # bank's alone (bank A's stop-payment is not bank B's to see or answer).
    "case_id": set(),
    "transfer_id": set(),
    "instruction_id": {"aop"},
    # Leak reports (Art 26) are worked by police units province-wide, like cases.
    "leak_report_id": set(),
    # Credit: the serious-dishonesty list is the police's, province-wide (Art 29), like cases.
    "listing_id": set(),
    # Accountability (Art 24): a rectification item is its unit's (police see every unit's).
    "item_id": {"cmccop", "cmccadmin", "cmccadmin-key"},
    # Tips: the handling unit and the units above it (Art 38); peers get 404 and only the handling officer
    # opens the reporter, both tested per role in tests/e2e/test_journey_tips.py.
    "tip_id": set(),
    "file_id": set(),
    # Warnings (Art 4¶2): a visit task is its grid's alone; another grid's worker neither sees nor takes it.
    "task_id": {"gridw"},
    "warning_id": set(),
    "grid_code": set(),
}
# Values for path parameters that are not objects (a table, an action, a kind ...).
PLAIN = {
    "kind": "phone",
    "table": "phone_segment",
    "lang": "zh",
    "action": "confirm",
    "collection_key": "eb9a5378-6bb9-51f3-bdf0-1c62d6fc919f",  # the phone collection (aliases redirect)
    "object_id": "indicator--00000000-0000-4000-8000-000000000000",
    "dead_letter_id": "1",
}
# Routes that end the caller's own session run last; a session they end is logged in again.
LAST = ("/logout",)
# API keys act as their organisation's system, with the role the key carries.
KEY_ROLES = {"cmccadmin-key": Role.INSTITUTION_OPERATOR, "cuccadmin-key": Role.INSTITUTION_OPERATOR}
KEY_PEERS = {"cmccadmin-key": "cuccadmin-key"}
# Routes the role allows only in some organisations: detection is run by the province and city centres
# (Art 27) and by institutions for their sector's duty, so county units are refused despite their role.
INSTITUTIONS = {"cmccop", "cmccadmin", "cmccadmin-key", "cuccadmin-key"}
ORG_LIMITED: dict[str, set[str]] = {
    "/api/v1/detect/runs": {"analyst", "commander"},
    "/console/detect": {"analyst", "commander"},
    # Institutions run their sector's engines but never turn alerts into samples and warnings.
    "/api/v1/detect/runs/{run_id}/apply-policies": INSTITUTIONS,
    "/console/detect/runs/{run_id}/apply-policies": INSTITUTIONS,
    # Art 24: monthly notifications are drafted and published by the provincial centre only.
    "/api/v1/oversight/notifications/draft": {"commander"},
    "/api/v1/oversight/notifications/{notification_id}/publish": {"commander"},
    "/oversight/notifications/draft": {"commander"},
    "/oversight/notifications/{notification_id}/publish": {"commander"},
    # Art 24, 36: only the unit that set an item (here county X's analyst) accepts its answer and closes it.
    "/api/v1/accountability/items/{item_id}/close": {"centreanalyst", "centrecommander"},
    # Art 27, 28: a potential-victim run becomes warnings at the province and city centres only.
    "/api/v1/warnings/runs/{run_id}": {"analyst", "commander", "desk"} | INSTITUTIONS,
}


UNOWNED: set[str] = set()


@dataclass(frozen=True)
class Call:
    """One cell of the matrix."""

    method: str
    route: str
    who: str
    status: int


def _params(route: APIRoute) -> list[str]:
    return re.findall(r"\{([^}:]+)(?::[^}]*)?\}", route.path)


def _path(route: APIRoute, gate: Gate) -> str:
    path = route.path
    for name in _params(route):
        if name not in OWNERS and name not in PLAIN:
            # Still checked for anonymous and every role; printed so its owner gets declared (OWNERS).
            UNOWNED.add(name)
        value = gate.owned.get(name, PLAIN.get(name, "1"))
        path = re.sub(r"\{" + name + r"(:[^}]*)?\}", str(value), path)
    return path


def _denials(gate: Gate) -> int:
    with gate.platform.sessions() as session:
        query = select(func.count()).select_from(AuditRecord).where(AuditRecord.result == str(Outcome.DENIED))
        return int(session.scalar(query) or 0)


def _call(gate: Gate, who: str, method: str, path: str) -> Response:
    from fastapi.testclient import TestClient

    if who == "anonymous":
        return TestClient(gate.app, raise_server_exceptions=False).request(
            method, path, follow_redirects=False
        )
    headers, cookies = gate.auth_of(who)
    client = TestClient(gate.app, cookies=cookies, raise_server_exceptions=False)
    response = client.request(method, path, headers=headers, follow_redirects=False, json={})
    if response.status_code == 401 and who in gate.clients:
        # A route before this one (log-out) ended the session: log in again and retry once.
        gate.clients[who] = login(gate.app, who)
        headers, cookies = gate.auth_of(who)
        client = TestClient(gate.app, cookies=cookies, raise_server_exceptions=False)
        response = client.request(method, path, headers=headers, follow_redirects=False, json={})
    return response


def _refused(response: Response) -> bool:
    """403, or 401 asking to log in; a 401 naming a field answers a credential check (a wrong password)."""
    if response.status_code == 403:
        return True
    if response.status_code != 401:
        return False
    try:
        return response.json().get("field") is None
    except ValueError:
        return False  # the console's log-in form re-rendered with its error


def _roles() -> dict[str, Role]:
    return {**{user: role for role, user in ROLE_USERS.items()}, **CENTRE_USERS, **KEY_ROLES}


def _org_refuses(path: str, who: str) -> bool:
    return any(path.startswith(prefix) and who in users for prefix, users in ORG_LIMITED.items())


def test_every_route_allows_and_denies_as_declared_and_audits_denials(gate: Gate) -> None:
    routes = sorted(
        ((route, method) for route in all_routes() for method in sorted(route.methods)),
        key=lambda rm: (rm[0].path.endswith(LAST), rm[0].path, rm[1]),
    )
    roles = _roles()
    wrong: list[Call] = []
    unaudited: list[Call] = []
    undeclared: list[str] = []
    cells = pairs = 0
    for route, method in routes:
        public = (method, route.path) in PUBLIC
        permission = _permission_of(route)
        if permission is None and not public:
            undeclared.append(f"{method} {route.path}")
            continue
        path = _path(route, gate)
        anonymous = _call(gate, "anonymous", method, path)
        cells += 1
        if _refused(anonymous) == public or anonymous.status_code >= 500:
            wrong.append(Call(method, route.path, "anonymous", anonymous.status_code))
        for who, role in roles.items():
            allowed = public or (permission is not None and permission in ROLE_PERMISSIONS[role])
            allowed = allowed and not _org_refuses(route.path, who)
            before = _denials(gate)
            response = _call(gate, who, method, path)
            cells += 1
            status = response.status_code
            if _refused(response) == allowed or status >= 500:
                wrong.append(Call(method, route.path, who, status))
            if status == 403 and _denials(gate) == before:
                unaudited.append(Call(method, route.path, who, status))
        # Object routes: what the owner reaches, the peer of the same kind in another organisation may not.
        owners = {who for name in _params(route) for who in OWNERS.get(name, set())}
        if public:
            continue
        for owner, peer in {**PEERS, **KEY_PEERS}.items():
            if owner not in owners:
                continue
            owner_status = _call(gate, owner, method, path).status_code
            if owner_status >= 300:
                continue  # the owner does not reach it either (or sent no valid body): nothing to compare
            before = _denials(gate)
            response = _call(gate, peer, method, path)
            pairs += 1
            if response.status_code not in (403, 404):
                wrong.append(Call(method, route.path, f"{peer} (peer of {owner})", response.status_code))
            elif _denials(gate) == before:
                unaudited.append(Call(method, route.path, f"{peer} (peer of {owner})", response.status_code))

    FIGURES["access matrix routes"] = len(routes)
    FIGURES["access matrix identities"] = (
        f"anonymous + {len(roles)} ({len(ROLE_USERS)} roles, a centre analyst and commander, 2 API keys)"
    )
    FIGURES["access matrix cells (routes × identities)"] = cells
    FIGURES["access matrix cross-organisation pairs"] = pairs
    if UNOWNED:
        FIGURES["access matrix: path parameters with no declared owner (no peer check)"] = ", ".join(
            sorted(UNOWNED)
        )
    assert undeclared == [], "routes without authorize(Permission.X) and not in PUBLIC"
    assert wrong == [], "\n".join(map(str, wrong))
    assert unaudited == [], "\n".join(map(str, unaudited))
    assert len(routes) >= 90 and pairs >= 10
