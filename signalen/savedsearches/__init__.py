"""Mijn zoekopdrachten: saved searches of the informatiebank and private feeds."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's tables and blueprint on ``app``."""
    from huey import crontab

    from signalen.mail.jobs import periodic
    from signalen.savedsearches import models  # noqa: F401 (tables in the metadata)
    from signalen.savedsearches.routes import bp
    from signalen.savedsearches.services import send_alerts

    app.register_blueprint(bp)
    periodic(app, "savedsearches.alerts", crontab(minute="*/15"), send_alerts)
