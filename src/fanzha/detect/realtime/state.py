"""Per-account money state for transfer-time decisions, kept in memory and surviving a restart (Art 18).

Accounts are known only by the first 16 bytes of their keyed token (HMAC-SM3, as the platform
computes it), never by number. Each keeps its recent inbound and outbound transfers (time, yuan,
counterparty) for the longest rule window, capped at `MAX_EVENTS` a direction, plus when it was first
and last seen.

Durability: every recorded transfer is appended to the journal with one `write` before its decision
is answered, so a killed process loses nothing it answered; a background thread `fsync`s the journal
in batches (every `fsync_every_s`), so a power cut loses at most that much. A snapshot (pickle of the
accounts, written to a temporary file and renamed) starts a new journal generation; the old journals
are then deleted. Opening replays the snapshot and every later journal; a torn last record is dropped.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from fanzha.detect.realtime import rules
from fanzha.detect.realtime.rules import Decision, Event

KEY_BYTES = 16
MAX_EVENTS = 256  # per account and direction: bounds the work of one decision on a very busy account
RETAIN_S = 400 * 24 * 3600  # idle accounts are forgotten after this (dormancy needs about 90 days)
RECORD = struct.Struct(f"<dd{KEY_BYTES}s{KEY_BYTES}s")  # at, amount, payer key, payee key
SNAPSHOT = "snapshot.pickle"
_MAGIC = b"FZRT1"


class Account:
    """One account's recent transfers and when it was first and last seen."""

    __slots__ = ("first_seen", "inbound", "last_seen", "outbound")

    def __init__(self, first_seen: float) -> None:
        self.first_seen = first_seen
        self.last_seen: float | None = None
        self.inbound: list[Event] = []
        self.outbound: list[Event] = []

    def __getstate__(self) -> tuple[float, float | None, list[Event], list[Event]]:
        return self.first_seen, self.last_seen, self.inbound, self.outbound

    def __setstate__(self, state: tuple[float, float | None, list[Event], list[Event]]) -> None:
        self.first_seen, self.last_seen, self.inbound, self.outbound = state


def _prune(events: list[Event], now: float) -> None:
    """Forget events older than the longest window, and all but the newest MAX_EVENTS."""
    cut = 0
    horizon = now - rules.SPAN_S
    while cut < len(events) and events[cut][0] <= horizon:
        cut += 1
    if len(events) - cut > MAX_EVENTS:
        cut = len(events) - MAX_EVENTS
    if cut:
        del events[:cut]


class Accounts:
    """The in-memory state alone: decide on a transfer, record it; no files."""

    def __init__(self) -> None:
        self.accounts: dict[bytes, Account] = {}
        self.recorded = 0

    def evaluate(self, payer: bytes, payee: bytes, amount: float, now: float, is_sample: bool) -> Decision:
        """The decision for a transfer of `amount` yuan from payer to payee at `now`, state unchanged."""
        out = self.accounts.get(payer)
        into = self.accounts.get(payee)
        payer_in = out.inbound if out is not None else []
        payer_out = out.outbound if out is not None else []
        return rules.decide(
            (
                rules.sample_payee(is_sample),
                rules.fan_in(into.inbound if into is not None else [], now, payer),
                rules.fan_out(payer_out, now, payee),
                rules.pass_through(payer_in, now, amount),
                rules.night_burst(payer_out, now),
                rules.dormant_then_active(out.last_seen if out is not None else None, now, amount),
            )
        )

    def apply(self, payer: bytes, payee: bytes, amount: float, now: float) -> None:
        """Record the transfer in both accounts' windows."""
        accounts = self.accounts
        out = accounts.get(payer)
        if out is None:
            out = accounts[payer] = Account(now)
        into = accounts.get(payee)
        if into is None:
            into = accounts[payee] = Account(now)
        out.outbound.append((now, amount, payee))
        into.inbound.append((now, amount, payer))
        for account in (out, into):
            _prune(account.outbound if account is out else account.inbound, now)
            if account.last_seen is None or now > account.last_seen:
                account.last_seen = now
        self.recorded += 1

    def sweep(self, now: float) -> int:
        """Prune every window to `now` and forget accounts idle for RETAIN_S; returns how many went."""
        gone = [k for k, a in self.accounts.items() if (a.last_seen or a.first_seen) < now - RETAIN_S]
        for key in gone:
            del self.accounts[key]
        for account in self.accounts.values():
            _prune(account.inbound, now)
            _prune(account.outbound, now)
        return len(gone)


