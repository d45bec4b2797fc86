"""`fanzha detect`: list the engines, run one on a data directory, backtest it against the truth."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fanzha.core.errors import FanzhaError
from fanzha.detect.realtime.cli import serve as realtime_serve

if TYPE_CHECKING:  # the engines import Ibis: only the commands that run them pay for it
    from fanzha.detect.province import Backend

app = typer.Typer(help="检测引擎 / detection engines", no_args_is_help=True)

DataOption = Annotated[Path, typer.Option("--data", help="数据目录 data directory (fanzha sim generate)")]
BackendOption = Annotated[str, typer.Option("--backend", help="duckdb | pyspark")]


def _backend(value: str) -> Backend:
    """The backend named on the command line, or a clear error."""
    from fanzha.detect.province import BACKENDS

    for b in BACKENDS:
        if b == value:
            return b
    typer.echo(f"未知的计算后端 unknown backend: {value} (duckdb | pyspark)", err=True)
    raise typer.Exit(2)


def _progress(message: str) -> None:
    typer.echo(f"  … {message}", err=True)


@app.command("list")
def list_engines() -> None:
    """列出检测引擎 List the engines with their articles and inputs."""
    from fanzha.detect.registry import REGISTRY

    for name, e in REGISTRY.items():
        typer.echo(f"{name}\t第{e.articles}条\t{e.title_zh} / {e.title_en}\t{', '.join(e.inputs)}")


@app.command("run")
def run_engine(
    engine: str,
    data: DataOption,
    backend: BackendOption = "duckdb",
    out: Annotated[Path | None, typer.Option(help="告警输出 Parquet alerts file")] = None,
) -> None:
    """运行检测引擎 Run an engine and write its alerts."""
    from fanzha.detect.province import Province
    from fanzha.detect.registry import engine as find
    from fanzha.detect.runner import run, write_alerts

    try:
        e = find(engine)
        province = Province.open(data, _backend(backend))
    except (FanzhaError, FileNotFoundError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    started = time.perf_counter()
    alerts = run(e, province, _progress)
    path = write_alerts(alerts, out or data / "alerts" / f"{e.name}.parquet")
    levels = Counter(alerts["level"].to_pylist())
    typer.echo(
        f"{e.name}: {alerts.num_rows} 条告警 alerts "
        f"(高 {levels['high']} / 中 {levels['medium']} / 低 {levels['low']}) "
        f"in {time.perf_counter() - started:.1f} s → {path}"
    )


@app.command("backtest")
def backtest_engine(
    engine: str,
    data: DataOption,
    backend: BackendOption = "duckdb",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """回测 Backtest an engine against the data's ground truth."""
    from fanzha.detect.backtest import backtest
    from fanzha.detect.province import Province
    from fanzha.detect.registry import engine as find
    from fanzha.detect.runner import run

    try:
        e = find(engine)
        province = Province.open(data, _backend(backend))
    except (FanzhaError, FileNotFoundError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    result = backtest(e, province, run(e, province, _progress))
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    for label, s in (("全部 all levels", result.all_levels), ("仅高风险 high only", result.high_only)):
        far = "—" if s.false_alarm_rate is None else f"{s.false_alarm_rate:.4%}"
        typer.echo(
            f"{e.name} {label}: precision {s.precision:.3f} recall {s.recall:.3f} F1 {s.f1:.3f} "
            f"alerts {s.alerts} (truth {s.truth}, {s.alerts_per_day}/day) false-alarm rate {far}"
        )


@app.command("worker")
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="处理完队列即退出 exit when the queue is empty")
    ] = False,
    poll: Annotated[float, typer.Option(help="空闲时轮询间隔（秒） idle poll interval, seconds")] = 2.0,
    lease_minutes: Annotated[int, typer.Option("--lease-minutes", help="租约时长 lease length")] = 5,
) -> None:
    """执行排队的检测任务 Execute queued detection runs (several workers may run side by side)."""
    from datetime import timedelta

    from fanzha.bootstrap import build_platform
    from fanzha.core import logs
    from fanzha.core.settings import Settings
    from fanzha.detect.runs import DetectRunService, worker_name

    settings = Settings()
    logs.configure(settings)
    platform = build_platform(settings)
    service, me, lease = DetectRunService.of(platform), worker_name(), timedelta(minutes=lease_minutes)
    typer.echo(f"检测 worker {me} 启动 started", err=True)
    try:
        while True:
            run_id = service.work_once(me, lease)
            if run_id is not None:
                typer.echo(f"run {run_id}: {service.status_of(run_id)}")
            elif once:
                return
            else:
                time.sleep(poll)
    finally:
        platform.close()


# Art 18¶4: the transfer-time decision service (its own process; see docs/detect.md).
app.command("realtime")(realtime_serve)
