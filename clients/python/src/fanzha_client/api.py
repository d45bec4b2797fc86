"""The platform's API for a bank's or an operator's system: lookups, the sample feed, disposal orders
and receipts, sightings and subscriptions, with an API key (docs/client.md)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import httpx

ReceiptStatus = Literal["acknowledged", "executed", "object_not_found", "refused"]


class FanzhaApiError(Exception):
    """A refusal from the platform: its code, both messages and the field it concerns."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.code: str = body.get("code", "http_error")
        self.message_zh: str = body.get("message_zh", "")
        self.message_en: str = body.get("message_en", body.get("detail", ""))
        self.field: str | None = body.get("field")
        super().__init__(f"{status} {self.code}: {self.message_en} ({self.field})")


@dataclass(frozen=True)
class Hit:
    """The answer for one looked-up identifier, in request order."""

    index: int
    found: bool
    token: str | None
    status: str | None
    risk_level: str | None
    fraud_type: str | None
    measures_in_force: tuple[str, ...]


@dataclass(frozen=True)
class Order:
    """A disposal order addressed to the institution."""

    id: int
    object_kind: str
    object_token: str
    object_masked: str
    measure: str
    article: str
    status: str
    due_at: str
    reason: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> Order:
        """From the API's JSON."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


class FanzhaClient:
    """One institution's connection: `FanzhaClient("https://fanzha.example", "fz_…")`."""

    def __init__(
        self, base_url: str, api_key: str, http: httpx.Client | None = None, timeout: float = 30
    ) -> None:
        self._http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self._auth = {"Authorization": f"Bearer {api_key}"}

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> FanzhaClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **options: Any) -> Any:
        headers = {**self._auth, **options.pop("headers", {})}
        response = self._http.request(method, f"/api/v1{path}", headers=headers, **options)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"detail": response.text[:200]}
            raise FanzhaApiError(response.status_code, body if isinstance(body, dict) else {})
        return response.json() if response.content else None

    # Samples ------------------------------------------------------------------------------------

    def lookup(self, items: Iterable[tuple[str, str]]) -> list[Hit]:
        """Look up (kind, raw value) pairs; up to 100,000 a call, answers in the same order."""
        body = {"items": [{"kind": kind, "value": value} for kind, value in items]}
        answer = self._call("POST", "/samples/lookup", json=body)
        return [
            Hit(r["index"], r["found"], r.get("token"), r.get("status"), r.get("risk_level"),
                r.get("fraud_type"), tuple(r.get("measures_in_force") or ()))
            for r in answer["results"]
        ]  # fmt: skip

    def changes(self, after: int = 0, kind: str | None = None, limit: int = 500) -> Iterator[dict[str, Any]]:
        """Every sample change after position `after`, oldest first, following the feed to its end.

        Store each item's `position` once processed and pass it as `after` next time.
        """
        while True:
            params: dict[str, Any] = {"after": after, "limit": limit} | ({"kind": kind} if kind else {})
            page = self._call("GET", "/samples/feed", params=params)
            yield from page["items"]
            if not page["items"]:
                return
            after = page["next_after"]

    def report_sighting(self, token: str, outcome: Literal["hit", "false_positive"], note: str = "") -> None:
        """Tell the platform the institution met a sample: a confirmed hit, or a false positive."""
        self._call("POST", "/samples/sightings", json={"token": token, "outcome": outcome, "note": note})

    def subscribe(
        self, kinds: list[str], webhook_url: str | None = None, region_prefix: str = ""
    ) -> dict[str, Any]:
        """Subscribe to sample changes (the key needs the subscription grant); the secret is returned once."""
        body: dict[str, Any] = {"kinds": kinds, "region_prefix": region_prefix}
        if webhook_url:
            body["webhook_url"] = webhook_url
        return dict(self._call("POST", "/subscriptions", json=body))

    # Disposal orders ----------------------------------------------------------------------------

    def orders(self, status: str | None = None, overdue: bool = False) -> Iterator[Order]:
        """The institution's orders, newest first, page after page."""
        before: int | None = None
        while True:
            params: dict[str, Any] = {"limit": 500, "overdue": overdue}
            params |= {"status": status} if status else {}
            params |= {"before": before} if before else {}
            page = self._call("GET", "/disposal/orders", params=params)
            yield from map(Order.of, page["items"])
            before = page["next_cursor"]
            if before is None:
                return

    def receipt(
        self,
        order_id: int,
        status: ReceiptStatus,
        reason: str = "",
        notice_delivered: bool = False,
        idempotency_key: str | None = None,
    ) -> Order:
        """Answer an order; a retry with the same `idempotency_key` is answered once (default: a new key)."""
        key = idempotency_key or str(uuid.uuid4())
        body = {"status": status, "reason": reason, "notice_delivered": notice_delivered}
        row = self._call(
            "POST", f"/disposal/orders/{order_id}/receipt", json=body, headers={"Idempotency-Key": key}
        )
        return Order.of(row)
