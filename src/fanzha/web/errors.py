"""Every error becomes `{code, message_zh, message_en, field}`, or a page for the console."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from fanzha.core.errors import FanzhaError, NotAuthenticated, ValidationFailed
from fanzha.web.templating import render

log = logging.getLogger("fanzha.web")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _respond(request: Request, error: FanzhaError, status: int) -> Response:
    if _wants_html(request):
        if isinstance(error, NotAuthenticated):
            return RedirectResponse("/login", status_code=303)
        return render(request, "error.html", status_code=status, error=error)
    return JSONResponse(error.to_dict(), status_code=status)


def _field_of(location: tuple[object, ...]) -> str:
    # Drop "body"/"query" and keep the path to the field: ("body", "org", 0) → "org.0"
    parts = [str(p) for p in location[1:]] or [str(p) for p in location]
    return ".".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(FanzhaError)
    async def _fanzha(request: Request, error: FanzhaError) -> Response:
        response = _respond(request, error, error.status)
        retry_after = getattr(error, "retry_after", None)  # a rate limit says when to come back
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": ""}
        field = _field_of(tuple(first.get("loc", ())))
        wrapped = ValidationFailed(
            f"字段「{field}」不符合要求：{first.get('msg', '')}",
            f"Field '{field}' is invalid: {first.get('msg', '')}",
            field=field,
        )
        return _respond(request, wrapped, wrapped.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        codes = {
            404: ("not_found", "页面或对象不存在", "Not found"),
            405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
        }
        code, zh, en = codes.get(error.status_code, ("http_error", "请求无法处理", str(error.detail)))
        return _respond(request, FanzhaError(zh, en, code=code), error.status_code)

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
        log.error("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
        return _respond(request, FanzhaError(), 500)
