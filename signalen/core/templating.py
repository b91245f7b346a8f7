"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, get_locale

from signalen.core.pagination import PAGE_ARG


def local_datetime(value: datetime | None, style: str = "medium") -> str:
    """A UTC timestamp shown in the site's time zone and language."""
    return format_datetime(value, style) if value else ""


def page_url(page: int) -> str:
    """The current URL with another page number, keeping every filter."""
    args = request.args.to_dict(flat=False)
    args[PAGE_ARG] = [str(page)]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.globals["page_url"] = page_url

    @app.context_processor
    def site_globals():
        return {
            "site_name": current_app.config["SITE_NAME"],
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
        }
