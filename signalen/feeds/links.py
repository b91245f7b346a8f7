"""Links to feeds: autodiscovery ``<link rel="alternate">`` for pages, and the feeds page's
addresses (a feed per theme, agency or gemeente, chosen in a form)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from signalen.core.validation import parse_id
from signalen.feeds.services import (
    FORMATS,
    FeedError,
    FeedPlan,
    agency_plan,
    canonical_query,
    municipality_plan,
    theme_plan,
)
from signalen.infobank.filters import SearchFilters
from signalen.search import services as search


@dataclass(frozen=True)
class FeedLink:
    """One ``<link rel="alternate">`` for a page's ``<head>`` (or a visible link)."""

    type: str
    title: str
    href: str


def feed_links(name: str, filters: SearchFilters | None = None, **values) -> list[FeedLink]:
    """Atom and RSS links of a feed, for templates: ``feed_links("digests")``,
    ``feed_links("zoeken", filters)``, ``feed_links("thema", theme_id=3)``,
    ``feed_links("uitvoerder", agency_id=1)``, ``feed_links("gemeente", code="GM0363")``."""
    endpoints = {
        "digests": ("feeds.digests", _("Signaleringsrapportages")),
        "zoeken": ("feeds.search", _("Deze zoekopdracht")),
        "thema": ("feeds.theme", _("Knelpunten over dit thema")),
        "uitvoerder": ("feeds.agency", _("Knelpunten bij deze uitvoerder")),
        "gemeente": ("feeds.municipality", _("Knelpunten in deze gemeente")),
    }
    endpoint, label = endpoints[name]
    query = ""
    if name == "zoeken" and filters is not None:
        maximum = search.max_query_length()
        if len(filters.q) > maximum:
            return []
        query = canonical_query(filters)
    links = []
    for fmt, kind in (("atom", "Atom"), ("rss", "RSS")):
        href = url_for(endpoint, fmt=fmt, **values) + (f"?{query}" if query else "")
        links.append(FeedLink(FORMATS[fmt].split(";")[0], f"{label} ({kind})", href))
    return links


# The feeds page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedAddress:
    """A feed on the feeds page: its name and full Atom and RSS addresses."""

    key: str
    title: str
    atom: str
    rss: str


def feed_address(key: str, title: str, endpoint: str, query: str = "", **values) -> FeedAddress:
    """The full addresses of one feed, to copy into a feed reader."""
    suffix = f"?{query}" if query else ""
    atom, rss = (url_for(endpoint, fmt=fmt, _external=True, **values) + suffix for fmt in FORMATS)
    return FeedAddress(key, title, atom, rss)


def _chosen_id(args: MultiDict, name: str) -> int | None:
    return parse_id((args.get(name) or "").strip())


def _chosen_code(args: MultiDict, name: str) -> str | None:
    return (args.get(name) or "").strip()[:20] or None


FEED_CHOICES: tuple[tuple[str, Callable[[MultiDict, str], Any], Callable[[Any], FeedPlan]], ...] = (
    ("thema", _chosen_id, theme_plan),
    ("uitvoerder", _chosen_id, agency_plan),
    ("gemeente", _chosen_code, municipality_plan),
)


def chosen_feeds(args: MultiDict) -> list[FeedAddress]:
    """The feeds a visitor chose on the feeds page (``?thema=3&uitvoerder=1&gemeente=0344``);
    unknown choices are left out."""
    chosen = []
    for name, parse, make_plan in FEED_CHOICES:
        value = parse(args, name)
        if value is None:
            continue
        try:
            plan = make_plan(value)
        except FeedError:
            continue
        chosen.append(FeedAddress(name, plan.title, plan.self_url("atom"), plan.self_url("rss")))
    return chosen
