"""`fanzha leaks`: rank candidate leak sources of a simulated province (Art 26)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="信息泄露源分析 / leak-source analysis (Art 26)", no_args_is_help=True)


@app.command()
def analyse(
    province: Annotated[Path, typer.Argument(help="a directory from `fanzha sim generate --extras`")],
    top: Annotated[int, typer.Option("--top", min=1, help="candidates shown")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Parties whose customers are victims far beyond their share of the population."""
    from fanzha.leaks.simulated import MissingDealings, planted
    from fanzha.leaks.simulated import analyse as run

    try:
        ranked = run(province)[:top]
    except MissingDealings as e:
        typer.echo(f"cannot analyse: {e}", err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(
            json.dumps(
                {"candidates": [asdict(c) for c in ranked], "planted": planted(province)}, ensure_ascii=False
            )
        )
        return
    typer.echo("排名 rank | 来源 source | 受害人占比 victims | 人口占比 population | 提升度 lift | log10 p")
    for i, c in enumerate(ranked, 1):
        typer.echo(
            f"{i:>2} {c.party_name} ({c.party_id}) | {c.victims} = {c.victim_share:.1%} | "
            f"{c.population_share:.1%} | {c.lift:.1f}× | {c.log10_p}"
        )
