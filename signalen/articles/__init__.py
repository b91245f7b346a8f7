"""Kennisartikelen: vetted information for helpdesks, written in Markdown."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint and search source on ``app``."""
    from signalen.articles import indexing
    from signalen.articles.routes import bp

    app.register_blueprint(bp)
    indexing.register(app)
