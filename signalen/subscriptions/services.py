"""Subscriptions: validate the feed, double opt-in, manage, unsubscribe, and the mails.

A subscription follows one of the site's public feeds. New entries go out right away (the
worker checks every few minutes) or in a weekly bundle; a published digest goes out to the
subscribers of the digest feed in the transaction that publishes it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from signalen.auth.services import normalise_email
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.urls import site_base_url
from signalen.extensions import db
from signalen.feeds import services as feeds
from signalen.feeds.services import FeedEntry, FeedError, FeedPlan
from signalen.mail.services import mail_url, queue_mail
from signalen.subscriptions.models import FREQUENCIES, IMMEDIATELY, WEEKLY, Subscription

DIGEST_FEED = "/feeds/digests.atom"
FEED_MAX_LENGTH = 1000
# A new confirmation mail to the same address for the same feed at most this often.
CONFIRMATION_INTERVAL = timedelta(minutes=10)
# Unconfirmed subscriptions are deleted after this long.
UNCONFIRMED_DAYS = 7
MAX_ITEMS = 20

# Feed endpoints one may subscribe to, and how to build their plan from the URL's values.
PLANS: dict[str, Callable[[dict, MultiDict], FeedPlan]] = {
    "feeds.digests": lambda values, args: feeds.digests_plan(),
    "feeds.theme": lambda values, args: feeds.theme_plan(values["theme_id"]),
    "feeds.agency": lambda values, args: feeds.agency_plan(values["agency_id"]),
    "feeds.municipality": lambda values, args: feeds.municipality_plan(values["code"]),
    "feeds.search": lambda values, args: feeds.search_plan(args),
}


@dataclass
class Feed:
    """A public feed of this site: its canonical address, title and plan."""

    address: str
    title: str
    plan: FeedPlan


def resolve_feed(address: str) -> Feed:
    """The public feed at ``address`` (a path or an absolute URL of this site).

    Raises ServiceError (field ``feed``) for anything else: another site, a page that is
    not a feed, a theme that does not exist, a search that is not valid.
    """
    wrong = ServiceError(_l("Dit is geen openbare feed van deze site."), field="feed")
    address = (address or "").strip()
    if not address or len(address) > FEED_MAX_LENGTH:
        raise wrong
    try:
        parts = urlsplit(address)
        query = _parse_query(parts.query)
    except ValueError as error:  # e.g. "http://[" (not a valid address)
        raise wrong from error
    if parts.scheme or parts.netloc:
        base = urlsplit(site_base_url() or "")
        own = parts.scheme in ("http", "https") and parts.netloc in (base.netloc, _request_host())
        if not own:
            raise wrong
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, values = adapter.match(parts.path or "/", method="GET")
    except HTTPException as error:
        raise wrong from error
    make = PLANS.get(endpoint)
    if make is None:
        raise wrong
    args = MultiDict(query)
    try:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "nl"):
            plan = make(values, args)
    except FeedError as error:
        raise wrong from error
    values = {**values, "fmt": "atom"}
    path = url_for(endpoint, **values)
    canonical = f"{path}?{plan.self_query}" if plan.self_query else path
    return Feed(canonical, plan.title[:300], plan)


def _has_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def _request_host() -> str:
    from flask import request

    return request.host if _has_request() else ""


def _parse_query(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


def _links(subscription: Subscription) -> dict[str, str]:
    return {
        "manage_url": mail_url("subscriptions.manage", token=subscription.token),
        "unsubscribe_url": mail_url("subscriptions.unsubscribe", token=subscription.token),
    }


def _list_headers(subscription: Subscription) -> dict[str, str]:
    """RFC 2369 / RFC 8058: one-click unsubscribe for mail programs."""
    return {
        "List-Unsubscribe": f"<{_links(subscription)['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def subscribe(email: str, feed_address: str, frequency: str, locale: str) -> Subscription | None:
    """Start (or repeat) the double opt-in; the caller commits.

    Returns the subscription, or None when a confirmation mail went to this address for
    this feed a moment ago (the answer to the visitor is the same either way).
    """
    address = normalise_email(email)
    feed = resolve_feed(feed_address)
    if frequency not in FREQUENCIES:
        frequency = IMMEDIATELY
    subscription = db.session.scalar(
        select(Subscription).where(Subscription.email == address, Subscription.feed == feed.address)
    )
    now = utcnow()
    if subscription is None:
        subscription = Subscription(
            email=address,
            feed=feed.address,
            feed_title=feed.title,
            token=secrets.token_urlsafe(32),
            frequency=frequency,
            locale=locale,
            created_at=now,
            confirmation_sent_at=now,
            checked_at=now,
        )
        db.session.add(subscription)
    elif now - subscription.confirmation_sent_at < CONFIRMATION_INTERVAL:
        return None
    else:
        subscription.confirmation_sent_at = now
        if not subscription.is_confirmed:
            subscription.frequency = frequency
    queue_mail(
        address,
        "subscription_confirm",
        {
            "feed_title": subscription.feed_title,
            "confirm_url": mail_url("subscriptions.confirm", token=subscription.token),
            "confirmed": subscription.is_confirmed,
            **_links(subscription),
        },
        locale=locale,
    )
    return subscription


def by_token(token: str) -> Subscription | None:
    """The subscription with this secret token, if any."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Subscription).where(Subscription.token == token))


