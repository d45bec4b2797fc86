"""The money graph of a case for the console (issue 22 item 9): victims → accounts → onward accounts."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fanzha.web import charts

COLOURS = {
    "victim": "#5470c6",
    "held": "#91cc75",
    "frozen": "#3ba272",
    "moved": "#fac858",
    "other": "#9a9a9a",
    "proposed": "#ee6666",
}


def _yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def money_graph(detail: Mapping[str, Any], _: Callable[[str], str]) -> charts.Chart:
    """Victims on the left, each stop-payment at its hop, onward accounts after it; amounts in yuan."""
    nodes: dict[str, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    rows: list[tuple[Any, ...]] = []
    column: dict[int, int] = {}

    def node(key: str, name: str, x: int, colour: str, tip: str) -> str:
        if key not in nodes:
            y = column.get(x, 0)
            column[x] = y + 1
            nodes[key] = {
                "id": key,
                "name": name,
                "x": x * 220,
                "y": y * 70,
                "symbolSize": 26,
                "itemStyle": {"color": colour},
                "tooltip": {"formatter": tip},
            }
        return key

    def link(a: str, b: str, fen: int) -> None:
        links.append({"source": a, "target": b, "value": _yuan(fen)})
        rows.append((nodes[a]["name"], nodes[b]["name"], _yuan(fen)))

    by_account: dict[str, str] = {}
    for i in detail["instructions"]:
        if i.kind != "stop_payment":
            continue
        state = i.status if i.status in COLOURS else "other"
        key = node(
            f"i{i.id}",
            f"{i.account_masked}",
            int(i.hop) + 1,
            COLOURS[state],
            f"#{i.id} {_('funds.status.' + i.status)} {_yuan(i.result_fen or i.amount_fen)}",
        )
        by_account.setdefault(i.account_masked, key)
    for v in detail["victims"]:
        node(f"v{v['id']}", f"{v['name']}", 0, COLOURS["victim"], f"{_('funds.loss')} {_yuan(v['loss_fen'])}")
    for t in detail["transfers"]:
        target = by_account.get(t.payee_masked) or node(
            f"a:{t.payee_masked}", t.payee_masked, 1, COLOURS["other"], t.payee_masked
        )
        link(f"v{t.victim_id}", target, t.amount_fen)
    parents = {i.id: i for i in detail["instructions"]}
    for o in detail["onward"]:
        src = f"i{o.instruction_id}"
        if src not in nodes:
            continue
        hop = int(parents[o.instruction_id].hop) + 2
        target = f"i{o.lead_id}"
        if not o.lead_id or target not in nodes:
            target = node(f"a:{o.account_masked}", o.account_masked, hop, COLOURS["other"], o.account_masked)
        link(src, target, o.traced_fen or o.amount_fen)
    # The tracing engine's proposals: from each victim to the account where their money still is.
    for lead in detail.get("leads", []):
        if lead.status != "proposed":
            continue
        key = node(
            f"l{lead.id}",
            f"{lead.account_masked}",
            int(lead.hop) + 1,
            COLOURS["proposed"],
            f"{_('funds.proposal')} #{lead.id} {_yuan(lead.amount_fen)}",
        )
        for v in json.loads(lead.victims):
            if f"v{v['victim_id']}" in nodes:
                link(f"v{v['victim_id']}", key, int(v["amount_fen"]))
    columns = (_("funds.from"), _("funds.account"), _("funds.amount"))
    return charts.graph(_("funds.graph"), list(nodes.values()), links, columns, rows)
