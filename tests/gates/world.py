"""The gates' province: every role logged in, a peer of the same kind for each, and real objects to aim at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from fanzha.bootstrap import Platform
from fanzha.identity.domain import Role
from fanzha.web.app import create_app
from tests.factories import PASSWORD, make_user
from tests.funds_world import case_body
from tests.integration.test_disposal_service import PHONE, DisposalWorld, make_disposal_world, run_policy
from tests.integration.test_holdings import HOLDER

# Figures printed at the end of the run, like a benchmark's.
FIGURES: dict[str, int | float | str] = {}

# The people the gates act as: one per role, plus a peer of the same kind in another organisation.
ROLE_USERS: dict[Role, str] = {
    Role.PLATFORM_ADMIN: "admin",
    Role.SECURITY_ADMIN: "secadmin",
    Role.AUDIT_ADMIN: "auditor",
    Role.ANALYST: "analyst",
    Role.COMMANDER: "commander",
    Role.INSTITUTION_OPERATOR: "cmccop",
    Role.INSTITUTION_ADMIN: "cmccadmin",
    Role.DESK_OFFICER: "desk",
    Role.GRID_WORKER: "gridw",
}
# Owner → peer: county X vs county Y, telecom CMCC vs telecom CUCC (bank A vs bank B likewise).
PEERS: dict[str, str] = {
    "analyst": "analysty",
    "commander": "commandery",
    "cmccop": "cuccop",
    "cmccadmin": "cuccadmin",
    "aop": "bop",
    "gridw": "gridwy",  # grid workers of two grids of one township (Art 4¶2)
}
# People whose organisation, not their role, decides: the provincial centre's analyst runs detection,
# which the county units' analysts and commanders may not (Art 27; fanzha.detect.runs.DETECTING_ORGS).
CENTRE_USERS: dict[str, Role] = {"centreanalyst": Role.ANALYST, "centrecommander": Role.COMMANDER}


@dataclass
class Gate:
    """The app, a logged-in client per person, API keys, and the ids of objects owned by the owners."""

    platform: Platform
    app: FastAPI
    world: DisposalWorld
    clients: dict[str, TestClient]
    api_keys: dict[str, str]
    # Path parameter → id of an object owned by the owners of PEERS (county X, CMCC, bank A).
    owned: dict[str, int | str] = field(default_factory=dict)
    appeal_code: str = ""

    def auth_of(self, name: str) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and cookies that authenticate as `name` (a user or an API key)."""
        if name in self.api_keys:
            return {"Authorization": f"Bearer {self.api_keys[name]}"}, {}
        client = self.clients[name]
        return (
            {"X-CSRF-Token": client.headers["X-CSRF-Token"]},
            {"fanzha_session": client.cookies["fanzha_session"]},
        )


def login(app: FastAPI, username: str) -> TestClient:
    """A client logged in over the API, sending its CSRF token on writes."""
    client = TestClient(app)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
    return client


