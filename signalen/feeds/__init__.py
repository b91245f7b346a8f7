"""Atom and RSS feeds of published digests, public signals and every public search."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.feeds.routes import bp
    from signalen.feeds.services import DEFAULT_MAX_ENTRIES, feed_links

    # Authority of the entries' tag: URIs; None = host of SERVER_NAME, else "signalen.local".
    # Set it once and never change it: readers would see every entry as new.
    app.config.setdefault("FEED_TAG_AUTHORITY", None)
    app.config.setdefault("FEED_MAX_ENTRIES", DEFAULT_MAX_ENTRIES)
    app.register_blueprint(bp)
    app.jinja_env.globals["feed_links"] = feed_links
