"""A Python client generated from the OpenAPI document (openapi-python-client) builds without losing a model,
has one function per operation under a stable name, and works against the running app."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.web.app import create_app
from tests.factories import PASSWORD, World

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def generated(platform: Platform, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The client package generated into tmp_path; yields (package name, generator output)."""
    if not GENERATOR.exists():
        pytest.skip("openapi-python-client is a test dependency (pip install -e '.[test]')")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(create_app(platform=platform).openapi()), encoding="utf-8")
    out = tmp_path / "fanzha_api_client"
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    made = subprocess.run(
        [GENERATOR, "generate", "--path", document, "--output-path", out, "--meta", "none"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield "fanzha_api_client", made.stdout + made.stderr
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("fanzha_api_client")]:
            del sys.modules[name]


def test_generated_client_keeps_every_model_and_calls_the_api(
    generated: tuple[str, str], platform: Platform, world: World
) -> None:
    package, output = generated
    assert "Unable to parse" not in output and "duplicate models" not in output, output
    client_module = importlib.import_module(f"{package}.client")
    organisations = importlib.import_module(f"{package}.api.identity.identity_list_organisations")
    app = create_app(platform=platform)
    http = TestClient(app, base_url="http://testserver")
    login = http.post("/api/v1/auth/login", json={"username": "analyst", "password": PASSWORD})
    assert login.status_code == 200, login.text
    client = client_module.Client(base_url="http://testserver")
    client.set_httpx_client(http)
    answer = organisations.sync_detailed(client=client)
    assert answer.status_code == 200
    codes = {org.code for org in answer.parsed}
    assert world.bank_a.code in codes
    anonymous = client_module.Client(base_url="http://testserver")
    anonymous.set_httpx_client(TestClient(app, base_url="http://testserver"))
    refused = organisations.sync_detailed(client=anonymous)
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert refused.headers["content-type"] == "application/problem+json"
    problem = json.loads(refused.content)
    assert problem["status"] == 401 and problem["type"] == "urn:fanzha:error:not_authenticated"


def test_every_validation_problem_is_reported_with_its_field(login: Callable[[str], TestClient]) -> None:
    answer = login("analyst").post("/api/v1/samples", json={"kind": "fax", "confidence": "high"})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    fields = {p["field"] for p in problem["errors"]}
    assert {"kind", "value"} <= fields, fields
    assert problem["field"] == problem["errors"][0]["field"] and problem["status"] == 422
    assert all(
        p["message_zh"].startswith("字段「") and p["message_en"].startswith("Field '")
        for p in problem["errors"]
    )


def test_operations_have_stable_ids_and_name_their_security(platform: Platform) -> None:
    document = create_app(platform=platform).openapi()
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert document["paths"]["/api/v1/disposal/orders/{order_id}"]["get"]["operationId"] == "disposal_detail"
    assert set(document["components"]["securitySchemes"]) == {"apiKey", "session"}
    assert document["paths"]["/api/v1/public/check"]["post"]["security"] == []
    assert {"apiKey": []} in document["paths"]["/api/v1/disposal/orders"]["post"]["security"]
