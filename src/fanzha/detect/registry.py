"""The explicit registry of engines, by name: nothing is discovered by import side effects."""

from __future__ import annotations

from fanzha.core.errors import NotFound
from fanzha.detect.engines import (
    content,
    crypto,
    finance,
    finance_v2,
    internet,
    lines,
    telecom,
    telecom_v2,
    victims,
    victims_v2,
)
from fanzha.detect.frame import Engine

_ALL = (
    *telecom.ENGINES,
    *telecom_v2.ENGINES,
    *finance.ENGINES,
    *finance_v2.ENGINES,
    *internet.ENGINES,
    *content.ENGINES,
    *victims.ENGINES,
    *victims_v2.ENGINES,
    *lines.ENGINES,
    *crypto.ENGINES,
)
REGISTRY: dict[str, type[Engine]] = {e.name: e for e in _ALL}


def engine(name: str) -> Engine:
    """A fresh instance of the engine called `name`."""
    try:
        return REGISTRY[name]()
    except KeyError:
        known = "、".join(REGISTRY) or "—"
        raise NotFound(
            f"没有名为 {name} 的检测引擎（已有：{known}）",
            f"no detection engine named {name} (known: {', '.join(REGISTRY) or '-'})",
            field="engine",
        ) from None
