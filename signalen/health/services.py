"""Checks of the parts the site needs, for monitoring."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from signalen.extensions import db, limiter


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except Exception:  # any failure means the database is down for us
        db.session.rollback()
        current_app.logger.exception("Health check: database unavailable")
        return "error"
    return "ok"


def check_rate_limit_storage() -> str:
    if not current_app.config["RATELIMIT_ENABLED"]:
        return "disabled"
    try:
        return "ok" if limiter.storage.check() else "error"
    except Exception:
        current_app.logger.exception("Health check: rate limit storage unavailable")
        return "error"


def health() -> tuple[dict[str, str], bool]:
    """Return the status of every part and whether all are healthy."""
    parts = {"database": check_database(), "rate_limit_storage": check_rate_limit_storage()}
    healthy = all(value in ("ok", "disabled") for value in parts.values())
    return {"status": "ok" if healthy else "error", **parts}, healthy
