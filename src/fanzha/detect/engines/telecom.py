"""Telecom engines: card openings (Art 10), callers (Art 12), abnormal cards (Art 13), SIM boxes (Art 14)."""

from __future__ import annotations

from fanzha.detect.frame import Engine

ENGINES: tuple[type[Engine], ...] = ()
