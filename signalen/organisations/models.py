from __future__ import annotations

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from signalen.core.models import TimestampMixin
from signalen.extensions import db

NAME_MAX_LENGTH = 150


class MemberOrganisation(TimestampMixin, db.Model):
    """A client organisation (cliëntenraad, helpdesk, servicelijn); the tenant of the site."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"<MemberOrganisation {self.id} {self.name!r}>"
