from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.core.models import TimestampMixin, UTCDateTime, enum_type
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 120
SESSION_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def new_session_token() -> str:
    """A fresh random token; every session and remember-me cookie carries the current one."""
    return secrets.token_urlsafe(32)


class Role(enum.StrEnum):
    """What a user may do; the value is the Dutch name used on the command line."""

    VOLUNTEER = "vrijwilliger"
    COORDINATOR = "coordinator"
    READER = "lezer"
    ADMINISTRATOR = "beheerder"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


# The roles that manage an organisation's data: signals, the sociale kaart, overleg, users.
MANAGERS = (Role.COORDINATOR, Role.ADMINISTRATOR)

ROLE_LABELS = {
    Role.VOLUNTEER: _l("Vrijwilliger"),
    Role.COORDINATOR: _l("Coördinator"),
    Role.READER: _l("Lezer"),
    Role.ADMINISTRATOR: _l("Beheerder"),
}


class User(UserMixin, TimestampMixin, db.Model):
    """A person who logs in. Never a client: clients are not stored at all."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    # Empty until the user sets a password through an invitation or reset link.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "user_role"), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), nullable=True, index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Part of the login id in every session and remember-me cookie: replacing it ends them all.
    session_token: Mapped[str] = mapped_column(
        String(64), nullable=False, default=new_session_token
    )

    organisation: Mapped[MemberOrganisation | None] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        organisation_active = self.organisation is None or self.organisation.active
        return self.active and organisation_active

    def get_id(self) -> str:
        """The login id Flask-Login keeps in the session and remember-me cookie."""
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """End every session and remember-me cookie of this user (the caller commits)."""
        self.session_token = new_session_token()

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role.value}>"
