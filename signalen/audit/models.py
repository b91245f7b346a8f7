from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from signalen.core.models import UTCDateTime, utcnow
from signalen.extensions import db


class AuditEvent(db.Model):
    """One change: who did it, to which object, and the field values before and after."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Kept as text too, so the log still reads well when an account is gone.
    actor_label: Mapped[str] = mapped_column(String(254), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True, index=True
    )
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(64), nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    object_label: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    # {"field": [old, new], ...}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
