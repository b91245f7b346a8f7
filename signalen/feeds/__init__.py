"""Atom and RSS feeds of published digests, public signals and every public search."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.feeds.links import feed_links
    from signalen.feeds.routes import bp

    app.register_blueprint(bp)
    app.jinja_env.globals["feed_links"] = feed_links
    warn_about_default_authority(app)


def warn_about_default_authority(app: Flask) -> bool:
    """Warn at start when production runs without its own ``FEED_TAG_AUTHORITY``.

    The entries' ids then come from ``SERVER_NAME`` or ``signalen.local``; changing that
    later makes every reader show every entry again. Returns whether it warned.
    """
    from signalen.feeds.services import tag_authority

    if app.config.get("TESTING") or app.config.get("DEBUG"):
        return False
    if app.config.get("FEED_TAG_AUTHORITY"):
        return False
    with app.app_context():
        authority = tag_authority()
    app.logger.warning(
        "FEED_TAG_AUTHORITY is not set: feed entry ids use %r. Set it once to your own "
        "domain (for example SIGNALEN_FEED_TAG_AUTHORITY=signalen.example.nl) and never "
        "change it, or feed readers show every entry as new.",
        authority,
    )
    return True
