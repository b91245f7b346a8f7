"""The overview: how many knelpunten per theme, agency and month, as SVG charts and tables."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint on ``app``."""
    from signalen.dashboard.routes import bp

    app.register_blueprint(bp)
