"""Instant text, URL and app risk checks (Art 21-23) that explain themselves."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
