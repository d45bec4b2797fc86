"""`fanzha detect realtime`: serve transfer-time decisions (Art 18¶4) on uvicorn with uvloop and httptools."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Annotated, Any

import typer


def build_app(
    state_dir: Path,
    platform_url: str | None = None,
    refresh_every_s: float = 30.0,
    snapshot_every_s: float = 300.0,
    fsync_every_s: float = 0.02,
) -> Any:
    """The decision app over the platform in FANZHA_* settings, its samples loaded and state replayed."""
    import httpx

    from fanzha.bootstrap import build_platform
    from fanzha.core.settings import Settings
    from fanzha.detect.realtime.server import (
        KINDS,
        FilterSamples,
        KeyCache,
        PrefixSamples,
        RealtimeApp,
        SampleCheck,
        Tokeniser,
    )
    from fanzha.detect.realtime.state import DurableState
    from fanzha.identity.domain import Permission

    settings = Settings()
    platform = build_platform(settings)

    def resolve(secret: str) -> None:
        """The platform's own key check and permission check, both audited (Art 26)."""
        principal = platform.auth.resolve_api_key(secret, "")
        platform.identity.authorise(principal, Permission.SAMPLE_LOOKUP, "POST /api/v1/detect/realtime")

    samples: SampleCheck
    if platform_url:
        from fanzha.client import SampleFilter

        key = os.environ.get("FANZHA_REALTIME_API_KEY", "")
        http = httpx.Client(base_url=platform_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        samples = FilterSamples(SampleFilter(http, settings.token_key, KINDS))
    else:
        samples = PrefixSamples(lambda: {kind: platform.filters.snapshot(kind).prefixes for kind in KINDS})
    samples.refresh()
    state = DurableState(state_dir, fsync_every_s=fsync_every_s)
    return RealtimeApp(
        state,
        samples,
        KeyCache(resolve),
        Tokeniser(settings.token_key),
        refresh_every_s=refresh_every_s,
        snapshot_every_s=snapshot_every_s,
    )


def serve(
    port: Annotated[int, typer.Option(help="端口 port")] = 8700,
    host: Annotated[str, typer.Option(help="监听地址 address")] = "127.0.0.1",
    state_dir: Annotated[
        Path, typer.Option("--state-dir", help="状态日志与快照目录 journal and snapshot directory")
    ] = Path("var/realtime"),
    platform_url: Annotated[
        str | None,
        typer.Option(
            "--platform-url",
            help="从平台同步本地过滤器（密钥取自 FANZHA_REALTIME_API_KEY） sync the filter over HTTP",
        ),
    ] = None,
    refresh: Annotated[float, typer.Option(help="样本刷新间隔（秒） sample refresh, seconds")] = 30.0,
    snapshot: Annotated[float, typer.Option(help="快照间隔（秒） snapshot interval, seconds")] = 300.0,
) -> None:
    """实时转账决策服务 Serve transfer-time decisions (Art 18¶4): sample payees, velocity, pass-through."""
    import uvicorn

    app = build_app(state_dir, platform_url, refresh, snapshot)
    fast = (
        importlib.util.find_spec("uvloop") is not None and importlib.util.find_spec("httptools") is not None
    )
    typer.echo(f"实时决策服务 real-time decisions on http://{host}:{port} (state in {state_dir})", err=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop" if fast else "auto",
        http="httptools" if fast else "auto",
        lifespan="on",
        access_log=False,
        proxy_headers=False,
        timeout_keep_alive=75,  # banks' systems hold pooled connections open
        log_level="warning",
        backlog=4096,
    )


def main() -> None:
    """`python -m fanzha.detect.realtime`: the same command without the rest of the CLI."""
    typer.run(serve)
