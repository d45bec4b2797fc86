"""glibc malloc for a long-running threaded server: two arenas, large buffers mapped, free pages returned.

Under steady load the server's live memory is flat while glibc keeps what the request threads freed:
with one arena per thread (up to 8 per core) in arenas no thread reuses, and, with few arenas, in holes
between live blocks that its top-of-heap trimming cannot reach (docs/reliability.md). Operators' own
MALLOC_* environment values stand.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from contextlib import suppress

ARENAS = 2  # glibc's default is 8 per core
# glibc's initial threshold, fixed: left dynamic it rises after each large free, and later large
# buffers (1,000-item look-up answers, report pages) then come from the heap and leave holes in it.
MMAP_THRESHOLD = 128 * 1024
# A trim costs milliseconds; every 10 s, not every minute, load runs grew more slowly (docs/reliability.md).
TRIM_EVERY_SECONDS = 10.0
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # mallopt parameter numbers, from glibc's malloc.h


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc on Linux, else None (nothing to tune)."""
    if not sys.platform.startswith("linux"):
        return None
    with suppress(OSError):
        libc = ctypes.CDLL("libc.so.6")
        if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
            return libc
    return None


def tune() -> None:
    """Cap arenas and fix the mmap threshold, here and in the processes this one starts (environment)."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(ARENAS))
    os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(MMAP_THRESHOLD))
    libc = _glibc()
    if libc is None:
        return
    with suppress(ValueError):  # a malformed operator value: glibc ignores it too
        libc.mallopt(M_ARENA_MAX, int(os.environ["MALLOC_ARENA_MAX"]))
        libc.mallopt(M_MMAP_THRESHOLD, int(os.environ["MALLOC_MMAP_THRESHOLD_"]))


def start_trimming(every_seconds: float = TRIM_EVERY_SECONDS) -> threading.Event | None:
    """Give free heap pages back every `every_seconds` in a daemon thread; set the event returned to stop."""
    libc = _glibc()
    if libc is None:
        return None
    stop = threading.Event()

    def trim() -> None:
        while not stop.wait(every_seconds):
            libc.malloc_trim(0)  # madvises every free page of every arena away; locks each arena briefly

    threading.Thread(target=trim, name="malloc-trim", daemon=True).start()
    return stop
