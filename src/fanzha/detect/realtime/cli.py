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
    role: str = "all",
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

    def resolve(secret: str) -> object:
        """The platform's own key check and permission check, both audited (Art 26)."""
        principal = platform.auth.resolve_api_key(secret, "")
        platform.identity.authorise(principal, Permission.SAMPLE_LOOKUP, "POST /api/v1/detect/realtime")
        return principal

    samples: SampleCheck
    if platform_url:
        from fanzha_client import SampleFilter

        key = os.environ.get("FANZHA_REALTIME_API_KEY", "")
        http = httpx.Client(base_url=platform_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        samples = FilterSamples(SampleFilter(http, settings.token_key, KINDS))
    else:
        samples = PrefixSamples(lambda: {kind: platform.filters.snapshot(kind).prefixes for kind in KINDS})
    samples.refresh()
    from fanzha.detect.realtime.state import Accounts

    # The checks process decides no transfer: it keeps no transfer journal (the transfers process does).
    state = Accounts() if role == "checks" else DurableState(state_dir, fsync_every_s=fsync_every_s)
    prevention, call_samples = _prevention(platform, settings, state_dir, platform_url)
    return RealtimeApp(
        state,
        samples,
        KeyCache(resolve),
        Tokeniser(settings.token_key),
        refresh_every_s=refresh_every_s,
        snapshot_every_s=snapshot_every_s,
        prevention=prevention,
        call_samples=call_samples,
        call_refresh_s=settings.prevention_sample_refresh_s,
        role=role,
    )


CALL_KINDS = ("phone", "resident_id")  # Art 12¶2 sample numbers; Art 17(四) sample ID numbers


def _prevention(platform: Any, settings: Any, state_dir: Path, platform_url: str | None) -> tuple[Any, Any]:
    """The prevention checks (fanzha.prevention) over the platform's records, and their sample set."""
    import httpx

    from fanzha.detect.realtime.prevention import Prevention, PreventionConfig
    from fanzha.detect.realtime.server import FilterSamples, PrefixSamples, SampleCheck
    from fanzha.prevention.sources import Alerts, FraudCards, TableLists
    from fanzha.prevention.store import PreventionStore

    call_samples: SampleCheck
    if platform_url:
        from fanzha_client import SampleFilter

        key = os.environ.get("FANZHA_REALTIME_API_KEY", "")
        http = httpx.Client(base_url=platform_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        call_samples = FilterSamples(SampleFilter(http, settings.token_key, CALL_KINDS))
    else:
        call_samples = PrefixSamples(lambda: {k: platform.filters.snapshot(k).prefixes for k in CALL_KINDS})
    call_samples.refresh()
    prevention = Prevention(
        PreventionStore(state_dir / "prevention"),
        PreventionConfig.from_settings(settings),
        settings.token_key,
        TableLists(platform.sessions, platform.clock.now),
        FraudCards(platform.sessions),
        Alerts(platform.sessions),
        call_samples.is_sample,
    )
    prevention.refresh()
    return prevention, call_samples


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
    role: Annotated[
        str,
        typer.Option(
            help="本进程服务的内容 what this process serves: "
            "all | transfers（转账决策及分级表）| checks（柜面核查）"
        ),
    ] = "all",
) -> None:
    """实时转账决策服务 Serve transfer-time decisions (Art 18¶4): sample payees, velocity, pass-through."""
    import uvicorn

    from fanzha.core import logs
    from fanzha.core.settings import Settings

    settings = Settings()
    from fanzha.detect.realtime.server import ROLES

    if role not in ROLES:
        raise typer.BadParameter(f"--role 应为 {' | '.join(ROLES)} / must be one of {ROLES}")
    app = build_app(state_dir, platform_url, refresh, snapshot, role=role)
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
        # FANZHA_LOG_LEVEL and FANZHA_LOG_FORMAT, as for the web server (no access log: it is the hot path).
        log_config=logs.dict_config(settings),
        log_level=settings.log_level.lower(),
        backlog=4096,
    )


def main() -> None:
    """`python -m fanzha.detect.realtime`: the same command without the rest of the CLI."""
    typer.run(serve)
