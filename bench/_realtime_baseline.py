"""The real-time bench's baseline: what a user would write instead, a minimal Starlette app on uvicorn.

The same request and the same lookup over the same data, with nothing else: the bearer key compared with
the one issued, payer and payee normalised and keyed with HMAC-SM3 as the platform does, the payee's
token looked up in a Python set of the published sample cards (read once from the same database), and a
JSON answer. No rules, no account state, no journal: the floor a decision service costs over.

    uvicorn --factory bench._realtime_baseline:create   # env: FANZHA_DATABASE_URL, FANZHA_TOKEN_KEY_HEX,
                                                        #      BENCH_REALTIME_KEY
"""

from __future__ import annotations

import hmac
import os
import sqlite3

import orjson
from fanzha_client.tokens import KeyedSM3
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fanzha.core.errors import ValidationFailed
from fanzha.identifiers import normalise

PATH = "/api/v1/detect/realtime"
KINDS = ("bank_card", "payment_account")


def sample_tokens(database_url: str) -> set[str]:
    """The active bank-card and payment-account samples' tokens, read once with the standard library."""
    path = database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT token FROM samples WHERE status = 'active' AND kind IN (?, ?)", KINDS
        ).fetchall()
    return {token for (token,) in rows}


def create() -> Starlette:
    """The app, configured from the environment the bench gives the platform's service."""
    mac = KeyedSM3(bytes.fromhex(os.environ["FANZHA_TOKEN_KEY_HEX"]))
    expected = f"Bearer {os.environ['BENCH_REALTIME_KEY']}".encode()
    samples = sample_tokens(os.environ["FANZHA_DATABASE_URL"])

    def token(party: object, field: str) -> str:
        if not isinstance(party, dict) or party.get("kind") not in KINDS:
            raise ValidationFailed(f"字段「{field}」无效", f"'{field}' is invalid", field=field)
        kind, value = party["kind"], party.get("value")
        if not isinstance(value, str):
            raise ValidationFailed(f"字段「{field}.value」无效", f"'{field}.value' is invalid", field=field)
        return mac.digest(f"{kind}\x1f{normalise(kind, value, field=field).value}".encode()).hex()

    async def decide(request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return Response(b'{"code":"not_authenticated"}', 401, media_type="application/json")
        try:
            body = orjson.loads(await request.body())
            if not isinstance(body, dict):
                raise ValidationFailed("请求体应为 JSON 对象", "body must be a JSON object", field="body")
            token(body.get("payer"), "payer")
            payee = token(body.get("payee"), "payee")
        except (orjson.JSONDecodeError, ValidationFailed) as error:
            detail = error.to_dict() if isinstance(error, ValidationFailed) else {"code": "bad_json"}
            return Response(orjson.dumps(detail), 400, media_type="application/json")
        hit = payee in samples
        answer = {
            "txn_id": body.get("txn_id"),
            "outcome": "delay" if hit else "allow",
            "payee_sample": hit,
            "payee_token": payee,
        }
        return Response(orjson.dumps(answer), media_type="application/json")

    async def health(_request: Request) -> Response:
        return Response(orjson.dumps({"ok": True, "samples": len(samples)}), media_type="application/json")

    return Starlette(routes=[Route(PATH, decide, methods=["POST"]), Route("/healthz", health)])
