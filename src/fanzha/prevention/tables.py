"""Tables of the prevention area: the configured lists of persons (Art 10(三), 17(五))."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fanzha.db.base import Base, UTCDateTime


class ListedPerson(Base):
    """A person (ID token only, Art 9) on a named list that refuses openings under Art 10(三) / 17(五).

    The joint-punishment list (Art 29, fanzha.credit) can fill this table or stand behind the same
    `ListCheck` port; an entry counts from `listed_at` until `until` (open-ended when empty).
    """

    __tablename__ = "prevention_listed"
    __table_args__ = (UniqueConstraint("list_name", "id_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(64))
    id_token: Mapped[str] = mapped_column(String(64), index=True)
    id_masked: Mapped[str] = mapped_column(String(32), default="")
    basis: Mapped[str] = mapped_column(String(200))
    applies_to: Mapped[str] = mapped_column(String(16), default="both")  # card | account | both
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
