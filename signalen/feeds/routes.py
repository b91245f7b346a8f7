"""Feed views: build the plan, answer a conditional GET with 304, else render the feed."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from signalen.core.errors import render_error
from signalen.feeds import links, rendering, services
from signalen.feeds.services import FORMATS, FeedError, FeedPlan
from signalen.taxonomy import services as taxonomy
from signalen.taxonomy.models import Agency, Municipality

bp = Blueprint("feeds", __name__)

FORMAT = "<any(atom, rss):fmt>"
# Caches may keep a feed but must ask again each time; the 304 answer is cheap.
CACHE_CONTROL = "public, no-cache"
PRIVATE_CACHE_CONTROL = "private, no-cache"


def _not_modified(etag: str, last_modified) -> bool:
    """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return since is not None and last_modified.replace(microsecond=0) <= since


def serve(make_plan: Callable[[], FeedPlan], fmt: str) -> Response:
    """The feed, or 304 when the reader has it already, or a Dutch 4xx/503 page."""
    # Feeds are the same for everyone: always the site's language, never a visitor's cookie.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "nl"):
        try:
            plan = make_plan()
        except FeedError as error:
            body, status = render_error(error.status, error.title, error.message)
            response = Response(body, status=status, content_type="text/html; charset=utf-8")
            if status == 503:
                response.headers["Retry-After"] = "120"
            return response
        etag = plan.etag(fmt)
        last_modified = plan.updated
        if _not_modified(etag, last_modified):
            response = Response(status=304)
        else:
            response = Response(rendering.render(plan, fmt), content_type=FORMATS[fmt])
    response.set_etag(etag)
    response.last_modified = last_modified
    # A visitor with cookies may get a session cookie back: keep that out of shared caches.
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL if request.cookies else CACHE_CONTROL
    return response


@bp.get("/feeds")
def index():
    """What a feed is, and the address of every feed to copy into a feed reader."""
    return render_template(
        "feeds/index.html",
        digests=links.feed_address("digests", _("Signaleringsrapportages"), "feeds.digests"),
        radar=links.feed_address("signaalradar", _("Signaalradar"), "radar.feed_view"),
        example=links.feed_address(
            "zoeken", _("Zoekopdracht 'toeslag'"), "feeds.search", query="q=toeslag"
        ),
        chosen=links.chosen_feeds(request.args),
        themes=taxonomy.theme_choices(),
        agencies=[(str(agency.id), agency.name) for agency in taxonomy.active(Agency)],
        municipalities=[(m.code, m.name) for m in taxonomy.active(Municipality)],
    )


@bp.get(f"/feeds/digests.{FORMAT}")
def digests(fmt: str):
    return serve(services.digests_plan, fmt)


@bp.get(f"/feeds/thema/<int:theme_id>.{FORMAT}")
def theme(theme_id: int, fmt: str):
    return serve(lambda: services.theme_plan(theme_id), fmt)


@bp.get(f"/feeds/uitvoerder/<int:agency_id>.{FORMAT}")
def agency(agency_id: int, fmt: str):
    return serve(lambda: services.agency_plan(agency_id), fmt)


@bp.get(f"/feeds/gemeente/<code>.{FORMAT}")
def municipality(code: str, fmt: str):
    return serve(lambda: services.municipality_plan(code), fmt)


@bp.get(f"/zoeken.{FORMAT}")
def search(fmt: str):
    return serve(lambda: services.search_plan(request.args), fmt)
