"""``/healthz``: is the site and what it depends on working?"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint on ``app``."""
    from signalen.health.routes import bp

    app.register_blueprint(bp)
