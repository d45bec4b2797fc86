"""The `fanzha` command line."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from fanzha.core import malloc
from fanzha.core.errors import FanzhaError
from fanzha.detect import cli as detect_cli
from fanzha.dissuasion import cli as dissuasion_cli
from fanzha.leaks import cli as leaks_cli
from fanzha.samples import cli as samples_cli
from fanzha.sim import cli as sim_cli
from fanzha.warnings import cli as warnings_cli

# Settings and the audit chain load pydantic and the client: only the commands that run them import them.
if TYPE_CHECKING:
    from fanzha.audit.domain import ChainBreak
    from fanzha.core.settings import Settings

app = typer.Typer(help="反诈协同平台命令行 / Fanzha platform command line", no_args_is_help=True)
db_app = typer.Typer(help="数据库迁移 / database migrations", no_args_is_help=True)
users_app = typer.Typer(help="用户管理 / user administration", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 / demo data", no_args_is_help=True)
events_app = typer.Typer(help="事件投递 / event delivery", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(demo_app, name="demo")
app.add_typer(events_app, name="events")
app.add_typer(samples_cli.app, name="samples")
app.add_typer(detect_cli.app, name="detect")
app.add_typer(dissuasion_cli.app, name="dissuasion")
app.add_typer(warnings_cli.app, name="warnings")
app.add_typer(leaks_cli.app, name="leaks")


def _settings() -> Settings:
    """The settings from the environment, loaded on first use."""
    from fanzha.core.settings import Settings

    return Settings()


def _fail(error: FanzhaError) -> NoReturn:
    typer.secho(
        f"错误 {error.code}: {error.message_zh} / {error.message_en}"
        + (f" [{error.field}]" if error.field else ""),
        fg="red",
        err=True,
    )
    raise typer.Exit(2)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="FANZHA_HOST", help="监听地址 / address to listen on"),
    port: int = typer.Option(8000, envvar="FANZHA_PORT", help="端口 / port"),
    workers: int = typer.Option(1, envvar="FANZHA_WORKERS", help="工作进程数 / worker processes"),
    shutdown_timeout: int = typer.Option(
        30, min=1, help="停止时等待进行中请求的秒数 / seconds in-flight requests get on SIGTERM"
    ),
) -> None:
    """启动平台（API 与控制台）/ Serve the platform: API and console."""
    import uvicorn

    from fanzha.core import logs
    from fanzha.web import exposure

    try:
        settings = _settings()
        refused = exposure.refusal(settings, host)  # insecure settings refused before binding a port
    except FanzhaError as error:
        _fail(error)
    if refused is not None:
        _fail(refused)
    malloc.tune()  # before uvicorn starts its thread pool, so no thread gets an arena of its own
    # Forwarded addresses are read by web.deps.client_ip, from FANZHA_TRUSTED_PROXIES only.
    uvicorn.run(
        "fanzha.web.main:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        # Without a limit, SIGTERM waits for every request to end: one that never does kept it alive.
        timeout_graceful_shutdown=shutdown_timeout,
        # FANZHA_LOG_LEVEL and FANZHA_LOG_FORMAT for uvicorn's own loggers and the app's alike.
        log_config=logs.dict_config(settings),
        log_level=settings.log_level.lower(),
    )


@app.command()
def run(
    host: str = typer.Option("127.0.0.1", envvar="FANZHA_HOST", help="监听地址 / address to listen on"),
    port: int = typer.Option(8000, envvar="FANZHA_PORT", help="端口 / port"),
) -> None:
    """启动全部进程：控制台、事件投递与联动处置、检测 worker（演示时另有短信收件箱）/ Run every process."""
    from fanzha.supervisor import Supervisor, programs, sink_environment

    settings = _settings()  # refuse insecure settings before starting anything
    environment = sink_environment(settings, host, port)
    if environment:
        typer.echo(f"演示短信收件箱 / demo SMS inbox: http://{host}:{port}/demo/sms")
    raise typer.Exit(Supervisor(programs(host, port), environment).run())


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="目标版本 / target revision")) -> None:
    """把数据库迁移到最新结构 / Migrate the database to the latest schema."""
    from fanzha.db.engine import engine_of
    from fanzha.db.migrate import upgrade

    engine = engine_of(_settings())
    upgrade(engine, revision)
    typer.echo(f"数据库已迁移到 {revision} / database at {revision}: {engine.url.render_as_string()}")


@db_app.command("current")
def db_current() -> None:
    """数据库当前所在的迁移版本 / The revision the database is at."""
    from fanzha.db.engine import engine_of
    from fanzha.db.migrate import current

    at = current(engine_of(_settings()))
    typer.echo(f"当前版本 / current revision: {at or '无（未迁移） / none (not migrated)'}")


@db_app.command("history")
def db_history() -> None:
    """全部迁移版本及是否已应用 / Every revision and whether it is applied here."""
    from fanzha.db.engine import engine_of
    from fanzha.db.migrate import history

    for revision, summary, applied in history(engine_of(_settings())):
        typer.echo(f"{'✓' if applied else ' '} {revision}  {summary}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = typer.Argument(..., help="回退到的版本，如 0014 / target revision, e.g. 0014"),
    yes: bool = typer.Option(False, "--yes", help="确认回退（会删除较新版本的表和数据） / confirm"),
) -> None:
    """把数据库回退到较早版本 / Step the database back to an earlier revision."""
    from fanzha.db.engine import engine_of
    from fanzha.db.migrate import current, downgrade

    if not yes:  # a downgrade drops the newer revisions' tables and their data
        typer.secho("回退会删除较新版本的表和数据；确认请加 --yes / this drops data; add --yes", err=True)
        raise typer.Exit(2)
    engine = engine_of(_settings())
    downgrade(engine, revision)
    typer.echo(f"数据库已回退到 {current(engine) or 'base'} / database now at {current(engine) or 'base'}")


@users_app.command("create")
def users_create(
    username: str = typer.Argument(..., help="登录名 / log-in name"),
    org: str = typer.Option(..., help="单位编码 / organisation code"),
    role: str = typer.Option(
        ...,
        help="角色 / role: platform_admin, security_admin, audit_admin, "
        "analyst, commander, institution_operator, institution_admin",
    ),
    name: str = typer.Option("", help="姓名 / display name"),
    password: str = typer.Option("", help="密码；留空则交互输入 / password; prompted when empty"),
) -> None:
    """创建用户（例如第一位管理员）/ Create a user, e.g. the first administrator."""
    from fanzha.bootstrap import build_platform
    from fanzha.identity.domain import Role
    from fanzha.identity.service import bootstrap_user

    if role not in {r.value for r in Role}:
        _fail(FanzhaError("未知角色", "Unknown role", field="role", code="validation_failed"))
    secret = password or (
        getpass.getpass("密码 / password: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
    )
    platform = build_platform(_settings())
    try:
        user = bootstrap_user(
            platform.sessions,
            platform.clock,
            platform.auditor,
            username=username,
            display_name=name or username,
            org_code=org,
            role=Role(role),
            password=secret,
        )
    except FanzhaError as error:
        _fail(error)
    typer.echo(f"已创建用户 {user.username}（{role}）/ created user {user.username} ({role})")


def _chain_broken(broken: ChainBreak) -> None:
    where_zh = f"第 {broken.seq} 条，" if broken.seq else ""
    where_en = f" at entry {broken.seq}" if broken.seq else ""
    typer.secho(
        f"审计链被破坏：{where_zh}{broken.reason_zh} / chain broken{where_en}: {broken.reason_en}",
        fg="red",
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify() -> None:
    """校验审计日志（MAC、链、链头、签名检查点）并报告首条被改或删的记录 / Verify the audit hash chain."""
    from fanzha.bootstrap import build_platform

    auditor = build_platform(_settings()).auditor
    entries, broken = auditor.verify()
    if broken is not None:
        _chain_broken(broken)
    checkpoint, broken = auditor.checkpoint()  # a verified log is pinned at once
    if broken is not None:  # appended to between the two reads, and that append does not hold
        _chain_broken(broken)
    assert checkpoint is not None
    typer.secho(
        f"审计链完整：{entries} 条，检查点 {checkpoint.seq} 条 / audit chain intact: {entries} entries, "
        f"checkpoint at {checkpoint.seq}",
        fg="green",
    )


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """校验上次检查点以来的记录并写入签名检查点（可定时运行）/ Write a signed audit checkpoint."""
    from fanzha.bootstrap import build_platform

    settings = _settings()
    checkpoint, broken = build_platform(settings).auditor.checkpoint()
    if broken is not None:
        _chain_broken(broken)
    assert checkpoint is not None
    typer.echo(
        f"检查点：{checkpoint.seq} 条，{checkpoint.stamp()}，已写入 {settings.checkpoint_file} / "
        f"checkpoint: {checkpoint.seq} entries at {checkpoint.stamp()}, in {settings.checkpoint_file}"
    )


@demo_app.command("seed")
def demo_seed() -> None:
    """写入演示省份的单位与每个角色一个用户，并一次性打印密码 / Seed the demo province."""
    from fanzha.bootstrap import build_platform
    from fanzha.demo import seed_grids, seed_organisations, seed_users

    platform = build_platform(_settings())
    added = seed_organisations(platform)
    created = seed_users(platform)
    seed_grids(platform)
    typer.echo(f"单位 +{added} / organisations +{added}")
    if not created:
        typer.echo("演示用户已存在（密码只在首次显示）/ demo users exist (passwords were shown once)")
        return
    lines = [f"  {username:<12} {role:<22} {password}" for username, role, password in created]
    kept = _keep_for_owner(platform.settings.data_dir / DEMO_PASSWORDS_FILE, lines)
    typer.echo(
        f"演示用户（密码仅显示这一次，另存于 {kept}，仅本人可读）"
        f"/ demo users (shown this once, also in {kept}, readable by you only):"
    )
    for line in lines:
        typer.echo(line)


DEMO_PASSWORDS_FILE = "demo-passwords.txt"


def _keep_for_owner(path: Path, lines: list[str]) -> Path:
    """Append `lines` to a file only its owner may read (the demo's first passwords)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


@events_app.command("dispatch")
def events_dispatch(
    once: bool = typer.Option(False, help="只投递一批后退出 / deliver one batch and exit"),
) -> None:
    """投递事件、联动处置与超期督办 / Deliver events to webhooks and NATS, run linked disposal."""
    import asyncio

    from fanzha.audit.service import keep_checkpoints
    from fanzha.bootstrap import build_platform
    from fanzha.disposal.worker import DisposalWorker
    from fanzha.events.egress import guarded_client
    from fanzha.events.nats_sink import JetStreamPublisher
    from fanzha.samples.delivery import Delivery

    settings = _settings()
    from fanzha.core import logs

    logs.configure(settings)
    platform = build_platform(settings)
    nats = JetStreamPublisher(settings.nats_url) if settings.nats_url else None

    async def main() -> int:
        if nats is not None:
            await nats.connect()
        try:
            http = guarded_client(settings.webhook_allow_private, 5)  # order webhooks: public targets only
            async with http, Delivery(platform, nats) as delivery:
                # Linked disposal (Art 28¶1), order webhooks and escalation run beside the sample sinks.
                disposal = DisposalWorker(platform, http)
                if once:
                    return await delivery.run_once() + await disposal.run_once()
                stop = asyncio.Event()
                # Signed audit checkpoints outside the database, every few minutes (Art 26).
                every = settings.audit_checkpoint_minutes * 60
                await asyncio.gather(
                    delivery.run(stop), disposal.run(stop), keep_checkpoints(platform.auditor, every, stop)
                )
                return 0
        finally:
            if nats is not None:
                await nats.close()

    sent = asyncio.run(main())
    typer.echo(f"已投递 {sent} 条事件 / delivered {sent} events")


@demo_app.command("load")
def demo_load(
    directory: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="fanzha sim generate 的输出目录"
    ),
) -> None:
    """把合成省份的单位与首批样本载入平台 / Load a synthetic province's organisations and samples."""
    from fanzha.bootstrap import build_platform
    from fanzha.demo_province import load_province

    loaded = load_province(build_platform(_settings()), directory)
    typer.echo(
        f"单位 +{loaded.organisations}，路由 +{loaded.routes}，样本 +{loaded.samples}，"
        f"待确认报送 +{loaded.reports}，持有关系 {loaded.holdings}，处置指令 {loaded.orders}，"
        f"申诉 {loaded.appeals} / organisations +{loaded.organisations}, routes +{loaded.routes}, "
        f"samples +{loaded.samples}, pending reports +{loaded.reports}, holdings {loaded.holdings}, "
        f"orders {loaded.orders}, appeals {loaded.appeals}"
    )


@demo_app.command("refresh")
def demo_refresh() -> None:
    """演示数据的期限改为相对当前时间 / Set the demo's open deadlines relative to now (not in production)."""
    from fanzha.bootstrap import build_platform
    from fanzha.demo_province import refresh_deadlines

    orders, appeals = refresh_deadlines(build_platform(_settings()))
    typer.echo(
        f"处置指令 {orders}、申诉 {appeals} 的期限已更新 / "
        f"deadlines moved: {orders} orders, {appeals} appeals"
    )


app.add_typer(sim_cli.app, name="sim", help="合成省份 / synthetic province")

if __name__ == "__main__":
    app()
