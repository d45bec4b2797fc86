"""ECharts options for console charts, each shown with its table twin (templates/_chart.html)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Chart:
    """One chart: its title, the ECharts option, and the same numbers as a table."""

    title: str
    option: dict[str, Any]
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def option_json(self) -> str:
        """The option as JSON for the data-chart attribute (escaped by Jinja)."""
        return json.dumps(self.option, ensure_ascii=False, separators=(",", ":"))


def bar(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float]], *, horizontal: bool = False
) -> Chart:
    """A bar chart of one or more series over the same labels."""
    category = {"type": "category", "data": list(labels)}
    value: dict[str, Any] = {"type": "value"}
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"show": len(series) > 1, "top": 0},
        "grid": {"containLabel": True, "left": 8, "right": 16, "top": 32, "bottom": 8},
        "xAxis": value if horizontal else category,
        "yAxis": category if horizontal else value,
        "series": [{"type": "bar", "name": name, "data": list(values)} for name, values in series.items()],
    }
    return Chart(title, option, ("", *series), _rows(labels, series))


def line(title: str, labels: Sequence[str], series: dict[str, Sequence[float]]) -> Chart:
    """A line chart (a trend) of one or more series over the same labels."""
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"show": len(series) > 1, "top": 0},
        "grid": {"containLabel": True, "left": 8, "right": 16, "top": 32, "bottom": 8},
        "xAxis": {"type": "category", "data": list(labels)},
        "yAxis": {"type": "value"},
        "series": [{"type": "line", "name": name, "data": list(values)} for name, values in series.items()],
    }
    return Chart(title, option, ("", *series), _rows(labels, series))


def pie(title: str, parts: dict[str, float]) -> Chart:
    """A pie chart of shares."""
    data = [{"name": name, "value": value} for name, value in parts.items()]
    option = {"tooltip": {"trigger": "item"}, "series": [{"type": "pie", "radius": "65%", "data": data}]}
    return Chart(title, option, ("", title), tuple((name, value) for name, value in parts.items()))


def _rows(labels: Sequence[str], series: dict[str, Sequence[float]]) -> tuple[tuple[Any, ...], ...]:
    """The table twin: one row per label, one column per series."""
    columns = list(series.values())
    return tuple((label, *(values[i] for values in columns)) for i, label in enumerate(labels))


def graph(
    title: str,
    nodes: Sequence[dict[str, Any]],
    links: Sequence[dict[str, Any]],
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
) -> Chart:
    """A directed graph (nodes placed by the caller: x, y), with the links as its table twin."""
    option = {
        "tooltip": {},
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": True,
                "label": {"show": True, "position": "bottom", "fontSize": 10},
                "edgeSymbol": ["none", "arrow"],
                "edgeLabel": {"show": True, "fontSize": 10, "formatter": "{c}"},
                "lineStyle": {"opacity": 0.8, "width": 1.5},
                "data": list(nodes),
                "links": list(links),
            }
        ],
    }
    return Chart(title, option, columns, tuple(rows))
