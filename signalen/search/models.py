"""The index outbox: what must be (re)indexed, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from signalen.core.models import UTCDateTime, utcnow
from signalen.extensions import db


class IndexOutbox(db.Model):
    """One record of one document kind whose index document must be brought up to date.

    ``op`` says what the change was ("index" or "remove"); the drain reads the record's
    current state from the database, which decides: a record that is gone is removed.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # A number as text: service ids are 128-bit UUID integers.
    record_id: Mapped[str] = mapped_column(String(40), nullable=False)
    op: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
