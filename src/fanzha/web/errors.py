"""Every error becomes `{code, message_zh, message_en, field}`, or a page for the console."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from fanzha.core.errors import FanzhaError, NotAuthenticated, ServiceUnavailable, ValidationFailed
from fanzha.core.invalid import invalid
from fanzha.web.access_log import mask_target
from fanzha.web.templating import render

log = logging.getLogger("fanzha.web")
PROBLEM_JSON = "application/problem+json"  # RFC 9457
RETRY_AFTER_SECONDS = 5  # how soon a caller may try again after the database failed to answer


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _respond(request: Request, error: FanzhaError, status: int) -> Response:
    if _wants_html(request):
        if isinstance(error, NotAuthenticated):
            return RedirectResponse("/login", status_code=303)
        return render(request, "error.html", status_code=status, error=error)
    response = JSONResponse(error.problem(status), status_code=status, media_type=PROBLEM_JSON)
    if status == 401:  # RFC 9110 §11.6.1: say how to authenticate
        response.headers["WWW-Authenticate"] = 'Bearer realm="fanzha"'
    return response


def error_response(request: Request, error: FanzhaError) -> Response:
    """The answer to `error`: its status, a page or JSON body, and Retry-After when it says when."""
    response = _respond(request, error, error.status)
    retry_after = getattr(error, "retry_after", None)  # a rate limit or an outage says when to come back
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _allowed(request: Request) -> list[str]:
    """The methods of every route whose pattern matches this address (create_app keeps the routes)."""
    path = request.scope["path"]
    routes = getattr(request.app.state, "routes", [])
    return sorted({m for r in routes if r.path_regex.match(path) for m in r.methods or ()})


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(FanzhaError)
    async def _fanzha(request: Request, error: FanzhaError) -> Response:
        return error_response(request, error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        details = error.errors() or [{"loc": (), "type": ""}]
        wrapped = invalid(details[0])
        wrapped.problems = [
            {"field": each.field, "message_zh": each.message_zh, "message_en": each.message_en}
            for each in map(invalid, details)
        ]
        return _respond(request, wrapped, wrapped.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        codes = {
            404: ("not_found", "页面或对象不存在", "Not found"),
            405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
            413: ("payload_too_large", "请求内容过大", "Request body too large"),
        }
        code, zh, en = codes.get(error.status_code, ("http_error", "请求无法处理", str(error.detail)))
        response = _respond(request, FanzhaError(zh, en, code=code), error.status_code)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        if error.status_code == 405:  # RFC 9110 §15.5.6: every method the address serves, whichever route
            response.headers["Allow"] = ", ".join(_allowed(request))
        return response

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(DisconnectionError)
    @app.exception_handler(PoolTimeout)
    async def _unavailable(request: Request, error: Exception) -> Response:
        # The database is down, unreachable or busy: the caller should come back, not report a fault.
        path = mask_target(request.url.path)
        log.warning("database unavailable (%s) on %s %s", type(error).__name__, request.method, path)
        return error_response(request, ServiceUnavailable(RETRY_AFTER_SECONDS))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, error: Exception) -> Response:
        # An id or number past what the database stores (SQLite: 64 bits) is bad input, not a fault;
        # the unit of work has rolled back, so nothing was written.
        wrapped = ValidationFailed("数值超出允许范围", "A number is out of range", field=None)
        return _respond(request, wrapped, wrapped.status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        # Log the type only: messages may carry personal data.
        path = mask_target(request.url.path)
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, path)
        return _respond(request, FanzhaError(), 500)
