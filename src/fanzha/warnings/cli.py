"""`fanzha warnings`: the escalation sweep and the operator's 12381 contact list."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="预警劝阻 / warnings and dissuasion (Art 28¶2)", no_args_is_help=True)


@app.command()
def contacts(
    province: Annotated[
        Path, typer.Argument(help="the operator's call records (calls, sms, phone_cards parquet)")
    ],
    number: Annotated[str, typer.Argument(help="the new sample number")],
    days: Annotated[int, typer.Option("--days", min=1, max=90)] = 7,
    scam_type: Annotated[str, typer.Option("--scam-type")] = "other",
) -> None:
    """Print the body of POST /api/v1/warnings/contacts: who was in contact with `number` (12381)."""
    from fanzha.warnings.operator import contact_list

    typer.echo(json.dumps(contact_list(province, number, days, scam_type), ensure_ascii=False))


@app.command()
def sweep(
    every: Annotated[float, typer.Option("--every", help="seconds between passes; 0 for one pass")] = 0.0,
) -> None:
    """Escalate tasks not taken by their deadline and hand queued texts to the SMS gateway."""
    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings

    platform = build_platform(Settings())
    assert platform.warnings is not None
    try:
        while True:
            typer.echo(json.dumps(platform.warnings.sweep()))
            if every <= 0:
                break
            time.sleep(every)
    finally:
        platform.close()
