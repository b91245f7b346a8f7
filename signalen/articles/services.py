"""Knowledge articles: Markdown rendering with sanitising and saving (who may: access.py;
the search source: indexing.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import nh3
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup

from signalen.articles.access import can_author, can_edit
from signalen.articles.indexing import index_articles
from signalen.articles.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, Article
from signalen.audit import services as audit
from signalen.auth.models import User
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.privacy.services import check_fields
from signalen.signals.models import Visibility
from signalen.taxonomy.models import Theme
from signalen.taxonomy.services import by_ids

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
