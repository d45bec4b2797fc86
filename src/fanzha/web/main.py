"""The ASGI entry point for uvicorn: `fanzha.web.main:app`, built from the environment."""

from __future__ import annotations

from fanzha.core import malloc
from fanzha.core.settings import Settings
from fanzha.web import exposure
from fanzha.web.app import create_app

malloc.tune()  # also when uvicorn or gunicorn is started on this module directly
malloc.start_trimming()  # each server process returns the memory its requests freed
settings = Settings()
# Whatever server runs this module (uvicorn, gunicorn), development keys are served on loopback only.
app = exposure.guard(create_app(settings), settings)
