"""Who may read, write and edit knowledge articles."""

from __future__ import annotations

from sqlalchemy import or_, select

from signalen.articles.models import Article
from signalen.auth.models import Role, User
from signalen.signals.access import document_tokens, viewer_tokens
from signalen.signals.models import Visibility


def can_author(user: User | None) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.COORDINATOR, Role.ADMINISTRATOR)
    )


def can_edit(user: User | None, article: Article) -> bool:
    if not can_author(user):
        return False
    return user.role is Role.ADMINISTRATOR or user.organisation_id == article.organisation_id


def article_tokens(article: Article) -> list[str]:
    """The access tokens of ``article`` in the search index (as for signals)."""
    if not article.published:
        return [f"org:{article.organisation_id}"]
    return document_tokens(article.visibility, True, article.organisation_id)


def can_view(user: User | None, article: Article) -> bool:
    tokens = viewer_tokens(user)
    return tokens is None or bool(set(tokens) & set(article_tokens(article)))


def visible_articles(user: User | None):
    """Query for the articles ``user`` may read, newest first."""
    query = select(Article).order_by(Article.updated_at.desc())
    tokens = viewer_tokens(user)
    if tokens is None:
        return query
    published_public = (Article.published.is_(True)) & (Article.visibility == Visibility.PUBLIC)
    if "network" not in tokens:
        return query.where(published_public)
    clauses = [
        Article.published.is_(True)
        & Article.visibility.in_([Visibility.NETWORK, Visibility.PUBLIC])
    ]
    if user.organisation_id:
        clauses.append(Article.organisation_id == user.organisation_id)
    return query.where(or_(*clauses))
