from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import TimestampMixin, enum_type
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from signalen.signals.models import Visibility
from signalen.taxonomy.models import Theme

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 50_000

article_theme = Table(
    "article_theme",
    db.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id"), primary_key=True),
)


class Article(TimestampMixin, db.Model):
    """A kennisartikel ("wat te doen bij een terugvordering"), Markdown sanitised on display."""

    __tablename__ = "article"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    published: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "article_visibility"), default=Visibility.NETWORK, nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )

    themes: Mapped[list[Theme]] = relationship(secondary=article_theme, lazy="selectin")
    organisation: Mapped[MemberOrganisation] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship()
