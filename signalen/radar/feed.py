"""``/feeds/signaalradar.atom``: the public rises (counts only), one entry per rise and window.

An entry's id is ``tag:<authority>,<year>:signaalradar/<series>/<window start>/<weeks>``: the
same rise in the same window keeps its id while its count grows; next week's window is a new
entry. Rises a coordinator marked "bekend" or "geen signaal" are left out.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from signalen.feeds.services import FeedEntry, FeedPlan, Stamp, site_address, tag_uri
from signalen.radar import services


def radar_plan() -> FeedPlan:
    result = services.detect(viewer=None, words=False)
    window = result.window
    rises = {index: rise for index, rise in enumerate(result.rises)}
    stamps = [
        Stamp(f"radar:{rise.key}:{window.key}:{rise.recent}", index, rise.updated)
        for index, rise in rises.items()
    ]

    def load(selected: list[Stamp]) -> list[FeedEntry]:
        return [_entry(rises[stamp.id], result) for stamp in selected]

    return FeedPlan(
        key="signaalradar",
        title=_("%(site)s: signaalradar", site=site_address()),
        subtitle=_(
            "Knelpunten die de laatste weken bij meer organisaties tegelijk opvallend vaak "
            "gemeld worden."
        ),
        html_url=url_for("radar.public", _external=True),
        self_endpoint="radar.feed_view",
        self_values={},
        self_query="",
        stamps=stamps,
        load_entries=load,
    )


def _entry(rise: services.Rise, result: services.RadarResult) -> FeedEntry:
    window = result.window
    sentence = services.explain(rise, window.weeks)
    link = url_for("radar.public", datum=window.end.isoformat(), _external=True)
    return FeedEntry(
        tag=tag_uri(window.start, f"signaalradar/{quote(rise.key)}/{window.key}"),
        title=_("Opvallend: %(name)s", name=rise.name),
        link=f"{link}#{quote(rise.key)}",
        updated=rise.updated,
        published=rise.updated,
        summary=sentence,
        content=Markup("<p>{}</p><p>{}</p>").format(
            sentence, _("Weken: %(window)s.", window=services.window_label(window))
        ),
        categories=[rise.kind_label],
    )