def build_gate(platform: Platform) -> Gate:
    """Create the province, log everyone in and make one object of each kind through the API."""
    dw = make_disposal_world(platform)
    base = dw.base
    make_user(platform, "commander", base.county_x, Role.COMMANDER)
    make_user(platform, "analysty", base.county_y, Role.ANALYST)
    make_user(platform, "commandery", base.county_y, Role.COMMANDER)
    make_user(platform, "cmccadmin", dw.cmcc.org, Role.INSTITUTION_ADMIN)
    make_user(platform, "cuccadmin", dw.cucc.org, Role.INSTITUTION_ADMIN)
    for name, role in CENTRE_USERS.items():
        make_user(platform, name, base.centre, role)
    _warnings_grid(platform, dw)
    app = create_app(platform=platform)
    names = {*ROLE_USERS.values(), *PEERS.values(), *CENTRE_USERS, "aop", "aadmin"}
    clients = {name: login(app, name) for name in sorted(names)}
    gate = Gate(platform, app, dw, clients, {})
    analyst, cmcc = clients["analyst"], clients["cmccop"]
    # API keys of the two telecoms' systems (institution operators).
    for owner in ("cmccadmin", "cuccadmin"):
        org_id = clients[owner].get("/api/v1/auth/me").json()["org_id"]
        made = clients[owner].post("/api/v1/api-keys", json={"org_id": org_id, "name": "gate"})
        assert made.status_code == 201, made.text
        gate.api_keys[f"{owner}-key"] = made.json()["secret"]
    # Objects that routes disable, reset or revoke belong to bystanders, so the actors stay logged in.
    make_user(platform, "cmccbystander", dw.cmcc.org, Role.INSTITUTION_OPERATOR)
    spare = clients["cmccadmin"].post("/api/v1/api-keys", json={"org_id": dw.cmcc.org.id, "name": "spare"})
    assert spare.status_code == 201, spare.text
    gate.owned["key_id"] = spare.json()["key"]["id"]
    published = analyst.post(
        "/api/v1/samples",
        json={"kind": "phone", "value": PHONE, "fraud_type": "fake_customer_service", "confidence": 90},
    )
    assert published.status_code == 201, published.text
    gate.owned["sample_id"] = published.json()["sample"]["id"]
    run_policy(platform)
    orders = cmcc.get("/api/v1/disposal/orders").json()["items"]
    assert orders, "linked disposal ordered CMCC to act on the number"
    gate.owned["order_id"] = orders[0]["id"]
    done = cmcc.post(f"/api/v1/disposal/orders/{orders[0]['id']}/receipt", json={"status": "executed"})
    assert done.status_code == 200, done.text
    sms = [n for n in dw.notifier.sent if "申诉码" in n.text]
    match = re.search(r"申诉码 ([A-Z0-9]+)", sms[0].text) if sms else None
    assert match is not None
    gate.appeal_code = match.group(1)
    appeal = TestClient(app).post(
        "/api/v1/public/appeals",
        json={
            "code": gate.appeal_code,
            "facts": "我是快递员，每天要打电话",
            "reasons": "正常工作使用",
            "documents": [],
        },
    )
    assert appeal.status_code == 201, appeal.text
    gate.owned["appeal_id"] = analyst.get("/api/v1/appeals").json()[0]["id"]
    subscribed = clients["cmccadmin"].post("/api/v1/subscriptions", json={"kinds": ["phone"]})
    assert subscribed.status_code == 201, subscribed.text
    gate.owned["subscription_id"] = subscribed.json()["subscription"]["id"]
    gate.owned["user_id"] = _user_id(platform, "cmccbystander")
    gate.owned["org_id"] = dw.cmcc.org.id
    # CMCC declares who holds the number (the holdings register); its peer CUCC may not touch it.
    held = clients["cmccadmin"].post(
        "/api/v1/holdings", json={"items": [{"kind": "phone", "value": PHONE, "holder_id": HOLDER}]}
    )
    assert held.status_code == 200, held.text
    gate.owned["holding_id"] = clients["cmccadmin"].get("/api/v1/holdings").json()["items"][0]["id"]
    # A fraud case whose collector account is at bank A; bank A's stop-payment is not bank B's to see.
    case = analyst.post(
        "/api/v1/funds/cases", json=case_body(platform.clock.now(), victims=1, number="AJ-GATE")
    )
    assert case.status_code == 201, case.text
    gate.owned["case_id"] = case.json()["id"]
    detail = analyst.get(f"/api/v1/funds/cases/{gate.owned['case_id']}").json()
    gate.owned["transfer_id"] = detail["transfers"][0]["id"]
    stop = analyst.post(f"/api/v1/funds/transfers/{gate.owned['transfer_id']}/stop-payment", json={})
    assert stop.status_code == 201, stop.text
    gate.owned["instruction_id"] = stop.json()["id"]
    # Art 24: a rectification item for CMCC; CUCC may not read or answer it.
    item = analyst.post(
        "/api/v1/accountability/items",
        json={"kind": "rectification", "unit_org_id": dw.cmcc.org.id, "title": "整治", "deadline_days": 30},
    )
    assert item.status_code == 201, item.text
    gate.owned["item_id"] = item.json()["id"]
    gate.owned["task_id"] = _visit_task(platform)
    gate.owned["grid_code"] = GRID
    return gate


GRID, GRID_Y = "430104001001", "430104001002"


def _warnings_grid(platform: Platform, dw: DisposalWorld) -> None:
    """County X's desk officer, a township with two grids, a grid worker on each, one registered resident."""
    from fanzha.identifiers import IdentifierKind
    from fanzha.identity.domain import OrgKind
    from tests.factories import make_org

    base = dw.base
    desk = make_user(platform, "desk", base.county_x, Role.DESK_OFFICER)
    township = make_org(platform, "tx1", OrgKind.POLICE_TOWNSHIP, "430104001", base.county_x.id)
    workers = [make_user(platform, n, township, Role.GRID_WORKER) for n in ("gridw", "gridwy")]
    service = platform.warnings
    assert service is not None
    for (code, name), worker in zip(((GRID, "一网格"), (GRID_Y, "二网格")), workers, strict=True):
        service.add_grid(desk.principal, code, name)
        service.assign(desk.principal, worker.user.id, code)
    token = service.vault.token_of(IdentifierKind.RESIDENT_ID, HOLDER)[1]
    service.register(desk.principal, [(token, "13912345678", GRID)])


def _visit_task(platform: Platform) -> int:
    """A high warning the desk could not reach by phone: the visit task of grid worker `gridw`."""
    from fanzha.identifiers import IdentifierKind
    from fanzha.identity.domain import OrgKind, Principal
    from fanzha.warnings.domain import Outcome, SignalKind
    from fanzha.warnings.service import SignalInput

    service = platform.warnings
    assert service is not None
    token = service.vault.token_of(IdentifierKind.RESIDENT_ID, HOLDER)[1]
    desk_id = _user_id(platform, "desk")
    with platform.engine.connect() as conn:
        org_id = int(
            conn.execute(text("SELECT org_id FROM users WHERE id = :i"), {"i": desk_id}).scalar_one()
        )
    desk = Principal(desk_id, "desk", org_id, OrgKind.POLICE_COUNTY, Role.DESK_OFFICER)
    signal = SignalInput(SignalKind.INSTITUTION_REPORT, "gate-1", person_token=token, still_paying=True)
    call = service.ingest(desk, [signal])[0].task_id
    assert call is not None
    service.accept(desk, call)
    service.outcome(desk, call, Outcome.UNREACHABLE)
    visits = [t.id for t, _ in service.tasks(desk, "open") if t.channel == "visit"]
    return visits[0]


def _user_id(platform: Platform, username: str) -> int:
    with platform.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT id FROM users WHERE username = :u"), {"u": username}).scalar_one()
        )
