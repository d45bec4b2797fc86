"""The transfer-time decision service (Art 18¶4): a bare ASGI app, no framework, JSON in and out.

    POST /api/v1/detect/realtime   Authorization: Bearer fz_…  (or X-API-Key)
        {"payer": {"kind": "bank_card", "value": "6222…"},
         "payee": {"kind": "payment_account", "value": "alipay:2088…"},
         "amount": 4999.00, "at": "2026-11-29T02:10:00+08:00", "txn_id": "T123"}
    200 {"txn_id": "T123", "outcome": "allow|review|delay", "score": 0-100, "rules": [...],
         "reasons_zh": [...], "reasons_en": [...], "legal_basis": [...], "payee_sample": false,
         "payee_token": "<64 hex>"}
    400 {"code", "message_zh", "message_en", "field"}: the state is unchanged
    401 / 403 no valid key, or a role without the sample look-up permission
    GET /healthz   {"ok": true, "accounts": …, "recorded": …, "samples": …}

`amount` is in yuan (0 < amount ≤ 10^10); `at` is optional (ISO-8601 with a zone, or Unix seconds;
default now). Payer and payee are normalised as the platform does and kept only as keyed tokens.
API keys are verified against the platform once and then cached by their SHA-256 for `key_ttl_s`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import orjson
from fanzha_client.tokens import KeyedSM3

from fanzha.core.errors import FanzhaError, NotAuthenticated, ValidationFailed
from fanzha.detect.realtime.prevention import BATCH_BODY, Prevention
from fanzha.detect.realtime.prevention import PREFIX as PREVENTION
from fanzha.detect.realtime.state import KEY_BYTES, Accounts, DurableState
from fanzha.identifiers import normalise
from fanzha.identity.domain import Principal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PATH = "/api/v1/detect/realtime"
KINDS = ("bank_card", "payment_account")
MAX_BODY = 16 * 1024
MAX_AMOUNT = 1e10
KEY_PREFIX = "fz_"
FREEZE_EVERY_S = 5.0
_SEP = "\x1f"  # as fanzha.identifiers.IdentifierVault keys kind and value
_JSON = [(b"content-type", b"application/json")]
# What one process serves. "all": everything (one process). Split in two processes (2 cores): "transfers"
# serves the transfer decisions with the tier tables and grades they read (Art 16, 18¶4), "checks" the
# counter checks and reports (Art 10, 12, 17, 18¶2). The two share no state: each keeps what it reads.
ROLES = ("all", "transfers", "checks")
TRANSFER_ROUTES = frozenset({"tiers", "grades"})
log = logging.getLogger("fanzha.detect.realtime")


class SampleCheck(Protocol):
    """Whether a payee token is an active sample; refreshed from the platform now and then."""

    def is_sample(self, kind: str, token_hex: str) -> bool:
        """Whether the 64-hex token of `kind` is an active sample."""
        ...

    def refresh(self) -> None:
        """Bring the sample set up to date (called off the event loop)."""
        ...

    def __len__(self) -> int: ...


class PrefixSamples:
    """Sorted 64-bit token prefixes per kind, from any loader, swapped whole on refresh."""

    def __init__(self, load: Callable[[], dict[str, npt.NDArray[np.uint64]]]) -> None:
        self._load = load
        self._sets: dict[str, npt.NDArray[np.uint64]] = {}

    def refresh(self) -> None:
        """Load the sets again and swap them in at once."""
        self._sets = self._load()

    def is_sample(self, kind: str, token_hex: str) -> bool:
        """Binary search of the token's 64-bit prefix in its kind's sorted set."""
        prefixes = self._sets.get(kind)
        if prefixes is None or prefixes.size == 0:
            return False
        q = np.uint64(int(token_hex[:16], 16))
        i = int(prefixes.searchsorted(q))
        return i < prefixes.size and bool(prefixes[i] == q)

    def __len__(self) -> int:
        return sum(int(p.size) for p in self._sets.values())


class FilterSamples:
    """The platform's local filter client (`fanzha_client.SampleFilter`), synced by snapshot and delta."""

    def __init__(self, sample_filter: Any) -> None:
        self.filter = sample_filter

    def refresh(self) -> None:
        """Sync; on failure the filter keeps answering from what it has, marked stale."""
        self.filter.sync()

    def is_sample(self, kind: str, token_hex: str) -> bool:
        """A lookup of one token in the filter."""
        return bool(self.filter.contains_tokens(kind, [token_hex])[0])

    def __len__(self) -> int:
        return len(self.filter)


