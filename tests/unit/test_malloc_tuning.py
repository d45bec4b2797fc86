"""The server's malloc tuning: settings for its worker processes, and freed memory given back."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fanzha.core import malloc

glibc = pytest.mark.skipif(malloc._glibc() is None, reason="glibc malloc only")


def resident_mb() -> float:
    """This process's resident memory, from the kernel."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_tune_sets_the_environment_for_worker_processes_and_keeps_an_operators_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "262144")
    malloc.tune()
    assert os.environ["MALLOC_ARENA_MAX"] == str(malloc.ARENAS)
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "262144"


@glibc
def test_the_trimming_thread_gives_holes_in_the_heap_back_to_the_system() -> None:
    malloc.tune()  # 64 KiB blocks then come from the heap, below the fixed mmap threshold
    blocks = [bytes(64 * 1024) for _ in range(3000)]  # about 190 MB
    kept = blocks[::10]  # every tenth stays alive, so the freed ones are holes, not the heap's top
    del blocks
    before = resident_mb()
    stop = malloc.start_trimming(every_seconds=0.05)
    assert stop is not None
    try:
        deadline = time.monotonic() + 5
        while resident_mb() > before - 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert resident_mb() < before - 100, (before, resident_mb())
    finally:
        stop.set()
    assert len(kept) == 300
