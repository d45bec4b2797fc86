"""Local sample filter: batched lookups over 10 M active tokens, against pipelined SMISMEMBER on Redis.

Targets (issue 3): at least 5 M lookups/s on one core in batches, at most 16 bytes a sample in memory,
and at least 10x faster than pipelined SMISMEMBER on the local Redis over the same tokens, same run.
The filter is the real client (`fanzha_client.SampleFilter`) synced over an in-process HTTP transport
from the platform's wire format. This process is pinned to one core; Redis runs in its own process.

    .venv/bin/python bench/sample_filter.py --quick     # 1 M tokens, well under a minute
    .venv/bin/python bench/sample_filter.py             # 10 M tokens
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
from fanzha_client import SampleFilter, SyncOutcome
from fanzha_client.filters import FilterSnapshot, PrefixIndex, apply_delta, contains, make_delta, prefix64

KIND = "phone"
HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def random_tokens(n: int) -> npt.NDArray[np.bytes_]:
    """`n` random 64-hex tokens as an ``S64`` array, hex-encoded with numpy rather than per item."""
    out = np.empty((n, 64), dtype=np.uint8)
    step = 1_000_000
    for start in range(0, n, step):
        stop = min(start + step, n)
        raw = np.frombuffer(os.urandom(32 * (stop - start)), dtype=np.uint8).reshape(-1, 32)
        out[start:stop, 0::2] = HEX[raw >> 4]
        out[start:stop, 1::2] = HEX[raw & 15]
    return out.view("S64").ravel()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by `fn` and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_rate(batches: list[Any], lookup: Callable[[Any], Any], passes: int) -> tuple[float, list[Any]]:
    """Best lookups/s over `passes` runs through all batches, after one warm-up batch."""
    lookup(batches[0])
    best = 0.0
    answers: list[Any] = []
    total = sum(len(b) for b in batches)
    for _ in range(passes):
        seconds, answers = timed(lambda: [lookup(b) for b in batches])
        best = max(best, total / seconds)
    return best, answers


def serving(payloads: dict[str, bytes]) -> httpx.Client:
    """An HTTP client whose platform answers from `payloads` (path -> body) in-process."""

    def handle(request: httpx.Request) -> httpx.Response:
        body = payloads.get(request.url.path)
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, content=body, headers={"content-type": "application/octet-stream"})

    return httpx.Client(transport=httpx.MockTransport(handle), base_url="http://platform.local")


def members(tokens: npt.NDArray[np.bytes_]) -> list[bytes]:
    """Each token's 8-byte prefix as big-endian bytes: the member the filter itself keeps."""
    return [p.to_bytes(8, "big") for p in prefix64(tokens).tolist()]