class KeyCache:
    """API keys verified once through `resolve` (which raises when refused), then cached by hash."""

    def __init__(self, resolve: Callable[[str], object], ttl_s: float = 60.0) -> None:
        self._resolve = resolve
        self._ttl = ttl_s
        self._known: dict[bytes, tuple[float, object]] = {}

    async def check(self, secret: str) -> object:
        """The principal `resolve` returned for a good key; raises NotAuthenticated or PermissionDenied."""
        if not secret.startswith(KEY_PREFIX):
            raise NotAuthenticated()
        digest = hashlib.sha256(secret.encode()).digest()
        known = self._known.get(digest)
        now = time.monotonic()
        if known is not None and known[0] > now:
            return known[1]
        who = await asyncio.get_running_loop().run_in_executor(None, self._resolve, secret)
        self._known[digest] = (now + self._ttl, who)
        return who


class Tokeniser:
    """Normalises an account as the platform does and keys it with HMAC-SM3 (Art 27)."""

    def __init__(self, token_key: bytes) -> None:
        self._mac = KeyedSM3(token_key)

    def token(self, party: object, field: str) -> tuple[str, bytes]:
        """(kind, HMAC digest) of a {"kind", "value"} object; raises ValidationFailed naming the field."""
        if not isinstance(party, dict):
            raise ValidationFailed(
                f"字段「{field}」应为包含 kind 与 value 的对象",
                f"'{field}' must be an object with kind and value",
                field=field,
            )
        kind, value = party.get("kind"), party.get("value")
        if kind not in KINDS:
            raise ValidationFailed(
                f"字段「{field}.kind」应为 bank_card 或 payment_account",
                f"'{field}.kind' must be bank_card or payment_account",
                field=f"{field}.kind",
            )
        if not isinstance(value, str) or not 0 < len(value) <= 128:
            raise ValidationFailed(
                f"字段「{field}.value」应为 1 至 128 个字符的字符串",
                f"'{field}.value' must be a string of 1 to 128 characters",
                field=f"{field}.value",
            )
        identifier = normalise(kind, value, field=f"{field}.value")
        return kind, self._mac.digest(f"{kind}{_SEP}{identifier.value}".encode())


