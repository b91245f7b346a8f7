"""Knowledge articles: Markdown rendering with sanitising, saving, visibility and indexing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import nh3
from flask import Flask
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func, or_, select

from signalen.articles.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Article
from signalen.audit import services as audit
from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.infobank.filters import DATE_FACET, date_tokens
from signalen.privacy.services import check_fields
from signalen.search import services as search
from signalen.search.documents import SearchDocument
from signalen.signals.access import document_tokens, viewer_tokens
from signalen.signals.models import Visibility
from signalen.taxonomy.models import Theme
from signalen.taxonomy.services import by_ids

KIND = "article"
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote",
    "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> Markup:
    """Markdown to HTML, sanitised with nh3 (no raw HTML, no scripts, safe links only)."""
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised by nh3 just above)


@dataclass
class ArticleInput:
    title: str
    body: str
    theme_ids: list[int] = field(default_factory=list)
    visibility: Visibility = Visibility.NETWORK
    published: bool = False


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


def _tokens(article: Article) -> list[str]:
    if not article.published:
        return [f"org:{article.organisation_id}"]
    return document_tokens(article.visibility, True, article.organisation_id)


def can_view(user: User | None, article: Article) -> bool:
    tokens = viewer_tokens(user)
    return tokens is None or bool(set(tokens) & set(_tokens(article)))


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


def _clean(data: ArticleInput) -> ArticleInput:
    title = clean_line(
        data.title,
        max_length=TITLE_MAX_LENGTH,
        field="title",
        empty_message=_l("Geef het artikel een titel."),
        too_long_message=_l("De titel is te lang."),
    )
    body = (data.body or "").replace("\x00", "").strip()
    if not body:
        raise ServiceError(_l("Schrijf de tekst van het artikel."), field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise ServiceError(_l("De tekst is te lang."), field="body")
    # Names only warn (articles may name public people, see name_warnings); the rest blocks.
    found = {
        name: blocking
        for name, items in check_fields({"title": title, "body": body}).items()
        if (blocking := [f for f in items if f.kind != "NAAM"])
    }
    if found:
        kinds = sorted({f.label for items in found.values() for f in items})
        raise ServiceError(
            _l("De tekst bevat persoonsgegevens (%(kinds)s). Haal ze weg.", kinds=", ".join(kinds)),
            field=next(iter(found)),
        )
    data.title, data.body = title, body
    return data


def name_warnings(title: str | None, body: str | None) -> list[str]:
    """Names of people the privacy guard finds in an article (a warning, not a refusal)."""
    found = check_fields({"title": title or "", "body": body or ""})
    return sorted({f.text for items in found.values() for f in items if f.kind == "NAAM"})


def save_article(data: ArticleInput, user: User, article: Article | None = None) -> Article:
    """Create or update an article (coordinators of the organisation, beheerders)."""
    if article is not None and not can_edit(user, article):
        raise ServiceError(_l("U mag dit artikel niet wijzigen."))
    if article is None and not can_author(user):
        raise ServiceError(_l("U mag geen artikelen schrijven."))
    data = _clean(data)
    if article is None:
        if user.organisation_id is None:
            raise ServiceError(_l("Alleen gebruikers van een organisatie schrijven artikelen."))
        article = Article(organisation_id=user.organisation_id, author_id=user.id)
        db.session.add(article)
        action = "article.create"
    else:
        action = "article.update"
    changes = audit.changed_fields(
        article,
        {
            "title": data.title,
            "body": data.body,
            "visibility": data.visibility,
            "published": data.published,
        },
    )
    article.themes = by_ids(Theme, data.theme_ids)
    db.session.flush()
    audit.record(
        action, article, actor=user, changes={k: v for k, v in changes.items() if k != "body"}
    )
    db.session.commit()
    index_articles([article.id])
    return article


def to_document(article: Article) -> SearchDocument:
    themes = {str(t.id) for t in article.themes} | {
        str(t.parent_id) for t in article.themes if t.parent_id
    }
    return SearchDocument(
        doc_id=f"{KIND}:{article.id}",
        kind=KIND,
        title=article.title,
        body=article.body,
        access=_tokens(article),
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
    with app.app_context():
        search.register_source(KIND, _all_documents, _count, _texts, load=_documents, model=Article)
