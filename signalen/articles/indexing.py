"""Knowledge articles as a source of the search index."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from sqlalchemy import func, select

from signalen.articles.access import article_tokens
from signalen.articles.models import Article
from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.search import services as search
from signalen.search.dates import DATE_FACET, date_tokens
from signalen.search.documents import SearchDocument
from signalen.signals.models import Visibility

KIND = "article"


def to_document(article: Article) -> SearchDocument:
    themes = {str(t.id) for t in article.themes} | {
        str(t.parent_id) for t in article.themes if t.parent_id
    }
    return SearchDocument(
        doc_id=f"{KIND}:{article.id}",
        kind=KIND,
        title=article.title,
        body=article.body,
        access=article_tokens(article),
        facets={
            "thema": sorted(themes),
            "organisatie": [str(article.organisation_id)],
            "soort": ["artikel"],
            DATE_FACET: date_tokens(local_today(article.updated_at)),
        },
        date=article.updated_at,
        published=(
            article.updated_at
            if article.published and article.visibility is Visibility.PUBLIC
            else None
        ),
        version=article.updated_at,
    )


def index_articles(ids: list[int]) -> None:
    """Apply the index outbox after a commit (the session hook recorded the articles)."""
    from signalen.search import outbox

    outbox.drain()


def _documents(ids: list[int]) -> list[SearchDocument]:
    return [to_document(a) for a in db.session.scalars(select(Article).where(Article.id.in_(ids)))]


def _all_documents() -> Iterator[SearchDocument]:
    for article in db.session.scalars(select(Article).order_by(Article.id)):
        yield to_document(article)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Article)) or 0


def _texts(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(Article.id, Article.title, Article.body).where(Article.id.in_(ids))
    )
    return {row.id: (row.title, row.body) for row in rows}


def register(app: Flask) -> None:
    """Register the ``article`` kind with the search service of ``app``."""
    with app.app_context():
        search.register_source(KIND, _all_documents, _count, _texts, load=_documents, model=Article)
