"""Encrypting and masking a big import's identifiers in a second process, while the first one writes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

from fanzha.identifiers import Identifier, IdentifierKind, IdentifierVault

Item = tuple[str, str, str]  # kind, normalised value, token
Sealed = list[tuple[bytes, str]]  # ciphertext, mask

_VAULT: IdentifierVault | None = None


def _start(encryption_key: bytes) -> None:
    global _VAULT
    # Sealing needs only the encryption key; the token arrives with each item.
    _VAULT = IdentifierVault(bytes(32), encryption_key)


def seal(vault: IdentifierVault, items: Sequence[Item]) -> Sealed:
    """SM4-GCM ciphertext (bound to kind and token) and display mask of each item."""
    out: Sealed = []
    for kind, value, token in items:
        identifier = Identifier(IdentifierKind(kind), value)
        out.append((vault.encrypt(identifier, token), vault.mask(identifier)))
    return out


def _seal_in_worker(items: Sequence[Item]) -> Sealed:
    assert _VAULT is not None, "worker not started"
    return seal(_VAULT, items)


class Sealer:
    """Seals chunks ahead of the writer: in a worker process for big imports, inline for small ones."""

    def __init__(self, vault: IdentifierVault, encryption_key: bytes, parallel: bool) -> None:
        self._vault = vault
        self._pool = (
            ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(encryption_key,),
            )
            if parallel
            else None
        )

    def submit(self, items: Sequence[Item]) -> Future[Sealed]:
        """Start sealing `items`; the result is waited for when the writer needs it."""
        if self._pool is not None:
            return self._pool.submit(_seal_in_worker, list(items))
        done: Future[Sealed] = Future()
        done.set_result(seal(self._vault, items))
        return done

    def __enter__(self) -> Sealer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
