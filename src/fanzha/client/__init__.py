"""Client-side helpers for institutions: the local sample filter they sync from the platform."""

from fanzha.client.sample_filter import FilterNotSynced, FilterSyncError, SampleFilter, SyncOutcome

__all__ = ["FilterNotSynced", "FilterSyncError", "SampleFilter", "SyncOutcome"]
