"""Internet engines: accounts associated with fraud accounts (Art 20)."""

from __future__ import annotations

from fanzha.detect.frame import Engine

ENGINES: tuple[type[Engine], ...] = ()
