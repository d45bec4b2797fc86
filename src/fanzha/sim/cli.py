"""`fanzha sim`: generate a synthetic province, and describe one."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, fields
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from fanzha.sim.config import MIN_PEOPLE, SimConfig

app = typer.Typer(help="合成省份 / synthetic province with ground truth", no_args_is_help=True)


def _settings(pairs: list[str]) -> dict[str, Any]:
    """NAME=NUMBER pairs naming numeric SimConfig fields (rates and shares), checked."""
    numeric = {f.name: f.type for f in fields(SimConfig) if f.type in ("float", "int")}
    for fixed in ("people", "days", "seed", "block_people"):
        numeric.pop(fixed)
    out: dict[str, Any] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in numeric:
            raise ValueError(f"--set {pair}: unknown setting {name!r} (one of {', '.join(sorted(numeric))})")
        try:
            out[name] = int(value) if numeric[name] == "int" else float(value)
        except ValueError:
            raise ValueError(f"--set {pair}: {value!r} is not a number") from None
    return out


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="directory for the Parquet files")],
    people: Annotated[int, typer.Option("--people", min=MIN_PEOPLE, help="residents")] = 10_000,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="days simulated")] = 30,
    seed: Annotated[int, typer.Option("--seed", min=0, help="same seed, same bytes")] = 0,
    start: Annotated[str, typer.Option("--start", help="first day, YYYY-MM-DD")] = "2025-03-01",
    block_people: Annotated[
        int, typer.Option("--block-people", min=1_000, help="people per block (memory)")
    ] = 100_000,
    extras: Annotated[
        bool, typer.Option("--extras", help="also write case_stages and dealings (dissuasion, leaks)")
    ] = False,
    leak_kind: Annotated[
        str, typer.Option("--leak-kind", help="plant a leak (Art 26): merchant, courier or platform")
    ] = "",
    leak_share: Annotated[
        float, typer.Option("--leak-share", min=0.0, max=1.0, help="share of targets the leak supplies")
    ] = 0.4,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="a behaviour setting, NAME=NUMBER (docs/sim.md), repeatable"),
    ] = None,
) -> None:
    """Generate a province: one Parquet file per table, plus manifest.json."""
    try:
        first = date.fromisoformat(start)
        cfg = SimConfig(
            **_settings(settings or []),
            people=people,
            days=days,
            seed=seed,
            start=first,
            block_people=block_people,
            extras=extras,
            leak_kind=leak_kind,
            leak_share=leak_share,
        )
    except ValueError as e:
        typer.echo(f"bad option: {e}", err=True)
        raise typer.Exit(code=2) from None
    t = time.perf_counter()
    try:
        from tqdm import tqdm

        from fanzha.sim.generate import generate as generate_province
        from fanzha.sim.generate import steps

        with tqdm(total=steps(cfg), unit="block", desc="生成 generating") as bar:
            rows = generate_province(cfg, out, progress=bar.update)
    except ValueError as e:  # a province the plan cannot staff: say so plainly
        typer.echo(f"cannot generate: {e}", err=True)
        raise typer.Exit(code=2) from None
    took = time.perf_counter() - t
    events = sum(
        rows.get(n, 0)
        for n in ("calls", "sms", "chats", "transactions", "atm_events", "web_visits", "app_installs")
    )
    typer.echo(
        f"{sum(rows.values()):,} rows in {len(rows)} tables ({events:,} events) in {took:.1f} s → {out}"
    )


@app.command()
def describe(
    directory: Annotated[Path, typer.Argument(help="a directory written by `generate`")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of text")] = False,
) -> None:
    """Counts, shares and fraud prevalence per table."""
    if not (directory / "manifest.json").exists():
        typer.echo(f"{directory} holds no generated province (manifest.json missing)", err=True)
        raise typer.Exit(code=2)
    from fanzha.sim.describe import describe as describe_dir

    report = describe_dir(directory)
    typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2) if as_json else report.text())


if __name__ == "__main__":
    app()
