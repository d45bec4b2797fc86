"""The application factory: `create_app(settings)` wires everything; nothing connects on import."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

import fanzha
from fanzha.accountability import router as accountability_router
from fanzha.accountability import views as accountability_views
from fanzha.appeals import router as appeals_router
from fanzha.appeals import views as appeals_views
from fanzha.audit import router as audit_router
from fanzha.audit import views as audit_views
from fanzha.bootstrap import Platform, build_platform
from fanzha.core.settings import Settings
from fanzha.credit import router as credit_router
from fanzha.credit import views as credit_views
from fanzha.detect import bulk_views as detect_bulk_views
from fanzha.detect import content_router as detect_content
from fanzha.detect import payee_router as detect_payee
from fanzha.detect import router as detect_router
from fanzha.detect import upload_views as detect_upload_views
from fanzha.detect import views as detect_views
from fanzha.disposal import bulk_views as disposal_bulk_views
from fanzha.disposal import holdings_router
from fanzha.disposal import router as disposal_router
from fanzha.disposal import views as disposal_views
from fanzha.dissuasion import router as publicity_router
from fanzha.dissuasion import views as publicity_views
from fanzha.funds import router as funds_router
from fanzha.funds import views as funds_views
from fanzha.identity import router as identity_router
from fanzha.identity import views as identity_views
from fanzha.leaks import router as leaks_router
from fanzha.leaks import views as leaks_views
from fanzha.oversight import router as oversight_router
from fanzha.oversight import views as oversight_views
from fanzha.samples import feeds as samples_feeds
from fanzha.samples import router as samples_router
from fanzha.samples import taxii as samples_taxii
from fanzha.samples import views as samples_views
from fanzha.samples.schemas import LookupRequest
from fanzha.samples.taxii import TAXII_MEDIA_TYPE
from fanzha.smssink import router as smssink_router
from fanzha.tips import router as tips_router
from fanzha.tips import views as tips_views
from fanzha.warnings import router as warnings_router
from fanzha.warnings import views as warnings_views
from fanzha.web import access_log, api_docs, errors, limits, observe, pages, scrape
from fanzha.web.deps import SESSION_COOKIE
from fanzha.web.metrics import Metrics
from fanzha.web.ratelimit import Limits
from fanzha.web.tracing import tracing_of

# No inline script anywhere: the CSP forbids it, and HTMX is served from the package.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


# Every area's routers, in the order they are matched.
ROUTER_MODULES = (
    pages,
    scrape,
    api_docs,
    identity_router,
    identity_views,
    audit_router,
    audit_views,
    samples_router,
    samples_views,
    samples_taxii,
    samples_feeds,
    disposal_router,
    disposal_views,
    disposal_bulk_views,
    holdings_router,
    appeals_router,
    appeals_views,
    detect_router,
    detect_views,
    detect_bulk_views,
    detect_upload_views,
    detect_payee,
    detect_content,
    funds_router,
    funds_views,
    publicity_router,
    publicity_views,
    leaks_router,
    leaks_views,
    credit_router,
    credit_views,
    oversight_router,
    oversight_views,
    accountability_router,
    accountability_views,
    tips_router,
    tips_views,
    warnings_router,
    warnings_views,
)


def all_routes() -> list[APIRoute]:
    """Every HTTP route the app serves (for the access-matrix and fuzzing gates)."""
    return [r for module in ROUTER_MODULES for r in module.router.routes if isinstance(r, APIRoute)]


def _security_headers(
    settings: Settings,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if settings.cookie_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return middleware


class Problem(BaseModel):
    """One of several problems with an input: the field and the rule in both languages."""

    field: str | None
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    """Every error answer: RFC 9457 problem details with the bilingual fields (FanzhaError.problem)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    message_zh: str
    message_en: str
    field: str | None
    errors: list[Problem] | None = None


