"""HTTP clients over the whole app, logged in as the people of the small province."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from fanzha.bootstrap import Platform
from fanzha.web.app import create_app
from tests.factories import PASSWORD, World, make_world


@pytest.fixture
def world(platform: Platform) -> World:
    """The small province."""
    return make_world(platform)


@pytest.fixture
def client(platform: Platform) -> TestClient:
    """An anonymous client."""
    return TestClient(create_app(platform=platform))


@pytest.fixture
def login(platform: Platform, world: World) -> Callable[[str], TestClient]:
    """Log a user in over the API; the client then sends the CSRF token on every write."""

    def _login(username: str) -> TestClient:
        client = TestClient(create_app(platform=platform))
        response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.headers["X-CSRF-Token"]
        return client

    return _login
