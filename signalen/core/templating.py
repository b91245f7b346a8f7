"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from flask import Flask, current_app, request
from flask_babel import format_date, get_locale

from signalen.core.dates import local_moment
from signalen.core.pagination import PAGE_ARG


def human_date(value: date | datetime | None, pattern: str = "long") -> str:
    """A day for people in the site's language: "3 december 2026" (a moment: its Dutch day).

    ``pattern`` is a Babel pattern for the few places that need another form (a weekday)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_moment(value).date()
    return format_date(value, pattern)


def local_datetime(value: datetime | None) -> str:
    """A moment (naive means UTC) for people, in Dutch time: "3 december 2026, 07:41"."""
    if value is None:
        return ""
    local = local_moment(value)
    return f"{human_date(local.date())}, {local:%H:%M}"


def page_url(page: int) -> str:
    """The current URL with another page number, keeping every filter."""
    args = request.args.to_dict(flat=False)
    args[PAGE_ARG] = [str(page)]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["format_date"] = human_date
    app.jinja_env.globals["page_url"] = page_url

    @app.context_processor
    def site_globals():
        return {
            "site_name": current_app.config["SITE_NAME"],
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
        }
