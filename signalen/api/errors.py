"""Errors of the API as ``application/problem+json`` (RFC 9457) with Dutch texts."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from signalen.extensions import db

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: _l("Verzoek niet begrepen"),
    401: _l("Niet aangemeld"),
    403: _l("Geen toegang"),
    404: _l("Niet gevonden"),
    405: _l("Methode niet toegestaan"),
    406: _l("Niet aanvaardbaar"),
    409: _l("Conflict"),
    413: _l("Te veel gegevens"),
    415: _l("Verkeerd soort inhoud"),
    422: _l("Gegevens kloppen niet"),
    429: _l("Te veel verzoeken"),
    500: _l("Er ging iets mis"),
    503: _l("Tijdelijk niet beschikbaar"),
}
DETAILS = {
    400: _l("Het verzoek kon niet worden gelezen."),
    401: _l(
        "Stuur een geldige API-sleutel mee: 'Authorization: Bearer <sleutel>'. "
        "Een coördinator maakt sleutels onder Beheer › API-sleutels."
    ),
    403: _l("Deze API-sleutel mag dit niet."),
    404: _l("Dit bestaat niet, of deze API-sleutel mag het niet zien."),
    405: _l("Deze methode kan niet op dit adres."),
    413: _l("Het verzoek is te groot. Maak de tekst korter."),
    415: _l("Stuur de gegevens als JSON met 'Content-Type: application/json'."),
    422: _l("Een of meer velden kloppen niet; er is niets opgeslagen."),
    429: _l("Te veel verzoeken met deze sleutel. Wacht even en probeer het dan opnieuw."),
    500: _l("Er ging bij ons iets mis. Er is niets opgeslagen. Probeer het later opnieuw."),
}
INVALID_JSON = _l("De inhoud is geen geldige JSON.")


def plain(value: Any) -> Any:
    """Lazy strings and nested messages as plain JSON values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def problem(
    status: int,
    detail: Any = None,
    *,
    title: Any = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem+json response."""
    body = {
        "type": type_,
        "title": str(title or TITLES.get(status, _l("Fout"))),
        "status": status,
        "detail": str(detail or DETAILS.get(status, TITLES.get(status, ""))),
        **{key: plain(value) for key, value in extra.items() if value is not None},
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _webargs_errors(messages: Any) -> tuple[dict[str, Any], bool]:
    """Flatten webargs' {"json": {...}, "query": {...}} messages; True for invalid JSON."""
    errors: dict[str, Any] = {}
    invalid_json = False
    if not isinstance(messages, dict):
        return {"_": plain(messages)}, False
    for location, found in messages.items():
        if location == "json" and isinstance(found, list) and found:
            invalid_json = True
            continue
        if isinstance(found, dict):
            for name, message in found.items():
                key = "_" if name == "_schema" else str(name)
                errors[key] = plain(message)
        else:
            errors[str(location)] = plain(found)
    return errors, invalid_json


def http_problem(error: HTTPException) -> Response:
    """Any HTTP error raised while handling an API request, as problem+json."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    detail = None
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="signalen"'
    if "messages" in data:
        errors, invalid_json = _webargs_errors(data["messages"])
        if invalid_json:
            status, detail = 400, INVALID_JSON
        if errors:
            extra["errors"] = errors
    headers.update(data.get("headers") or {})
    if status == 429:
        limit = getattr(error, "limit", None)
        if limit is not None:
            extra["limiet"] = str(limit.limit)
    if "message" in data:
        detail = data["message"]
    if status >= 500:
        db.session.rollback()
    response = problem(status, detail, headers=headers, **extra)
    # Keep the rate-limit headers the limiter attaches to its own response.
    original = error.get_response() if status == 429 else None
    if original is not None:
        for name, value in original.headers.items():
            if name.lower().startswith(("x-ratelimit", "retry-after")):
                response.headers[name] = value
    return response


def internal_problem(error: Exception) -> Response:
    db.session.rollback()
    return problem(500)
