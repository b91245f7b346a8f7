"""Saved searches and private feeds: always searched anew with the viewer's current rights.

Nothing found is stored: a saved search keeps only its query string, and both the list's
"n nieuw" and a private feed run the search again for the user as they are now (a user
who lost access to an organisation's intern signals no longer sees them anywhere).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from signalen.articles.access import visible_articles
from signalen.articles.models import Article
from signalen.auth.models import User
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.urls import external_url
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.feeds import services as feeds
from signalen.feeds.services import FeedError, FeedPlan, Stamp
from signalen.infobank.filters import KINDS, SearchFilters
from signalen.privacy.services import check_fields
from signalen.savedsearches.models import NAME_MAX_LENGTH, QUERY_MAX_LENGTH, FeedKey, SavedSearch
from signalen.search import services as search
from signalen.signals.access import viewer_tokens, visible_clause
from signalen.signals.models import Signal

MAX_PER_USER = 100
# "n nieuw": at most this many of the newest results are looked at ("100+" beyond).
NEW_LIMIT = 100


# Saved searches ----------------------------------------------------------------------------


def filters_of(query: str) -> SearchFilters:
    """The search filters of a stored query string."""
    from urllib.parse import parse_qsl

    return SearchFilters.from_args(MultiDict(parse_qsl(query)))


def save_search(user: User, name: str, args: MultiDict) -> SavedSearch:
    """Save the search ``args`` (as on ``/zoeken``) under ``name`` for ``user``.

    The name and the search words pass the privacy guard: a client's name or BSN typed
    into the search box is refused, not stored.
    """
    name = clean_line(
        name,
        max_length=NAME_MAX_LENGTH,
        field="name",
        empty_message=_l("Geef de zoekopdracht een naam."),
    )
    filters = SearchFilters.from_args(args)
    query = feeds.canonical_query(filters)
    if len(query) > QUERY_MAX_LENGTH:
        raise ServiceError(_l("Deze zoekopdracht is te lang om te bewaren."), field="name")
    if check_fields({"name": name, "q": filters.q}):
        raise ServiceError(
            _l("De naam of de zoekwoorden bevatten persoonsgegevens. Haal ze weg."),
            field="name",
        )
    count = db.session.scalar(
        select(func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if (count or 0) >= MAX_PER_USER:
        raise ServiceError(
            _l("U kunt hoogstens %(count)d zoekopdrachten bewaren.", count=MAX_PER_USER),
            field="name",
        )
    saved = SavedSearch(user_id=user.id, name=name, query=query, last_seen_at=utcnow())
    db.session.add(saved)
    db.session.commit()
    return saved


def saved_searches(user: User) -> list[SavedSearch]:
    """``user``'s saved searches by name."""
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(func.lower(SavedSearch.name), SavedSearch.id)
        )
    )


def own_search(search_id: int, user: User) -> SavedSearch | None:
    """The saved search when it is ``user``'s own."""
    saved = db.session.get(SavedSearch, search_id)
    return saved if saved is not None and saved.user_id == user.id else None


def _newest(filters: SearchFilters, user: User, kind: str, limit: int) -> list[int]:
    wanted = filters.values.get("soort") or list(KINDS)
    if {"signal": "knelpunt", "article": "artikel"}[kind] not in wanted:
        return []
    query = replace(filters.to_query(kinds=[kind]), sort="date", page=1)
    return search.matching_ids(query, viewer_tokens(user), limit)


def new_count(saved: SavedSearch, user: User, since: datetime | None = None) -> int:
    """How many results ``user`` may see now were added since ``since`` (default: the last
    visit); counted among the newest :data:`NEW_LIMIT` results."""
    since = since or saved.last_seen_at
    filters = filters_of(saved.query)
    count = 0
    signal_ids = _newest(filters, user, "signal", NEW_LIMIT)
    if signal_ids:
        count += db.session.scalar(
            select(func.count())
            .select_from(Signal)
            .where(Signal.id.in_(signal_ids), visible_clause(user), Signal.created_at > since)
        )
    article_ids = _newest(filters, user, "article", NEW_LIMIT)
    if article_ids:
        visible = visible_articles(user).where(
            Article.id.in_(article_ids), Article.created_at > since
        )
        count += db.session.scalar(select(func.count()).select_from(visible.subquery()))
    return int(count or 0)


def mark_seen(saved: SavedSearch) -> None:
    """The user opened the search: "nieuw" counts from now."""
    saved.last_seen_at = utcnow()
    db.session.commit()


def set_alert(saved: SavedSearch, on: bool) -> None:
    """Switch "e-mail bij nieuwe resultaten"; switching on starts counting from now."""
    if saved.alert != on:
        saved.alert = on
        if on:
            saved.last_alerted_at = utcnow()
        db.session.commit()


def delete_search(saved: SavedSearch) -> None:
    db.session.delete(saved)
    db.session.commit()


def alerts_due() -> list[tuple[SavedSearch, int]]:
    """Saved searches with the e-mail switch on and new results since their last alert.

    For the mail job: mail the user, then set ``last_alerted_at`` in the same transaction.
    """
    due = []
    for saved in db.session.scalars(select(SavedSearch).where(SavedSearch.alert.is_(True))):
        if not saved.user.is_active:
            continue
        count = new_count(saved, saved.user, since=saved.last_alerted_at or saved.created_at)
        if count:
            due.append((saved, count))
    return due


