"""Creates an institution may retry: the first answer is stored and replayed for the same key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from fanzha.db.idempotency import request_hash
from fanzha.identity.domain import Principal
from fanzha.web.deps import platform_of


def idempotent(
    request: Request, principal: Principal, key: str | None, body: Any, run: Callable[[], tuple[int, Any]]
) -> JSONResponse:
    """Run `run` (returning status and JSON-ready body) once per organisation and Idempotency-Key."""
    store = platform_of(request).idempotency
    fingerprint = request_hash({"path": request.url.path, "body": body})
    if key and (replayed := store.replay(principal.org_id, key, fingerprint)):
        return JSONResponse(replayed[1], status_code=replayed[0], headers={"Idempotent-Replayed": "true"})
    status, result = run()
    if key:
        store.remember(principal.org_id, key, fingerprint, status, result)
    return JSONResponse(result, status_code=status)
