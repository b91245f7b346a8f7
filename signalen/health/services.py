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


def check_search() -> str:
    """ "ok", "degraded" while the index is being rebuilt, has outbox rows waiting or differs
    from the database (count or last change of a kind), or "error"."""
    from signalen.search import healing
    from signalen.search import services as search

    try:
        state = search.status()
        if state == "ok" and not healing.in_sync():
            return "degraded"
        return state
    except Exception:
        current_app.logger.exception("Health check: search unavailable")
        return "error"


def health() -> tuple[dict[str, str], bool]:
    """Return the status of every part and whether the site can serve (no part in error).

    A search index that is being rebuilt makes the site "degraded", not down.
    """
    parts = {
        "database": check_database(),
        "rate_limit_storage": check_rate_limit_storage(),
        "search": check_search(),
    }
    healthy = all(value in ("ok", "disabled", "degraded") for value in parts.values())
    degraded = any(value == "degraded" for value in parts.values())
    status = "error" if not healthy else "degraded" if degraded else "ok"
    return {"status": status, **parts, "search_engine": search_engine()}, healthy


def search_engine() -> str:
    """The search engine in use: "whoosh" or "postgresql" (``SEARCH_ENGINE``)."""
    from signalen.search import services as search

    try:
        return search.engine_name(current_app)
    except RuntimeError:
        return "error"
