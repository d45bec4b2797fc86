"""Development keys are public: a server holding one answers on a loopback address only."""

from __future__ import annotations

import ipaddress
import logging

from starlette.types import ASGIApp, Receive, Scope, Send

from fanzha.core.errors import InsecureSettings
from fanzha.core.settings import Settings

log = logging.getLogger("fanzha.web")


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name or a wildcard (0.0.0.0, ::) may be reached from elsewhere


def refusal(settings: Settings, host: str) -> InsecureSettings | None:
    """The error refusing to serve on `host` while a development key is in use, or None."""
    keys = settings.development_keys()
    if not keys or is_loopback(host):
        return None
    names = ", ".join(keys)
    return InsecureSettings(
        f"使用公开的开发密钥时只能在本机回环地址上提供服务（当前 {host}）：请设置 {names}，"
        "或改用 --host 127.0.0.1",
        f"Development keys are public, so the platform serves on a loopback address only (not {host}): "
        f"set {names}, or serve on 127.0.0.1",
        field=keys[0],
    )


class LoopbackOnly:
    """Pure ASGI guard for the server entry point: refuses (503) a request that came in on a non-loopback
    address while a development key is in use, whatever server was started on the app."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") if scope["type"] in ("http", "websocket") else None
        error = refusal(self.settings, str(server[0])) if server else None
        if error is None:
            await self.app(scope, receive, send)
            return
        log.error("refused a request on %s: development keys in use", server[0] if server else "")
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        from fastapi.responses import JSONResponse

        from fanzha.web.errors import PROBLEM_JSON

        await JSONResponse(error.problem(503), status_code=503, media_type=PROBLEM_JSON)(scope, receive, send)


def guard(app: ASGIApp, settings: Settings) -> ASGIApp:
    """`app` itself when its keys are set, else wrapped so it answers on loopback addresses only."""
    if not settings.development_keys():
        return app
    log.warning(
        "development keys in use (%s): serving on loopback addresses only",
        ", ".join(settings.development_keys()),
    )
    return LoopbackOnly(app, settings)
