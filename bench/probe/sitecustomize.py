"""Memory probe for bench/load.py: with FANZHA_MEMORY_PROBE=path, a process writes its native memory there.

Put on PYTHONPATH (bench/load.py --probe does), it starts a daemon thread in every Python process that
has the variable set: every 10 s one JSON line with glibc malloc's bytes in use and free but kept
(mallinfo2), the anonymous memory outside malloc's heap (Python's own 1 MiB object arenas, thread
stacks), SQLite's own heap (sqlite3_memory_used, all connections) and the count of Python objects the
collector tracks. That splits RSS growth into live data, memory malloc keeps, Python's arenas and the
database.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import os
import threading
import time


class _MallInfo2(ctypes.Structure):
    _FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
    _fields_ = [(name, ctypes.c_size_t) for name in _FIELDS.split()]  # struct mallinfo2


def _rss_anon_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) / 1024


def _sample(libc: ctypes.CDLL, sqlite: ctypes.CDLL | None) -> dict[str, float]:
    info = libc.mallinfo2()
    mb = 2**20
    sample = {
        "t": time.time(),
        "malloc_in_use_mb": (info.uordblks + info.hblkhd) / mb,
        "malloc_free_kept_mb": info.fordblks / mb,
        # Resident anonymous memory malloc does not account for: pymalloc's arenas and thread stacks
        # (malloc's trimmed pages still count in its heap, so this is a lower bound).
        "anon_outside_malloc_mb": _rss_anon_mb() - (info.arena + info.hblkhd) / mb,
        "gc_objects": len(gc.get_objects()),
    }
    if sqlite is not None:
        sample["sqlite_heap_mb"] = sqlite.sqlite3_memory_used() / mb
    return sample


def _watch(path: str) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.mallinfo2.restype = _MallInfo2
    sqlite: ctypes.CDLL | None = None
    name = ctypes.util.find_library("sqlite3")
    if name:
        sqlite = ctypes.CDLL(name)
        sqlite.sqlite3_memory_used.restype = ctypes.c_int64
    with open(path, "a", encoding="utf-8") as out:
        while True:
            out.write(json.dumps(_sample(libc, sqlite)) + "\n")
            out.flush()
            time.sleep(10)


if os.environ.get("FANZHA_MEMORY_PROBE"):
    threading.Thread(target=_watch, args=(os.environ["FANZHA_MEMORY_PROBE"],), daemon=True).start()
