"""Keyset paging that cannot loop: every next cursor must lie strictly after the one before."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from fanzha.core.errors import FanzhaError


class _Ordered(Protocol):
    def __gt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Ordered)


class CursorStalled(FanzhaError):
    """A paging loop's cursor did not move forward: reading on would repeat the same page forever."""

    code = "cursor_stalled"
    status = 500  # a bug, never bad input: stored keys that compare inconsistently
    message_zh = "分页游标未前进，已停止读取"
    message_en = "The paging cursor did not advance; reading stopped"


def advance(previous: K | None, following: K) -> K:
    """`following`, after checking that it lies strictly after `previous` (None: the first page)."""
    if previous is not None and not following > previous:
        raise CursorStalled(field=f"{previous!r} -> {following!r}"[:200])
    return following
