"""A digest (signaleringsrapportage): the figures of one period, drafted and then published.

The figures are computed once and stored as JSON, so a published digest never changes when
the signals change later. A correction is a new version that points to the one it replaces.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.core.models import TimestampMixin, UTCDateTime, enum_type
from signalen.extensions import db
from signalen.signals.models import Signal

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 10_000
PERIOD_LABEL_MAX_LENGTH = 40


# Digests count signals by registration date over a period: an index keeps that a range scan
# instead of a scan of the whole table (created in migration 0005).
signal_created_at_index = Index("ix_signal_created_at", Signal.__table__.c.created_at)


class DigestStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {DigestStatus.DRAFT: _l("Concept"), DigestStatus.PUBLISHED: _l("Gepubliceerd")}


class Digest(TimestampMixin, db.Model):
    """One version of a signaleringsrapportage over ``period_start`` … ``period_end``."""

    __tablename__ = "digest"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    status: Mapped[DigestStatus] = mapped_column(
        enum_type(DigestStatus, "digest_status"),
        default=DigestStatus.DRAFT,
        nullable=False,
        index=True,
    )
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    # How the period was asked for: 2026-Q3, 2026-07, 2026-H2 or "2026-07-01 – 2026-08-15".
    period_label: Mapped[str] = mapped_column(String(PERIOD_LABEL_MAX_LENGTH), nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    introduction: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Coordinator's remark per section: {"themes": "…", "agencies": "…", …}
    remarks: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False, default=dict)
    # The computed figures (see services.compute_figures); frozen when published.
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    # A correction: the version this one replaces, and what changed.
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest.id"), nullable=True, index=True
    )
    change_note: Mapped[str] = mapped_column(Text, nullable=False, default="")

    supersedes: Mapped[Digest | None] = relationship(remote_side=[id])

    @property
    def is_published(self) -> bool:
        return self.status is DigestStatus.PUBLISHED

    @property
    def is_correction(self) -> bool:
        return self.supersedes_id is not None
