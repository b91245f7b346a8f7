"""Subscriptions by e-mail, no account needed: "Volg per e-mail" next to every public feed."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Blueprint, settings and the worker's jobs: immediate, weekly, clean-up."""
    from huey import crontab

    from signalen.digests.services import published
    from signalen.mail.jobs import periodic
    from signalen.subscriptions import (
        models,
        services,
    )
    from signalen.subscriptions.routes import bp

    app.register_blueprint(bp)
    published.connect(services.digest_published)
    periodic(
        app,
        "subscriptions.immediately",
        crontab(minute="*/5"),
        lambda: services.send_new_entries(models.IMMEDIATELY),
    )
    periodic(
        app,
        "subscriptions.weekly",
        crontab(day_of_week="1", hour="7", minute="30"),
        lambda: services.send_new_entries(models.WEEKLY),
    )
    periodic(app, "subscriptions.purge", crontab(hour="3", minute="15"), services.purge_unconfirmed)
