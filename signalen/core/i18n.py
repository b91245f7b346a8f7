"""Language choice: Dutch unless the visitor picked another shipped language."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, url_for

from signalen.core.security import safe_next_url

LANGUAGE_COOKIE = "signalen_taal"

bp = Blueprint("i18n", __name__)


def init_app(app: Flask) -> None:
    """Register the language choice page (``/taal/<code>``)."""
    app.register_blueprint(bp)


def select_locale() -> str:
    """The chosen language from the cookie, else the default (Dutch, also on the CLI)."""
    choice = request.cookies.get(LANGUAGE_COOKIE) if has_request_context() else None
    if choice in current_app.config["LANGUAGES"]:
        return choice
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@bp.get("/taal/<code>")
def choose_language(code: str):
    target = safe_next_url(request.args.get("next")) or url_for("home.index")
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response