def confirm(subscription: Subscription) -> None:
    """The address owner confirmed: mails start with entries published from now on."""
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
        subscription.checked_at = utcnow()
    db.session.commit()


def subscriptions_of(subscription: Subscription) -> list[Subscription]:
    """Every subscription of the same address (for the manage page)."""
    query = select(Subscription).where(Subscription.email == subscription.email)
    return list(db.session.scalars(query.order_by(Subscription.feed_title, Subscription.id)))


def set_frequency(subscription: Subscription, frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ServiceError(_l("Kies direct of één keer per week."), field="frequency")
    subscription.frequency = frequency
    db.session.commit()


def unsubscribe(subscription: Subscription) -> None:
    """Delete the subscription (and with the last one, the address)."""
    db.session.delete(subscription)
    db.session.commit()


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete subscriptions that were never confirmed within ``UNCONFIRMED_DAYS``."""
    cutoff = (now or utcnow()) - timedelta(days=UNCONFIRMED_DAYS)
    old = db.session.scalars(
        select(Subscription).where(
            Subscription.confirmed_at.is_(None), Subscription.created_at < cutoff
        )
    ).all()
    for subscription in old:
        db.session.delete(subscription)
    db.session.commit()
    return len(old)


# Sending ----------------------------------------------------------------------------------


def _confirmed(feed: str | None = None, frequency: str | None = None):
    query = select(Subscription).where(Subscription.confirmed_at.is_not(None))
    if feed is not None:
        query = query.where(Subscription.feed == feed)
    if frequency is not None:
        query = query.where(Subscription.frequency == frequency)
    return db.session.scalars(query.order_by(Subscription.id)).all()


def queue_digest_published(digest) -> int:
    """Mail the published ``digest`` to every confirmed subscriber of the digest feed, in
    the publishing transaction (the caller commits). Returns how many were queued."""
    from signalen.digests.services import digest_summary_text

    summary = digest_summary_text(digest)
    link = mail_url("digests.show", digest_id=digest.id)
    now = utcnow()
    count = 0
    for subscription in _confirmed(DIGEST_FEED):
        queue_mail(
            subscription.email,
            "subscription_digest",
            {"title": digest.title, "summary": summary, "link": link, **_links(subscription)},
            locale=subscription.locale,
            headers=_list_headers(subscription),
        )
        subscription.checked_at = now
        count += 1
    return count


def new_entries(subscription: Subscription, feed: Feed) -> list[FeedEntry]:
    """Entries of ``feed`` published after the subscriber last heard from us."""
    since = subscription.checked_at
    stamps = [stamp for stamp in feed.plan.stamps if stamp.updated > since]
    entries = feed.plan.load_entries(stamps) if stamps else []
    return [entry for entry in entries if entry.published > since][:MAX_ITEMS]


def send_new_entries(frequency: str) -> int:
    """Queue one mail per confirmed subscription with ``frequency`` that has new entries
    (not the digest feed: publishing sends those). Commits; returns the mails queued."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/") or "http://localhost"
    with current_app.test_request_context(base_url=base):
        count = _send_new_entries(frequency)
    db.session.commit()
    return count


def _send_new_entries(frequency: str) -> int:
    count = 0
    plans: dict[str, Feed | None] = {}
    now = utcnow()
    for subscription in _confirmed(frequency=frequency):
        if subscription.feed == DIGEST_FEED:
            continue
        if subscription.feed not in plans:
            try:
                plans[subscription.feed] = resolve_feed(subscription.feed)
            except ServiceError:
                plans[subscription.feed] = None  # the theme is gone: nothing new
        feed = plans[subscription.feed]
        entries = new_entries(subscription, feed) if feed else []
        subscription.checked_at = now
        if not entries:
            continue
        queue_mail(
            subscription.email,
            "subscription_items",
            {
                "feed_title": subscription.feed_title,
                "entries": entries,
                "weekly": frequency == WEEKLY,
                **_links(subscription),
            },
            locale=subscription.locale,
            headers=_list_headers(subscription),
        )
        count += 1
    return count


def digest_published(digest: Any) -> None:
    """Receiver of ``digests.services.published``: mail the digest feed's subscribers."""
    queue_digest_published(digest)
