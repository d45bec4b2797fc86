"""Webhook clients share one TLS context that still verifies certificates and host names."""

from __future__ import annotations

import ssl

from fanzha.events.egress import guarded_client, tls_context


def test_every_webhook_client_uses_the_one_verifying_context() -> None:
    first, second = guarded_client(False, 5), guarded_client(True, 5)
    contexts = {id(c._transport._pool._ssl_context) for c in (first, second)}  # type: ignore[attr-defined]
    assert contexts == {id(tls_context())}
    assert tls_context().verify_mode is ssl.CERT_REQUIRED and tls_context().check_hostname