class DurableState(Accounts):
    """Accounts with a journal and snapshots in `directory`, so the state survives a restart."""

    def __init__(self, directory: Path, fsync_every_s: float = 0.02) -> None:
        super().__init__()
        self.directory = directory
        self.fsync_every_s = fsync_every_s
        directory.mkdir(parents=True, exist_ok=True)
        self.last_seen_at = 0.0  # the latest transfer time recorded, for sweeping at snapshot time
        self.generation = self._load()
        self._lock = threading.Lock()  # guards the journal descriptor against rotation during fsync
        self._fd = self._open_journal(self.generation)
        self._dirty = False
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        self._retired: list[int] = []  # descriptors of rotated journals still to fsync and close
        self._child: tuple[int, int] | None = None  # (pid, generation) of a background snapshot

    # --- journal -----------------------------------------------------------------------------------

    def _journal(self, generation: int) -> Path:
        return self.directory / f"journal-{generation:08d}.bin"

    def _open_journal(self, generation: int) -> int:
        return os.open(self._journal(generation), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _journals(self) -> Iterator[tuple[int, Path]]:
        for path in sorted(self.directory.glob("journal-*.bin")):
            yield int(path.stem.split("-")[1]), path

    def record(self, payer: bytes, payee: bytes, amount: float, now: float) -> None:
        """Journal the transfer (one write, before the caller answers), then apply it."""
        os.write(self._fd, RECORD.pack(now, amount, payer, payee))
        self._dirty = True
        self.apply(payer, payee, amount, now)
        if now > self.last_seen_at:
            self.last_seen_at = now

    def start(self) -> None:
        """Start the thread that fsyncs the journal in batches."""
        if self._syncer is None:
            self._syncer = threading.Thread(target=self._sync_loop, name="realtime-fsync", daemon=True)
            self._syncer.start()

    def _sync_loop(self) -> None:
        while not self._stop.wait(self.fsync_every_s):
            self.sync()

    def sync(self) -> None:
        """fsync the journal if anything was written since the last time, and close retired journals."""
        if self._dirty:
            self._dirty = False
            with self._lock:
                os.fsync(self._fd)
        while self._retired:
            fd = self._retired.pop(0)
            os.fsync(fd)
            os.close(fd)

    # --- snapshots ---------------------------------------------------------------------------------

    def snapshot(self, background: bool = False) -> float:
        """Start a new journal generation and write a snapshot; returns the seconds the caller was held.

        In the background (where `os.fork` exists) a copy-on-write child writes it, as Redis does, so
        decisions go on meanwhile; `reap` deletes the older journals once the child has succeeded.
        """
        started = time.perf_counter()
        self.reap(block=True)
        with self._lock:
            old = self._fd
            self.generation += 1
            self._fd = self._open_journal(self.generation)
        self._retired.append(old)  # fsynced and closed by the fsync thread, off the event loop
        self._dirty = True
        if self._syncer is None:
            self.sync()
        now = self.last_seen_at or time.time()  # windows end at the latest transfer recorded
        if background and hasattr(os, "fork"):
            pid = os.fork()
            if pid == 0:  # the child: its copy of the state is frozen at the fork
                code = 1
                try:
                    os.nice(19)  # the decisions come first on a machine with few cores
                    self.sweep(now)
                    self._write_snapshot()
                    code = 0
                finally:
                    os._exit(code)
            self._child = (pid, self.generation)
            return time.perf_counter() - started
        self.sweep(now)
        self._write_snapshot()
        self._drop_old_journals(self.generation)
        return time.perf_counter() - started

    def reap(self, block: bool = False) -> bool | None:
        """Whether the background snapshot succeeded (old journals then go); None while it runs or if none."""
        if self._child is None:
            return None
        child, generation = self._child
        pid, status = os.waitpid(child, 0 if block else os.WNOHANG)
        if pid == 0:
            return None
        self._child = None
        ok = os.waitstatus_to_exitcode(status) == 0
        if ok:
            self._drop_old_journals(generation)
        return ok

    def _write_snapshot(self) -> None:
        body = pickle.dumps((self.generation, self.recorded, self.last_seen_at, self.accounts), protocol=5)
        tmp = self.directory / f"{SNAPSHOT}.tmp"
        with open(tmp, "wb") as f:
            f.write(_MAGIC + body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.directory / SNAPSHOT)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _drop_old_journals(self, generation: int) -> None:
        """Delete the journals a snapshot of `generation` already holds."""
        for journal_generation, path in self._journals():
            if journal_generation < generation:
                path.unlink(missing_ok=True)

    def _load(self) -> int:
        """Read the snapshot, replay later journals; returns the generation to write next."""
        generation = 0
        path = self.directory / SNAPSHOT
        if path.exists():
            raw = path.read_bytes()
            if not raw.startswith(_MAGIC):
                raise ValueError(f"{path} is not a real-time state snapshot")
            # Our own file, written by `snapshot` in a directory only this service writes.
            generation, self.recorded, self.last_seen_at, self.accounts = pickle.loads(raw[len(_MAGIC) :])  # noqa: S301
        for journal_generation, journal in self._journals():
            if journal_generation < generation:
                continue
            data = journal.read_bytes()
            whole = len(data) - len(data) % RECORD.size  # a torn last record was never answered
            for now, amount, payer, payee in RECORD.iter_unpack(data[:whole]):
                self.apply(payer, payee, amount, now)
                self.last_seen_at = max(self.last_seen_at, now)
            if whole != len(data):
                with open(journal, "r+b") as f:
                    f.truncate(whole)
            generation = max(generation, journal_generation)
        return generation

    def close(self, snapshot: bool = True) -> None:
        """Stop the fsync thread, snapshot if asked, and close the journal."""
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
            self._syncer = None
        if snapshot:
            self.snapshot()
        else:
            self.reap(block=True)
        self.sync()
        with self._lock:
            os.fsync(self._fd)
            os.close(self._fd)
