from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.extensions import db

NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 500


class Theme(db.Model):
    """A thema: a main theme (no parent) or a sub-theme under one main theme."""

    __tablename__ = "theme"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_theme_parent_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    parent: Mapped[Theme | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Theme]] = relationship(back_populates="parent", order_by="Theme.name")

    @property
    def full_name(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent else self.name


class Scheme(db.Model):
    """A regeling or wet (WW, Participatiewet, Toeslagen, …)."""

    __tablename__ = "scheme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True, nullable=False)
    short_name: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class Agency(db.Model):
    """An uitvoerder. Kind ``gemeente`` means the municipality named on the signal."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), default="landelijk", nullable=False)
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX_LENGTH), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    @property
    def is_municipal(self) -> bool:
        return self.kind == "gemeente"


class Municipality(db.Model):
    """A gemeente of the Netherlands, with its CBS code and province."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True, nullable=False)
    province: Mapped[str] = mapped_column(String(40), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


SYNONYMS_MAX_LENGTH = 500


class SynonymGroup(db.Model):
    """Words or phrases that mean the same for search ("bijstand, Participatiewet"), added by a
    beheerder to the list that ships with Signalen. ``terms`` is comma-separated."""

    __tablename__ = "synonym_group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    terms: Mapped[str] = mapped_column(String(SYNONYMS_MAX_LENGTH), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    @property
    def members(self) -> list[str]:
        return [member.strip() for member in self.terms.split(",") if member.strip()]
