"""The OpenAPI document is truthful: 405s name what is allowed, ids bounded, binary and TAXII declared."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.web.app import all_routes, create_app
from fanzha.web.limits import BODY_LIMIT_KEY

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
INT32_MAX = 2**31 - 1  # PostgreSQL INTEGER: every id, cursor and position a request may send


def _allowed_at(address: str) -> set[str]:
    """The methods of every route whose pattern matches `address` (/samples/lookup matches /samples/{id})."""
    return {m for r in all_routes() if r.path_regex.match(address) for m in r.methods or ()}


def test_every_405_names_the_methods_the_address_allows(platform: Platform) -> None:
    client = TestClient(create_app(platform=platform))
    wrong = []
    checked = 0
    for path in sorted({r.path for r in all_routes()}):
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        allowed = _allowed_at(concrete)
        for method in METHODS:
            if method in allowed:
                continue
            response = client.request(method, concrete)
            checked += 1
            named = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
            body = response.json()
            if response.status_code != 405 or named != allowed or body["code"] != "method_not_allowed":
                wrong.append(f"{method} {path}: Allow {named or None}, serves {sorted(allowed)}")
    assert wrong == [], "\n".join(wrong)
    assert checked >= 200


def test_every_integer_in_the_document_fits_64_bits_and_the_largest_is_accepted(platform: Platform) -> None:
    app = create_app(platform=platform)
    document = TestClient(app).get("/api/openapi.json").json()
    unbounded: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer" and ("maximum" not in node or node["maximum"] > 2**63 - 1):
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "#")
    assert unbounded == []
    order_id = document["paths"]["/api/v1/disposal/orders/{order_id}"]["get"]["parameters"][0]["schema"]
    assert order_id["maximum"] == INT32_MAX
    # The largest id the document allows is a well-formed request (an object that does not exist); one past
    # it was never schema-valid and is refused as bad input. Never a 500.
    from tests.factories import PASSWORD, make_world

    make_world(platform)
    client = TestClient(app)
    login = client.post("/api/v1/auth/login", json={"username": "analyst", "password": PASSWORD})
    assert login.status_code == 200, login.text
    for path in ("/api/v1/disposal/orders/{}", "/api/v1/samples/{}", "/api/v1/appeals/{}"):
        largest = client.get(path.format(INT32_MAX))
        assert largest.status_code == 404, (path, largest.text)
    past = client.get(f"/api/v1/disposal/orders/{2**63}")
    assert past.status_code == 422 and past.json()["code"] == "validation_failed"


def test_binary_and_taxii_answers_are_declared_with_their_real_content_types(platform: Platform) -> None:
    document = TestClient(create_app(platform=platform)).get("/api/openapi.json").json()
    paths = document["paths"]
    for path in ("/api/v1/samples/filters/{kind}/snapshot", "/api/v1/samples/filters/{kind}/delta"):
        ok = paths[path]["get"]["responses"]["200"]
        assert list(ok["content"]) == ["application/octet-stream"]
        assert set(ok["headers"]) == {"X-Filter-Version", "X-Filter-Checksum"}
    assert "204" in paths["/api/v1/samples/filters/{kind}/delta"]["get"]["responses"]
    taxii = [p for p in paths if p.startswith("/taxii2/")]
    assert len(taxii) >= 7
    for path in taxii:
        responses = paths[path]["get"]["responses"]
        assert list(responses["200"]["content"]) == ["application/taxii+json;version=2.1"]
        assert list(responses["default"]["content"]) == ["application/taxii+json;version=2.1"]
        assert "422" not in responses  # TAXII answers bad parameters with 400, a TAXII error
    # Each route's body limit is stated where it is larger than the default.
    assert paths["/api/v1/samples/lookup"]["post"][BODY_LIMIT_KEY] == 16 * 1024 * 1024
