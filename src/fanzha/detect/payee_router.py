"""Instant payee check at transfer time (Art 18¶4): a sample account answers delay settlement."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