class TaxiiError(BaseModel):
    """A TAXII 2.1 error message (§3.6.1): how the TAXII routes answer every refusal."""

    title: str
    description: str
    error_code: str
    http_status: str
    details: dict[str, Any] | None = None


ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
TAXII_ERROR = {
    "description": "TAXII 错误 / TAXII error",
    "content": {TAXII_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/TaxiiError"}}},
}
# Every id, cursor and position is stored in an INTEGER column, 32 bits on PostgreSQL (64 on SQLite): what
# a request may send is bounded by that, so a schema-valid id is one both databases accept. Answers may
# carry 64-bit integers.
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def _bound(node: object, bounds: tuple[int, int], refs: set[str] | None = None) -> None:
    """Give every integer in `node` without bounds of its own `bounds`; collect the schemas it refers to."""
    if isinstance(node, dict):
        if refs is not None and isinstance(node.get("$ref"), str):
            refs.add(node["$ref"].removeprefix("#/components/schemas/"))
        if node.get("type") == "integer":
            if "minimum" not in node and "exclusiveMinimum" not in node:
                node["minimum"] = bounds[0]
            if "maximum" not in node and "exclusiveMaximum" not in node:
                node["maximum"] = bounds[1]
        for value in node.values():
            _bound(value, bounds, refs)
    elif isinstance(node, list):
        for value in node:
            _bound(value, bounds, refs)


def _bound_integers(document: dict[str, Any]) -> None:
    """Requests' integers get the stored range (INT32), the rest 64 bits: the document promises no more
    than the app accepts."""
    schemas = document.get("components", {}).get("schemas", {})
    pending: set[str] = set()
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                _bound(parameter.get("schema", {}), INT32, pending)
            _bound(operation.get("requestBody", {}), INT32, pending)
    done: set[str] = set()
    while pending - done:
        name = (pending - done).pop()
        done.add(name)
        _bound(schemas.get(name, {}), INT32, pending)
    _bound(document, INT64)


def _is_taxii(operation: dict[str, Any]) -> bool:
    return TAXII_MEDIA_TYPE in operation.get("responses", {}).get("200", {}).get("content", {})


def _declare_errors(document: dict[str, Any]) -> None:
    """Declare the error body the app really sends: FastAPI's default 422 schema (`detail`) is not it."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if _is_taxii(operation):
                # TAXII routes answer every refusal as a TAXII error, bad parameters with 400 (not 422).
                responses.pop("422", None)
                responses["default"] = TAXII_ERROR
                continue
            for status, response in list(responses.items()):
                if not status.startswith(("4", "5")):
                    continue
                declared = response.get("content", {}).get("application/json", {}).get("schema", {})
                if declared.get("$ref", "").endswith("/HTTPValidationError") or not declared:
                    response["content"] = {errors.PROBLEM_JSON: {"schema": ERROR_REF}}
                else:  # a route's own error report (a bulk import's bad rows), or a malformed request
                    response["content"] = {
                        "application/json": {"schema": declared},
                        errors.PROBLEM_JSON: {"schema": ERROR_REF},
                    }
            # Any status not listed (401, 403, 404, 409, 423, 429, ...) carries the same body.
            responses.setdefault(
                "default",
                {"description": "错误 / Error", "content": {errors.PROBLEM_JSON: {"schema": ERROR_REF}}},
            )
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


SECURITY_SCHEMES = {
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "机构系统的 API 密钥 / an institution system's API key (Authorization: Bearer fz_…)",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "控制台会话（写请求另需 X-CSRF-Token） / console session (writes need X-CSRF-Token)",
    },
}


def operation_id(route: APIRoute) -> str:
    """A stable operationId from where the function lives (`disposal_detail`, `disposal_holdings_search`)."""
    parts = route.endpoint.__module__.split(".")
    package, module = parts[1], parts[-1].removesuffix("_router")
    where = package if module in ("router", package) else f"{package}_{module}"
    return f"{where}_{route.name}"


def _declare_security(document: dict[str, Any], app: FastAPI) -> None:
    """Name how each operation authenticates: public ones need nothing, the rest a key or a session."""
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    guarded = {
        (route.path, method.lower())
        for route in app.state.routes
        for method in route.methods or ()
        if any(getattr(d.call, "permission", None) for d in route.dependant.dependencies)
    }
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            operation["security"] = [{"apiKey": []}, {"session": []}] if (path, method) in guarded else []


def _with_raw_body_models(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Add the schemas of bodies that routes parse themselves, so the OpenAPI document is whole."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for model in models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(name, definition)
            schemas.setdefault(model.__name__, schema)
        _declare_errors(document)
        _declare_security(document, app)
        _bound_integers(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None, platform: Platform | None = None, span_exporter: Any = None
) -> FastAPI:
    """Build the FastAPI app around a platform (built from settings when not given).

    `span_exporter` receives the request spans when tracing is on (tests); else they go to OTLP.
    """
    settings = settings or (platform.settings if platform else Settings())
    platform = platform or build_platform(settings)
    app = FastAPI(
        title="Fanzha 反诈",
        version=fanzha.__version__,
        description="湖南省反电信网络诈骗协同平台 API / Hunan anti-telecom-fraud platform API",
        docs_url=None,  # served by web.api_docs from the package, under the CSP
        redoc_url=None,
        openapi_url="/api/openapi.json",
        generate_unique_id_function=operation_id,
    )
    app.state.platform = platform
    app.state.settings = settings
    app.state.limits = Limits(settings, platform.public_limiter, platform.limiters)
    # Sizes and public rate limits, checked before any route reads its body (inside the headers below).
    app.state.routes = all_routes()
    app.add_middleware(limits.RequestLimits, routes=app.state.routes)
    app.middleware("http")(_security_headers(settings))
    # Outermost: every answer (a 413, a 429, a refusal) is counted and carries its request id.
    app.state.metrics = Metrics(platform)
    tracing = tracing_of(settings, span_exporter)
    app.add_middleware(observe.Observe, metrics=app.state.metrics, tracing=tracing)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for module in ROUTER_MODULES:
        app.include_router(module.router)
    if settings.demo_sms_sink:
        app.include_router(smssink_router.router)
    access_log.install()
    _with_raw_body_models(app, (LookupRequest, ErrorBody, TaxiiError))
    return app
