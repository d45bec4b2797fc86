"""`fanzha dissuasion`: backtest the warning policy on a simulated province."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="预警劝阻效果 / dissuasion effect (Art 28¶2)", no_args_is_help=True)


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.0f} 元"


@app.command()
def backtest(
    province: Annotated[
        Path | None, typer.Option("--province", help="a directory from `fanzha sim generate --extras`")
    ] = None,
    people: Annotated[int, typer.Option("--people", min=500, help="else generate this many people")] = 3_000,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="days to generate")] = 14,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 7,
    quiet_days: Annotated[float, typer.Option("--quiet-days", min=0, help="quiet period per person")] = 30.0,
    lag_s: Annotated[int, typer.Option("--detection-lag", min=0, help="event → alert, seconds")] = 600,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Loss prevented by the warning policy against no warnings, the delay sweep, spam per engine."""
    from fanzha.dissuasion.backtest import MissingStages, run
    from fanzha.dissuasion.policy import WarningPolicy

    policy = WarningPolicy(quiet_period_h=quiet_days * 24, detection_lag_s=lag_s)
    try:
        if province is None:
            from fanzha.sim.config import SimConfig
            from fanzha.sim.generate import generate

            with tempfile.TemporaryDirectory(prefix="fanzha-dissuasion-") as tmp:
                generate(SimConfig(people=people, days=days, seed=seed, extras=True), Path(tmp))
                report = run(Path(tmp), policy)
        else:
            report = run(province, policy)
    except (MissingStages, ValueError) as e:
        typer.echo(f"cannot backtest: {e}", err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    o, n = report.with_policy, report.without_low_sms
    low = report.false_alarms[report.engine]["low_and_above"]
    lines = [
        f"{report.engine}: {report.people:,} 人 / people, {report.days} 天 / days, "
        f"{report.victims} 受害人 / victims, 损失 / loss {_yuan(report.loss_fen)}",
        f"预警挽损 / prevented: {_yuan(o.prevented_fen)} ({o.prevented_share:.1%}); 无预警 / no warnings: "
        f"{_yuan(report.no_warnings.prevented_fen)}",
        f"不发低风险短信 / without low-level SMS: {_yuan(n.prevented_fen)} ({n.prevented_share:.1%})",
        f"付款前触达 / victims reached before paying: {o.victims_reached_before_paying}/{report.victims}",
        f"预警 / warnings: {o.warnings}; 每名受害人 / per victim {o.warnings_per_victim}",
        f"普通人 / ordinary people: {o.warnings_to_ordinary}; 每名被标记普通人短信 / SMS per flagged "
        f"ordinary person {o.sms_per_flagged_ordinary}; 单人最多短信 / max SMS per person "
        f"{o.max_sms_per_person}",
        f"误报率 / false-alarm rate (low+): {low['false_alarm_rate']}; 每名目标对应普通人 / ordinary per "
        f"target {low['ordinary_per_target']}",
        f"劝阻成功（预期人数）/ expected scams stopped, by channel: {o.stopped_by_channel}; by level: "
        f"{o.stopped_by_level}",
        "联系时延 / contact delay → 挽损 / prevented:",
        *(f"  {s['contact_delay_s'] // 60:>5} min → {_yuan(s['prevented_fen'])}" for s in report.delay_sweep),
    ]
    typer.echo("\n".join(lines))


@app.command()
def profile(
    province: Annotated[Path, typer.Argument(help="a directory from `fanzha sim generate`")],
    month: Annotated[str, typer.Option("--month", help="YYYY-MM; all days when omitted")] = "",
    top: Annotated[int, typer.Option("--top", min=1, help="groups suggested")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The month's victim profile (Art 7-8) and the groups most at risk for publicity."""
    from dataclasses import asdict
    from datetime import date

    from fanzha.dissuasion.publicity import most_at_risk, simulated_profile

    try:
        first = date.fromisoformat(month + "-01") if month else None
    except ValueError:
        typer.echo("bad --month: use YYYY-MM", err=True)
        raise typer.Exit(code=2) from None
    groups = simulated_profile(province, first)
    risk = most_at_risk(groups, top)
    if as_json:
        body = {"groups": [asdict(g) for g in groups], "most_at_risk": [asdict(g) for g in risk]}
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    typer.echo("重点宣传对象 / groups most at risk (victims' share ÷ population share):")
    for g in risk:
        shares = f"{g.victim_share:.0%} vs {g.population_share:.0%}"
        typer.echo(f"  {g.dimension} {g.label}: {g.victims} 人, {shares} → {g.risk_ratio}×")