def send_alerts(now: datetime | None = None) -> int:
    """Queue one e-mail per saved search with new results (the worker runs this); each
    search's ``last_alerted_at`` moves in the same transaction. Returns the number queued."""
    from signalen.mail.services import mail_url, queue_mail

    now = now or utcnow()
    queued = 0
    for saved, count in alerts_due():
        context = {
            "user": saved.user,
            "name": saved.name,
            "count": count,
            "url": mail_url("savedsearches.open_search", search_id=saved.id),
            "list_url": mail_url("savedsearches.index"),
        }
        queue_mail(saved.user.email, "saved_search_alert", context)
        saved.last_alerted_at = now
        queued += 1
    db.session.commit()
    return queued


# Private feeds -----------------------------------------------------------------------------


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def has_feed_key(user: User) -> bool:
    return db.session.get(FeedKey, user.id) is not None


def new_feed_key(user: User) -> str:
    """A new secret for ``user``'s private feeds; the old addresses stop working at once.

    Only its hash is stored, so the key can be shown this once.
    """
    key = secrets.token_urlsafe(32)
    row = db.session.get(FeedKey, user.id)
    if row is None:
        db.session.add(FeedKey(user_id=user.id, key_hash=_hash(key), created_at=utcnow()))
    else:
        row.key_hash = _hash(key)
        row.created_at = utcnow()
    db.session.commit()
    return key


def revoke_feed_key(user: User) -> None:
    """End every private feed address of ``user``."""
    row = db.session.get(FeedKey, user.id)
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def user_for_key(key: str) -> User:
    """The user of a private feed key; FeedError 404 when unknown, 410 when the account
    no longer works."""
    row = db.session.scalar(select(FeedKey).where(FeedKey.key_hash == _hash(key)))
    if row is None:
        raise FeedError(
            404,
            _("Deze feed bestaat niet"),
            _("Dit feedadres klopt niet of is ingetrokken."),
        )
    if not row.user.is_active:
        raise FeedError(
            410,
            _("Deze feed bestaat niet meer"),
            _("Het account van dit feedadres is niet meer actief."),
        )
    return row.user


def private_stamps(filters: SearchFilters, user: User) -> list[Stamp]:
    """The newest results ``user`` may see now, newest first (signals and articles)."""
    limit = feeds.max_entries()
    stamps: list[tuple[datetime, Stamp]] = []
    signal_ids = _newest(filters, user, "signal", limit)
    if signal_ids:
        rows = db.session.execute(
            select(Signal.id, Signal.created_at, Signal.updated_at).where(
                Signal.id.in_(signal_ids), visible_clause(user)
            )
        )
        stamps += [(r.created_at, Stamp("signal", r.id, r.updated_at)) for r in rows]
    article_ids = _newest(filters, user, "article", limit)
    if article_ids:
        articles = db.session.scalars(visible_articles(user).where(Article.id.in_(article_ids)))
        stamps += [(a.created_at, Stamp("article", a.id, a.updated_at)) for a in articles]
    stamps.sort(key=lambda pair: (pair[0], pair[1].kind, pair[1].id), reverse=True)
    return [stamp for _when, stamp in stamps[:limit]]


def _private_entries(user: User):
    def load(stamps: list[Stamp]) -> list[feeds.FeedEntry]:
        signal_ids = [s.id for s in stamps if s.kind == "signal"]
        signals = {
            s.id: s
            for s in db.session.scalars(
                select(Signal).where(Signal.id.in_(signal_ids), visible_clause(user))
            )
        }
        article_ids = [s.id for s in stamps if s.kind == "article"]
        articles = {
            a.id: a
            for a in db.session.scalars(visible_articles(user).where(Article.id.in_(article_ids)))
        }
        entries = []
        for stamp in stamps:
            if stamp.kind == "signal" and stamp.id in signals:
                entries.append(feeds.signal_entry(signals[stamp.id]))
            elif stamp.kind == "article" and stamp.id in articles:
                entries.append(feeds.article_entry(articles[stamp.id]))
        return entries

    return load


def private_search_plan(key: str, args: MultiDict) -> FeedPlan:
    """The private feed of a search (``/feeds/prive/<key>/zoeken.atom?…``)."""
    user = user_for_key(key)
    filters = feeds.parse_search_args(args)
    query = feeds.canonical_query(filters)
    return FeedPlan(
        key=f"prive/{user.id}/zoeken?{query}",
        title=_("Zoeken naar %(search)s", search=feeds.describe_search(filters)),
        subtitle=_("Knelpunten en kennisartikelen die %(name)s mag zien.", name=user.name),
        html_url=external_url("infobank.search") + (f"?{query}" if query else ""),
        self_endpoint="savedsearches.private_search_feed",
        self_values={"key": key},
        self_query=query,
        stamps=private_stamps(filters, user),
        load_entries=_private_entries(user),
    )


def private_saved_plan(key: str, search_id: int) -> FeedPlan:
    """The private feed of one saved search of the key's user."""
    user = user_for_key(key)
    saved = own_search(search_id, user)
    if saved is None:
        raise FeedError(404, _("Deze feed bestaat niet"), _("Deze zoekopdracht bestaat niet."))
    filters = filters_of(saved.query)
    return FeedPlan(
        key=f"prive/{user.id}/zoekopdracht/{saved.id}",
        title=saved.name,
        subtitle=_("Zoeken naar %(search)s", search=feeds.describe_search(filters)),
        html_url=external_url("infobank.search") + (f"?{saved.query}" if saved.query else ""),
        self_endpoint="savedsearches.private_saved_feed",
        self_values={"key": key, "search_id": saved.id},
        self_query="",
        stamps=private_stamps(filters, user),
        load_entries=_private_entries(user),
    )
