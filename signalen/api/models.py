from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import UTCDateTime, enum_type, utcnow
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation

TOKEN_NAME_MAX_LENGTH = 120


class Scope(enum.StrEnum):
    """What a token may do: only read, read and register signals, or only fill in the
    embeddable meldformulier (a public key: it can create intern signals and read nothing)."""

    READ = "read"
    WRITE = "write"
    WIDGET = "widget"

    @property
    def label(self) -> str:
        return str(SCOPE_LABELS[self])


SCOPE_LABELS = {
    Scope.READ: _l("Alleen lezen"),
    Scope.WRITE: _l("Lezen en knelpunten melden"),
    Scope.WIDGET: _l("Alleen het meldformulier voor een website (openbare sleutel)"),
}


class ApiToken(db.Model):
    """A per-organisation API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX_LENGTH), nullable=False)
    scope: Mapped[Scope] = mapped_column(enum_type(Scope, "api_token_scope"), nullable=False)
    # Hex SHA-256 of the whole token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # The first characters ("sig_ab12…"), so people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[MemberOrganisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.scope.value}>"
