"""HTTP API of detection: start a run, follow it, browse alerts with their reasons."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
