"""Sociale kaart: an HSDS 3.0 shaped directory with periodic verification and change requests."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from flask import current_app
    from huey import crontab

    from signalen.audit.services import register_actions
    from signalen.core.dates import local_today
    from signalen.directory import models  # noqa: F401 (tables in db.metadata)
    from signalen.directory.cli import review_reminders_command
    from signalen.directory.indexing import register
    from signalen.directory.reminders import send_reminders
    from signalen.directory.routes import bp
    from signalen.directory.services.common import AUDIT_ACTIONS
    from signalen.mail.jobs import periodic
    from signalen.privacy.services import register_public_contacts

    _allow_map_tiles(app)
    app.register_blueprint(bp)
    from signalen.directory.hours import is_current, schedule_days

    app.jinja_env.globals["schedule_days"] = schedule_days
    app.jinja_env.tests["schedule_current"] = is_current
    app.cli.add_command(review_reminders_command)
    periodic(
        app,
        "review_reminders",
        crontab(day_of_week="1", hour="6", minute="0"),
        lambda: send_reminders(local_today(), current_app.logger.info),
    )
    with app.app_context():
        register()
    register_actions(AUDIT_ACTIONS)
    register_public_contacts(app, _public_contacts)


def _allow_map_tiles(app: Flask) -> None:
    """With a tile server configured, its host is allowed in the CSP ``img-src``."""
    from urllib.parse import urlsplit

    tile_url = app.config.get("MAP_TILE_URL") or ""
    if not tile_url:
        return
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    host = parts.netloc
    if "{s}" in tile_url:
        host = urlsplit(tile_url).netloc.replace("{s}", "*")
    extra = list(app.config.get("CSP_EXTRA_IMG_SRC") or [])
    source = f"{parts.scheme}://{host}"
    if source not in extra:
        extra.append(source)
    app.config["CSP_EXTRA_IMG_SRC"] = extra


def _public_contacts() -> tuple[list[str], list[str]]:
    """The phone numbers and e-mail addresses of organisations, services and locations on the
    sociale kaart: public, so the privacy guard lets them through. Those of contact persons
    are left out: they are personal."""
    import sqlalchemy as sa

    from signalen.directory.models import Location, Organization, Phone, Service
    from signalen.extensions import db

    numbers = list(db.session.scalars(sa.select(Phone.number).where(Phone.contact_id.is_(None))))
    addresses: list[str] = []
    for model in (Organization, Service, Location):
        column = getattr(model, "email", None)
        if column is not None:
            addresses.extend(e for e in db.session.scalars(sa.select(column)) if e)
    return numbers, addresses