def redis_part(
    url: str, tokens: npt.NDArray[np.bytes_], batches: list[list[str]], expected: list[Any], passes: int
) -> dict[str, Any]:
    """Load the same members into a Redis set and time pipelined SMISMEMBER over the same batches.

    Redis holds what the filter holds, each token's 8-byte prefix, so that memory and lookups compare the
    same members; redis-py parses replies with hiredis when it is installed, as most deployments do.
    """
    try:
        import redis
        from redis.utils import HIREDIS_AVAILABLE
    except ImportError:
        print("redis: the `redis` package is not installed; Redis part skipped")
        return {}
    print(f"redis: reply parser {'hiredis' if HIREDIS_AVAILABLE else 'pure Python (pip install hiredis)'}")
    client = redis.Redis.from_url(url, socket_timeout=120)
    try:
        client.ping()
    except redis.RedisError as exc:
        print(f"redis: {url} not reachable ({exc}); Redis part skipped")
        return {}
    key = f"fanzha:bench:sample_filter:{uuid.uuid4().hex}"
    try:
        start = time.perf_counter()
        chunk = 10_000
        pipe = client.pipeline(transaction=False)
        for i in range(0, tokens.size, chunk):
            pipe.sadd(key, *members(tokens[i : i + chunk]))
            if (i // chunk) % 20 == 19:
                pipe.execute()
        pipe.execute()
        load_s = time.perf_counter() - start
        loaded = int(client.scard(key))
        memory = int(client.memory_usage(key, samples=5000) or 0)
        print(
            f"redis: loaded {loaded:,} tokens in {load_s:.1f} s ({loaded / load_s:,.0f}/s), "
            f"about {memory / max(loaded, 1):.0f} bytes/sample in Redis"
        )
        # Redis gets the 8-byte prefixes, already encoded; the filter gets the same tokens as hex str.
        byte_batches = [members(np.asarray(batch, dtype="S64")) for batch in batches]
        rates: dict[int, float] = {}
        for per_command in (1_000, 10_000):

            def lookup(batch: list[bytes], per_command: int = per_command) -> list[int]:
                pipe = client.pipeline(transaction=False)
                for i in range(0, len(batch), per_command):
                    pipe.smismember(key, batch[i : i + per_command])
                return [flag for reply in pipe.execute() for flag in reply]

            rates[per_command], answers = best_rate(byte_batches, lookup, passes)
            agree = all(
                np.array_equal(np.array(a, dtype=bool), e) for a, e in zip(answers, expected, strict=True)
            )
            print(
                f"redis: pipelined SMISMEMBER, {per_command:,} members a command: "
                f"{rates[per_command]:,.0f} lookups/s (answers agree with the filter: {agree})"
            )
            if not agree:
                raise SystemExit("Redis and the filter disagree")
        return {
            "redis_lookups_per_s": max(rates.values()),
            "redis_load_s": load_s,
            "redis_bytes_per_sample": memory / max(loaded, 1),
            "redis_hiredis": HIREDIS_AVAILABLE,
        }
    finally:
        client.unlink(key)  # DEL of a 10 M-member set outlasts the timeout; UNLINK frees it in the background
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 M tokens instead of 10 M")
    parser.add_argument("--tokens", type=int, help="number of active tokens (overrides --quick)")
    parser.add_argument("--batch", type=int, default=100_000, help="lookups per batch")
    parser.add_argument("--redis-url", default=os.environ.get("FANZHA_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    n = args.tokens or (1_000_000 if args.quick else 10_000_000)
    passes = 3
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # the "one core" in the target
    rng = np.random.default_rng()

    start = time.perf_counter()
    tokens = random_tokens(n)
    print(f"tokens: {n:,} random 64-hex tokens generated in {time.perf_counter() - start:.1f} s")

    # Platform side: the snapshot from hex tokens, and its wire form.
    start = time.perf_counter()
    snapshot = FilterSnapshot.from_tokens(KIND, 1, tokens)
    build_s = time.perf_counter() - start
    wire_s, wire = timed(snapshot.to_bytes)
    print(f"snapshot: built in {build_s:.2f} s from hex tokens, to_bytes {wire_s:.2f} s, {len(wire):,} bytes")

    # Institution side: the real client syncs it over HTTP (in-process transport).
    snapshot_path = f"/api/v1/samples/filters/{KIND}/snapshot"
    payloads = {snapshot_path: wire}
    client = SampleFilter(serving(payloads), bytes(32), [KIND])
    sync_s, outcome = timed(client.sync)
    assert outcome == {KIND: SyncOutcome.SNAPSHOT} and client.version(KIND) == 1
    bytes_per_sample = client.size_bytes() / n
    print(
        f"client: first sync (parse, verify, index) {sync_s:.2f} s; holds {client.size_bytes():,} bytes "
        f"= {bytes_per_sample:.2f} bytes/sample (8 prefix + directory)"
    )
    del wire, payloads[snapshot_path]

    # Half hits, half misses, shuffled, as str; built before any timing.
    lookups = max(args.batch, min(2_000_000, n))
    batches: list[list[str]] = []
    for _ in range(max(1, lookups // args.batch)):
        half = args.batch // 2
        mixed = np.concatenate([tokens[rng.integers(0, n, size=half)], random_tokens(args.batch - half)])
        rng.shuffle(mixed)
        batches.append(mixed.astype("U64").tolist())
    total = sum(len(b) for b in batches)
    print(f"lookups: {len(batches)} batches of {args.batch:,}, half hits, half misses, best of {passes}")

    def filter_lookup(batch: list[str]) -> npt.NDArray[np.bool_]:
        return client.contains_tokens(KIND, batch)

    rate, answers = best_rate(batches, filter_lookup, passes)
    hits = sum(int(a.sum()) for a in answers) / total
    print(f"filter: SampleFilter.contains_tokens, hex str in: {rate:,.0f} lookups/s (hit share {hits:.3f})")
    digest_batches = [b"".join(bytes.fromhex(token) for token in batch) for batch in batches]
    digest_rate, digest_answers = best_rate(
        digest_batches, lambda batch: client.contains_digests(KIND, batch), passes
    )
    digest_rate /= 32  # best_rate counted the buffers' bytes; each lookup is a 32-byte digest
    assert all(np.array_equal(a, e) for a, e in zip(digest_answers, answers, strict=True))
    print(f"filter: SampleFilter.contains_digests, one buffer of raw MACs in: {digest_rate:,.0f} lookups/s")
    del digest_batches, digest_answers
    prefix_batches = [prefix64(b) for b in batches]
    index = PrefixIndex(snapshot.prefixes)
    core_rate, _ = best_rate(prefix_batches, index.contains, passes)
    print(f"filter: PrefixIndex.contains, uint64 prefixes in: {core_rate:,.0f} lookups/s")

    def plain(queries: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        return contains(snapshot.prefixes, queries)

    sorted_rate, _ = best_rate(prefix_batches, plain, passes)
    print(f"filter: plain searchsorted, batch sorted first: {sorted_rate:,.0f} lookups/s")
    del index, prefix_batches

    redis_rate: float | None = None
    ratio: float | None = None
    redis_figures = redis_part(args.redis_url, tokens, batches, answers, passes)
    if redis_figures:
        redis_rate = float(redis_figures["redis_lookups_per_s"])
        ratio = rate / redis_rate
        print(f"ratio: filter / Redis = {ratio:.1f}x")
    del batches, answers

    # 1 % churn: the platform diffs two versions, the client syncs by delta.
    churn = n // 100
    keep = np.ones(n, dtype=bool)
    keep[rng.choice(n, size=churn, replace=False)] = False
    after = FilterSnapshot.from_tokens(KIND, 2, np.concatenate([tokens[keep], random_tokens(churn)]))
    del tokens, keep
    start = time.perf_counter()
    delta = make_delta(snapshot, after)
    diff_s = time.perf_counter() - start
    delta_wire = delta.to_bytes()
    start = time.perf_counter()
    applied = apply_delta(snapshot, delta)
    apply_s = time.perf_counter() - start
    assert applied.checksum == after.checksum
    payloads[f"/api/v1/samples/filters/{KIND}/delta"] = delta_wire  # the platform is now at version 2
    delta_sync_s, outcome = timed(client.sync)
    assert outcome == {KIND: SyncOutcome.DELTA} and client.checksum(KIND) == after.checksum
    print(
        f"delta: 1 % churn (+{delta.additions.size:,} -{delta.removals.size:,}), {len(delta_wire):,} bytes; "
        f"make_delta {diff_s:.2f} s, apply_delta {apply_s:.2f} s, "
        f"client delta sync with re-index {delta_sync_s:.2f} s"
    )

    ok = rate >= 5e6 and bytes_per_sample <= 16 and (ratio or 0) >= 10
    print(f"targets (>= 5 M lookups/s, <= 16 bytes/sample, >= 10x Redis): {'met' if ok else 'NOT met'}")
    figures = {
        "bench": "sample_filter",
        "tokens": n,
        "lookups_per_s": round(rate),
        "bytes_per_sample": round(bytes_per_sample, 2),
        "redis_lookups_per_s": None if redis_rate is None else round(redis_rate),
        "redis_bytes_per_sample": round(redis_figures.get("redis_bytes_per_sample", 0), 1) or None,
        "redis_hiredis": redis_figures.get("redis_hiredis"),
        "ratio_vs_redis": None if ratio is None else round(ratio, 1),
        "digest_lookups_per_s": round(digest_rate),
        "core_lookups_per_s": round(core_rate),
        "searchsorted_lookups_per_s": round(sorted_rate),
        "snapshot_build_s": round(build_s, 2),
        "first_sync_s": round(sync_s, 2),
        "delta_apply_s": round(apply_s, 2),
        "delta_sync_s": round(delta_sync_s, 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
