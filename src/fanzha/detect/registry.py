"""The explicit registry of engines, by name: nothing is discovered by import side effects."""

from __future__ import annotations

from fanzha.core.errors import NotFound
from fanzha.detect.engines import content, finance, internet, telecom, victims
from fanzha.detect.frame import Engine

REGISTRY: dict[str, type[Engine]] = {
    e.name: e
    for e in (*telecom.ENGINES, *finance.ENGINES, *internet.ENGINES, *content.ENGINES, *victims.ENGINES)
}


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
