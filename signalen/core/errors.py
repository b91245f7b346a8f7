"""Error pages in the site's layout, in Dutch, without stack traces."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from signalen.extensions import db

MESSAGES = {
    400: (
        _l("Verzoek niet begrepen"),
        _l("Wij konden uw verzoek niet lezen. Probeer het opnieuw."),
    ),
    403: (_l("Geen toegang"), _l("U heeft geen toegang tot deze pagina.")),
    404: (_l("Pagina niet gevonden"), _l("Deze pagina bestaat niet (meer). Controleer het adres.")),
    405: (_l("Dat kan hier niet"), _l("Deze actie is op deze pagina niet mogelijk.")),
    413: (
        _l("Te veel gegevens"),
        _l("U stuurde te veel gegevens tegelijk. Maak de tekst korter en probeer het opnieuw."),
    ),
    429: (
        _l("Te veel pogingen"),
        _l("U heeft het te vaak geprobeerd. Wacht een paar minuten en probeer het dan opnieuw."),
    ),
    500: (
        _l("Er ging iets mis"),
        _l("Er ging bij ons iets mis. Er is niets opgeslagen. Probeer het later opnieuw."),
    ),
}

CSRF_MESSAGE = (
    _l("Formulier verlopen"),
    _l(
        "Het formulier is verlopen of niet compleet verstuurd. Er is niets opgeslagen. "
        "Ga terug, laad de pagina opnieuw en probeer het nog eens."
    ),
)


def render_error(status: int, title, message):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    title, message = MESSAGES.get(status, (error.name, ""))
    # An error may carry its own Dutch message (as flask-smorest's ``abort(message=…)``).
    message = (getattr(error, "data", None) or {}).get("message") or message
    response = error.get_response()
    body, status = render_error(status, title, message)
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response


def handle_csrf_error(error: CSRFError):
    return render_error(400, *CSRF_MESSAGE)


def handle_internal_error(error: Exception):
    db.session.rollback()
    return render_error(500, *MESSAGES[500])


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    # Unhandled exceptions are logged by Flask and then reach this handler as a 500.
    app.register_error_handler(InternalServerError, handle_internal_error)


class ServiceError(Exception):
    """A rule of the domain was broken; ``message`` is shown to the user as is."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
