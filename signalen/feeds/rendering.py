"""Writing a feed: Atom or RSS bytes from a :class:`~.services.FeedPlan`, with the browser
stylesheet."""

from __future__ import annotations

from feedgen.feed import FeedGenerator
from flask import current_app, url_for
from markupsafe import escape

from signalen.core.validation import xml_safe
from signalen.feeds.services import FORMATS, FeedPlan, feed_tag, site_address


def render(plan: FeedPlan, fmt: str) -> bytes:
    """The feed document of ``plan`` in ``fmt`` ("atom" or "rss").

    Every text goes through ``xml_safe``: a character XML forbids (refused at input, but
    perhaps stored before that rule) can never break a feed."""
    generator = FeedGenerator()
    generator.id(feed_tag(plan.key))
    generator.title(xml_safe(plain_title(plan.title, fmt)))
    generator.subtitle(xml_safe(plan.subtitle))  # also the RSS <description>
    generator.author({"name": site_address()})
    generator.link(href=xml_safe(plan.self_url(fmt)), rel="self", type=FORMATS[fmt].split(";")[0])
    # Added last, so it is also the RSS <link> (the page the feed belongs to).
    generator.link(href=xml_safe(plan.html_url), rel="alternate", type="text/html")
    generator.language(_language())
    generator.generator(site_address())
    generator.updated(plan.updated)
    for entry in plan.load_entries(plan.stamps):
        item = generator.add_entry(order="append")
        item.id(entry.tag)  # also the RSS <guid isPermaLink="false">
        item.title(xml_safe(plain_title(entry.title, fmt)))
        item.link(href=xml_safe(entry.link), rel="alternate", type="text/html")
        item.updated(entry.updated)
        item.published(entry.published)
        # HTML-escaped, so RSS readers (which read <description> as HTML) show it as written.
        item.summary(xml_safe(str(escape(entry.summary))), type="html")
        item.content(xml_safe(str(entry.content)), type="html")
        for category in entry.categories:
            item.category(term=xml_safe(category), label=xml_safe(category))
    document = (
        generator.atom_str(pretty=False) if fmt == "atom" else generator.rss_str(pretty=False)
    )
    return with_stylesheet(document, fmt)


def with_stylesheet(document: bytes, fmt: str) -> bytes:
    """``document`` with an XSLT stylesheet after the XML declaration, so a browser shows a
    readable page instead of raw XML; feed readers ignore it."""
    href = url_for("static", filename=f"feeds/{fmt}.xsl")
    instruction = f'<?xml-stylesheet type="text/xsl" href="{escape(href)}"?>'.encode()
    end = document.index(b"?>") + 2 if document.startswith(b"<?xml") else 0
    return document[:end] + b"\n" + instruction + document[end:]


# RSS readers often read <title> as HTML once the XML is decoded; these stand in for the
# angle brackets, so a title shows as typed and never becomes markup.
RSS_TITLE_CHARACTERS = str.maketrans({"<": "\u2039", ">": "\u203a"})


def plain_title(title: str, fmt: str) -> str:
    """A title that stays plain text in every reader (Atom titles are text already)."""
    if fmt == "rss":
        return str(title).translate(RSS_TITLE_CHARACTERS)
    return str(title)


def _language() -> str:
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "nl")
