"""Content engines: scam text (Art 21, 22), fraud URLs and apps (Art 23)."""

from __future__ import annotations

from fanzha.detect.engines.content_text import ScamTextV1
from fanzha.detect.engines.content_web import FraudAppV1, FraudUrlV1
from fanzha.detect.frame import Engine

ENGINES: tuple[type[Engine], ...] = (ScamTextV1, FraudUrlV1, FraudAppV1)