def _amount(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed("金额应为数字（元）", "amount must be a number of yuan", field="amount")
    amount = float(value)
    if not (math.isfinite(amount) and 0 < amount <= MAX_AMOUNT):
        raise ValidationFailed(
            "金额应大于 0 且不超过 100 亿元", "amount must be above 0 and at most 10^10", field="amount"
        )
    return amount


def _at(value: object, now: float) -> float:
    if value is None:
        return now
    if isinstance(value, int | float) and not isinstance(value, bool):
        at = float(value)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise ValidationFailed(
                "时间应为带时区的 ISO-8601 时间或 Unix 秒",
                "at must be ISO-8601 with a zone, or Unix seconds",
                field="at",
            )
        at = parsed.timestamp()
    else:
        raise ValidationFailed(
            "时间应为带时区的 ISO-8601 时间或 Unix 秒",
            "at must be ISO-8601 with a zone, or Unix seconds",
            field="at",
        )
    if not (math.isfinite(at) and 0 < at < now + 86400):
        raise ValidationFailed("时间超出范围", "at is out of range (or more than a day ahead)", field="at")
    return at


def _txn_id(value: object) -> str | None:
    if value is None or (isinstance(value, str) and len(value) <= 64):
        return value
    raise ValidationFailed(
        "txn_id 应为不超过 64 个字符的字符串", "txn_id must be a string of at most 64", field="txn_id"
    )


class RealtimeApp:
    """The ASGI app: decisions on POST, health on GET, periodic sample refresh and snapshots."""

    def __init__(
        self,
        state: Accounts,
        samples: SampleCheck,
        keys: KeyCache,
        tokeniser: Tokeniser,
        refresh_every_s: float = 30.0,
        snapshot_every_s: float = 300.0,
        clock: Callable[[], float] = time.time,
        prevention: Prevention | None = None,
        call_samples: SampleCheck | None = None,
        call_refresh_s: float = 0.25,
        role: str = "all",
    ) -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        self.role = role
        self.state = state
        self.prevention = prevention
        self.call_samples = call_samples
        self.call_refresh_s = call_refresh_s
        self.samples = samples
        self.keys = keys
        self.tokeniser = tokeniser
        self.refresh_every_s = refresh_every_s
        self.snapshot_every_s = snapshot_every_s
        self.clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    # --- HTTP --------------------------------------------------------------------------------------

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        if path == PATH and method == "POST" and self.role != "checks":
            status, body = await self._decide(scope, receive)
        elif (
            path.startswith(PREVENTION)
            and method == "POST"
            and self.prevention is not None
            and self._serves(path[len(PREVENTION) :])
        ):
            status, body = await self._prevent(scope, receive, path[len(PREVENTION) :])
        elif path == "/healthz" and method == "GET":
            status, body = 200, orjson.dumps(self.health())
        else:
            status, body = (
                404,
                orjson.dumps({"code": "not_found", "message_zh": "未找到", "message_en": "Not found"}),
            )
        headers = [*_JSON, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _serves(self, route: str) -> bool:
        """Whether this process's role serves the prevention route."""
        if self.role == "all":
            return True
        return (route in TRANSFER_ROUTES) == (self.role == "transfers")

    def health(self) -> dict[str, object]:
        """Liveness and size of the state."""
        return {
            "ok": True,
            "role": self.role,
            "accounts": len(self.state.accounts),
            "recorded": self.state.recorded,
            "samples": len(self.samples),
            "call_samples": len(self.call_samples) if self.call_samples is not None else 0,
            "persons": len(self.prevention.store.persons) if self.prevention is not None else 0,
        }

    @staticmethod
    async def _body(receive: Receive, limit: int = MAX_BODY) -> tuple[bytes, int]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= limit:
                chunks.append(chunk)
            if not message.get("more_body"):
                break
        return b"".join(chunks), size

    async def _decide(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        raw, size = await self._body(receive)
        try:
            who = await self.keys.check(_secret(scope))
            if size > MAX_BODY:
                raise ValidationFailed("请求体过大", f"body over {MAX_BODY} bytes", field="body")
            org_id = getattr(who, "org_id", None)
            return 200, orjson.dumps(self.decide(raw, org_id))
        except FanzhaError as error:
            status = 400 if isinstance(error, ValidationFailed) else error.status
            return status, orjson.dumps(error.to_dict())

    async def _prevent(self, scope: Scope, receive: Receive, route: str) -> tuple[int, bytes]:
        """A prevention check or report (fanzha.prevention); the key's organisation is the asker."""
        limit = BATCH_BODY if route == "batch" else MAX_BODY
        raw, size = await self._body(receive, limit)
        assert self.prevention is not None
        try:
            who = await self.keys.check(_secret(scope))
            if not isinstance(who, Principal):
                raise NotAuthenticated()
            if size > limit:
                raise ValidationFailed("请求体过大", f"body over {limit} bytes", field="body")
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise ValidationFailed(
                    "请求体不是有效的 JSON", "body is not valid JSON", field="body"
                ) from None
            return 200, orjson.dumps(self.prevention.handle(route, who, body))
        except FanzhaError as error:
            status = 400 if isinstance(error, ValidationFailed) else error.status
            return status, orjson.dumps(error.to_dict())

    def decide(self, raw: bytes, org_id: int | None = None) -> dict[str, object]:
        """Validate one transfer, decide, record it; a refusal leaves the state unchanged."""
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ValidationFailed("请求体不是有效的 JSON", "body is not valid JSON", field="body") from None
        if not isinstance(body, dict):
            raise ValidationFailed("请求体应为 JSON 对象", "body must be a JSON object", field="body")
        txn_id = _txn_id(body.get("txn_id"))
        _, payer = self.tokeniser.token(body.get("payer"), "payer")
        kind, payee = self.tokeniser.token(body.get("payee"), "payee")
        if payer == payee:
            raise ValidationFailed(
                "付款与收款账户相同", "payer and payee are the same account", field="payee"
            )
        amount = _amount(body.get("amount"))
        at = _at(body.get("at"), self.clock())
        token_hex = payee.hex()
        # Art 16: the payer's tier (its institution's table) may refuse the payment outright.
        if self.prevention is not None and org_id is not None:
            refusal = self.prevention.transfer_limit(org_id, payer.hex(), body, round(amount * 100), at)
            if refusal is not None:
                return {
                    "txn_id": txn_id,
                    "outcome": "refuse",
                    "score": 100,
                    "rules": ["tier_limit"],
                    "reasons_zh": [refusal["reason_zh"]],
                    "reasons_en": [refusal["reason_en"]],
                    "legal_basis": ["第十六条"],
                    "tier": refusal,
                    "payee_sample": False,
                    "payee_token": token_hex,
                }
        is_sample = self.samples.is_sample(kind, token_hex)
        payer_key, payee_key = payer[:KEY_BYTES], payee[:KEY_BYTES]
        decision = self.state.evaluate(payer_key, payee_key, amount, at, is_sample)
        if isinstance(self.state, DurableState):
            self.state.record(payer_key, payee_key, amount, at)
        else:
            self.state.apply(payer_key, payee_key, amount, at)
        answer = decision.as_dict()
        answer["txn_id"] = txn_id
        answer["payee_sample"] = is_sample
        answer["payee_token"] = token_hex
        return answer

    # --- lifespan ----------------------------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        """Start the journal's fsync thread and the refresh and snapshot loops."""
        if isinstance(self.state, DurableState):
            self.state.start()
            self._tasks.append(asyncio.create_task(self._every(self.snapshot_every_s, self._snapshot)))
        gc.collect()
        gc.freeze()
        self._tasks.append(asyncio.create_task(self._every(FREEZE_EVERY_S, self._freeze)))
        self._tasks.append(asyncio.create_task(self._every(self.refresh_every_s, self._refresh)))
        if self.call_samples is not None:  # Art 12¶2: a new sample number blocks within a second
            self._tasks.append(asyncio.create_task(self._every(self.call_refresh_s, self._refresh_calls)))

    async def stop(self) -> None:
        """Stop the loops, snapshot and close the journal."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if isinstance(self.state, DurableState):
            self.state.close(snapshot=True)
        if self.prevention is not None:
            self.prevention.store.close()

    @staticmethod
    async def _every(seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except Exception:  # a failed refresh or snapshot must not stop the decisions
                log.exception("real-time background job failed")

    @staticmethod
    async def _freeze() -> None:
        """Move the long-lived state out of the collector's sight: a full pass over it costs ~40 ms."""
        gc.collect(1)
        gc.freeze()

    async def _refresh(self) -> None:
        await asyncio.to_thread(self.samples.refresh)
        if self.prevention is not None:
            await asyncio.to_thread(self.prevention.refresh)
            await asyncio.to_thread(self.prevention.store.sync)

    async def _refresh_calls(self) -> None:
        if self.call_samples is not None:
            await asyncio.to_thread(self.call_samples.refresh)
        if self.prevention is not None:  # the prevention journal reaches the disk within this interval
            await asyncio.to_thread(self.prevention.store.sync)

    async def _snapshot(self) -> None:
        if isinstance(self.state, DurableState):
            held = self.state.snapshot(background=True)
            ok = await asyncio.to_thread(self.state.reap, True)
            log.info(
                "real-time state snapshot (%s): %d accounts, loop held %.1f ms",
                "written" if ok else "FAILED",
                len(self.state.accounts),
                held * 1e3,
            )


def _secret(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text: str = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
        elif name == b"x-api-key":
            key: str = value.decode("latin-1")
            return key.strip()
    return ""
