"""Fanzha's client for institutions: the API, the local sample filter and webhook verification."""

from fanzha_client.api import FanzhaApiError, FanzhaClient, Hit, Order
from fanzha_client.sample_filter import FilterNotSynced, FilterSyncError, SampleFilter, SyncOutcome
from fanzha_client.webhooks import verify_delivery

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
