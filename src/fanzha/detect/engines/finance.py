"""Finance engines: customer risk (Art 16, 17), mule accounts (Art 18), ATM cash-out (Art 18¶2)."""

from __future__ import annotations

from fanzha.detect.frame import Engine

ENGINES: tuple[type[Engine], ...] = ()
