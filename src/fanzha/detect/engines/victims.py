"""Potential victims (Art 28): people reached by fraud objects, graded by how far the scam went."""

from __future__ import annotations

from fanzha.detect.frame import Engine

ENGINES: tuple[type[Engine], ...] = ()
