"""The ASGI entry point for uvicorn: `fanzha.web.main:app`, built from the environment."""

from __future__ import annotations

from fanzha.core.settings import Settings
from fanzha.web.app import create_app

app = create_app(Settings())
