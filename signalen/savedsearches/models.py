"""Saved searches ("Mijn zoekopdrachten") and the secret key of a user's private feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import TimestampMixin, UTCDateTime, utcnow
from signalen.extensions import db

NAME_MAX_LENGTH = 120
QUERY_MAX_LENGTH = 2_000
KEY_HASH_LENGTH = 64  # sha256 hex


class SavedSearch(TimestampMixin, db.Model):
    """A search of the informatiebank by name; its results are always found anew."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    # The canonical query string of /zoeken (the same as its feed's).
    query: Mapped[str] = mapped_column(String(QUERY_MAX_LENGTH), nullable=False, default="")
    alert: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class FeedKey(db.Model):
    """The secret in a user's private feed addresses; only its hash is stored."""

    __tablename__ = "feed_key"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    key_hash: Mapped[str] = mapped_column(String(KEY_HASH_LENGTH), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user: Mapped[User] = relationship()
