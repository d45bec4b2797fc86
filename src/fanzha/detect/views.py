"""Console pages of detection: runs, alerts and their reasons."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
