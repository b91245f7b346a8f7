"""Sociale kaart: an HSDS 3.0 shaped directory with periodic verification and change requests."""

from __future__ import annotations

from flask import Flask

SETTINGS = {
    # Browse and search without logging in; False: only logged-in users.
    "DIRECTORY_PUBLIC": True,
    # "Meld een wijziging" per client IP.
    "DIRECTORY_CHANGE_RATE_LIMIT": "5 per 10 minutes;20 per day",
    # Tile server for the map, e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    # empty: no map and nothing loaded from elsewhere.
    "MAP_TILE_URL": "",
    "MAP_ATTRIBUTION": "",
    # Days before the review date that a service counts as "binnenkort".
    "DIRECTORY_DUE_SOON_DAYS": 30,
    # Mail settings (MAIL_SERVER, …): see signalen/mail.
}


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.audit.services import register_actions
    from signalen.directory import models  # noqa: F401 (tables in db.metadata)
    from signalen.directory.cli import review_reminders_command
    from signalen.directory.routes import bp
    from signalen.directory.search import register
    from signalen.directory.services import AUDIT_ACTIONS

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    _allow_map_tiles(app)
    app.register_blueprint(bp)
    from signalen.directory.hours import is_current, schedule_days

    app.jinja_env.globals["schedule_days"] = schedule_days
    app.jinja_env.tests["schedule_current"] = is_current
    app.cli.add_command(review_reminders_command)
    with app.app_context():
        register()
    register_actions(AUDIT_ACTIONS)


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
