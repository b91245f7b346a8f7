"""Beheer pages: organisations, users and the audit log."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint on ``app``."""
    from signalen.admin.routes import bp

    app.register_blueprint(bp)
