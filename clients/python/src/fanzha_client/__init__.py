"""Fanzha's client for institutions: the API, the local sample filter and webhook verification."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fanzha_client.api import FanzhaApiError, FanzhaClient, Hit, Order
    from fanzha_client.sample_filter import FilterNotSynced, FilterSyncError, SampleFilter, SyncOutcome
    from fanzha_client.webhooks import verify_delivery

# Names load their module on first use, so that `fanzha_client.tokens` alone does not pull in httpx and numpy.
_HOME = {
    "FanzhaApiError": "api",
    "FanzhaClient": "api",
    "Hit": "api",
    "Order": "api",
    "FilterNotSynced": "sample_filter",
    "FilterSyncError": "sample_filter",
    "SampleFilter": "sample_filter",
    "SyncOutcome": "sample_filter",
    "verify_delivery": "webhooks",
}

__all__ = [
    "FanzhaApiError",
    "FanzhaClient",
    "FilterNotSynced",
    "FilterSyncError",
    "Hit",
    "Order",
    "SampleFilter",
    "SyncOutcome",
    "verify_delivery",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` when it is first asked for."""
    if name not in _HOME:
        raise AttributeError(f"module 'fanzha_client' has no attribute {name!r}")
    return getattr(importlib.import_module(f"fanzha_client.{_HOME[name]}"), name)
