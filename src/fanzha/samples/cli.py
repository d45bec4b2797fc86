"""`fanzha samples …`: bulk import from a file, and the expiry job."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # the platform is imported by the commands, so `fanzha --help` starts fast
    from sqlalchemy.orm import Session, sessionmaker
    from tqdm import tqdm

    from fanzha.identity.domain import Principal

app = typer.Typer(help="涉诈样本库 / fraud sample library", no_args_is_help=True)


def _principal(sessions: sessionmaker[Session], username: str) -> Principal:
    from sqlalchemy import select

    from fanzha.identity.domain import OrgKind, Principal, Role
    from fanzha.identity.tables import Organisation, User

    with sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            typer.secho(f"用户不存在或已停用 / no active user {username}", fg="red", err=True)
            raise typer.Exit(2)
        org = session.get_one(Organisation, user.org_id)
        return Principal(user.id, user.username, org.id, OrgKind(org.kind), Role(user.role), source_ip="cli")


@app.command("import")
def import_file(
    path: Path = typer.Argument(
        ..., exists=True, readable=True, help="CSV 或 JSON lines 文件 / CSV or JSON lines"
    ),
    user: str = typer.Option(..., "--user", help="以该用户名义发布 / publish as this user"),
) -> None:
    """批量导入样本：逐行校验，有错则全部不导入并列出行号 / Import samples, all or nothing."""
    from tqdm import tqdm

    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings

    platform = build_platform(Settings())
    principal = _principal(platform.sessions, user)
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int) -> None:
        bar = bars.setdefault(
            stage, tqdm(desc={"checked": "校验 check", "written": "写入 write"}[stage], unit="行")
        )
        bar.update(done - bar.n)

    report = platform.bulk.run(principal, path.read_bytes(), path.name, progress)
    for bar in bars.values():
        bar.close()
    if not report.ok:
        typer.secho(
            f"{report.error_count} 行有误，未导入任何数据 / {report.error_count} bad rows, nothing imported",
            fg="red",
            err=True,
        )
        for error in report.errors[:50]:
            typer.echo(
                f"  第 {error['line']} 行 line {error['line']} [{error['field']}]: "
                f"{error['message_zh']} / {error['message_en']}",
                err=True,
            )
        raise typer.Exit(1)
    typer.echo(
        f"导入 {report.rows} 行：新增 {report.created}，合并 {report.merged} / "
        f"imported {report.rows} rows: {report.created} new, {report.merged} merged"
    )


@app.command("expire")
def expire() -> None:
    """让到期样本失效并通知订阅方（定时任务）/ Expire due samples and notify subscribers."""
    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings

    platform = build_platform(Settings())
    total = 0
    while count := platform.samples.expire_due():
        total += count
    typer.echo(f"已过期 {total} 个样本 / expired {total} samples")
