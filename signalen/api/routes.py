"""The JSON API under /api/v1: thin views; the logic lives in :mod:`signalen.api.services`."""

from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from signalen.api import errors, services
from signalen.api.schemas import (
    ArticleListSchema,
    ArticleSchema,
    PagingArgsSchema,
    ProblemSchema,
    SignalCheckSchema,
    SignalCreatedSchema,
    SignalInputSchema,
    SignalListArgsSchema,
    SignalListSchema,
    SignalSchema,
    TaxonomiesSchema,
)
from signalen.articles import services as articles
from signalen.core.errors import ServiceError
from signalen.extensions import db, limiter
from signalen.infobank.filters import SearchFilters

URL_PREFIX = "/api/v1"
# Ids are 32-bit integers in the database; larger ones cannot exist.
MAX_ID = 2**31 - 1

bp = Blueprint(
    "api",
    __name__,
    url_prefix=URL_PREFIX,
    description="Knelpunten, indelingen en kennisartikelen.",
)


def _problem_doc(status: int, description: str) -> dict:
    return {
        "schema": ProblemSchema,
        "content_type": errors.PROBLEM_TYPE,
        "description": description,
    }


PERSONAL_DATA_TYPE = "/api/v1/docs#persoonsgegevens"


# Authentication, scope, caching ----------------------------------------------------------


def bearer_token() -> str | None:
    """The token in ``Authorization: Bearer <token>`` (never a cookie)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_key() -> str:
    """Rate-limit key: the token's hash (an unknown token is limited on its own)."""
    token = bearer_token()
    return "api:" + (services.hash_token(token) if token else request.remote_addr or "-")


def write_limit() -> str:
    return current_app.config["API_WRITE_RATE_LIMIT"]


@bp.before_request
def authenticate():
    if request.method == "OPTIONS":
        return None
    token = bearer_token()
    principal = services.authenticate(token) if token else None
    if principal is None:
        return errors.problem(
            401,
            _l("Deze API-sleutel is onbekend of ingetrokken.") if token else None,
            headers={"WWW-Authenticate": 'Bearer realm="signalen"'},
        )
    g.api_principal = principal
    if request.method not in ("GET", "HEAD") and not principal.can_write:
        return errors.problem(403, _l("Deze API-sleutel mag alleen lezen."))
    if request.method == "POST" and not request.is_json:
        return errors.problem(415)
    return None


@bp.after_request
def conditional_get(response):
    """ETag on every successful GET; a matching If-None-Match gives 304 without a body."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    return response


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    return errors.http_problem(error)


@bp.errorhandler(InternalServerError)
def handle_internal_error(error: InternalServerError):
    return errors.internal_problem(error)


def principal() -> services.ApiPrincipal:
    return g.api_principal


# Signals -------------------------------------------------------------------------------


def _filters(args: dict) -> SearchFilters:
    """The validated query as the search page's filter object (same names, same rules)."""
    pairs = MultiDict()
    for name, value in args.items():
        if name == "per_pagina":
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.add(name, item.isoformat() if hasattr(item, "isoformat") else str(item))
    return SearchFilters.from_args(pairs)


@bp.route("/signals", methods=["GET"], endpoint="signals_list")
@bp.arguments(SignalListArgsSchema, location="query", as_kwargs=True)
@bp.response(200, SignalListSchema)
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
@bp.alt_response(503, **_problem_doc(503, "De zoekindex wordt opnieuw opgebouwd."))
def list_signals(**args):
    """Knelpunten zoeken en filteren

    Dezelfde filters als de zoekpagina /zoeken (q, thema, regeling, uitvoerder, gemeente,
    organisatie, status, impact, periode, van, tot, sorteer, pagina), alleen knelpunten die
    deze sleutel mag zien, met facetten (aantallen per waarde) en het totaal.
    """
    filters = _filters(args)
    try:
        return services.list_signals(filters, principal(), args["per_pagina"])
    except ServiceError as error:
        too_long = len(filters.q) > current_app.config.get("SEARCH_MAX_QUERY_LENGTH", 200)
        return errors.problem(400 if too_long else 503, error.message)


@bp.route("/signals", methods=["POST"], endpoint="signals_create")
@limiter.limit(write_limit, key_func=token_key)
@bp.arguments(SignalInputSchema)
@bp.response(201, SignalCreatedSchema, headers={"Location": {"schema": {"type": "string"}}})
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
@bp.alt_response(403, **_problem_doc(403, "De sleutel mag alleen lezen."))
@bp.alt_response(
    422,
    **_problem_doc(
        422,
        "Velden kloppen niet (errors), of de tekst bevat persoonsgegevens "
        "(persoonsgegevens, met soort en positie). Er is niets opgeslagen.",
    ),
)
@bp.alt_response(429, **_problem_doc(429, "Te veel verzoeken met deze sleutel."))
def create_signal(body: dict):
    """Een knelpunt melden

    Gaat door dezelfde controles als het meldformulier: persoonsgegevens (BSN, IBAN,
    telefoonnummer, e-mailadres, adres, postcode, geboortedatum) geven 422 met soort en
    positie, tenzij `vervang_persoonsgegevens` true is. Het antwoord noemt bekende
    knelpunten die erop lijken (`vergelijkbaar`).
    """
    redact = body.pop("vervang_persoonsgegevens", False)
    checked = services.check_signal(body, principal())
    if checked.problems:
        findings = None if redact else checked.findings or None
        return errors.problem(422, errors=checked.problems, persoonsgegevens=findings)
    if checked.findings and not redact:
        return errors.problem(
            422,
            _l(
                "De tekst bevat persoonsgegevens. Haal ze weg, of stuur "
                "vervang_persoonsgegevens: true mee. Er is niets opgeslagen."
            ),
            title=_l("Persoonsgegevens gevonden"),
            type_=PERSONAL_DATA_TYPE,
            persoonsgegevens=checked.findings,
        )
    try:
        signal = services.create_signal(checked, principal())
    except ServiceError as error:
        db.session.rollback()
        return errors.problem(422, error.message)
    data = services.signal_json(signal)
    data["vergelijkbaar"] = [services.similar_json(s) for s in checked.similar]
    data["vervangen"] = checked.redacted_kinds if redact else []
    location = url_for("api.signals_detail", signal_id=signal.id)
    return data, 201, {"Location": location}


@bp.route("/signals/check", methods=["POST"], endpoint="signals_check")
@limiter.limit(write_limit, key_func=token_key)
@bp.arguments(SignalInputSchema)
@bp.response(200, SignalCheckSchema)
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
@bp.alt_response(403, **_problem_doc(403, "De sleutel mag alleen lezen."))
@bp.alt_response(422, **_problem_doc(422, "Velden kloppen niet."))
@bp.alt_response(429, **_problem_doc(429, "Te veel verzoeken met deze sleutel."))
def check_signal(body: dict):
    """Een melding controleren zonder op te slaan

    Geeft de gevonden persoonsgegevens (met positie) en de bekende knelpunten die erop
    lijken. Er wordt niets opgeslagen.
    """
    body.pop("vervang_persoonsgegevens", None)
    checked = services.check_signal(body, principal())
    if checked.problems:
        return errors.problem(422, errors=checked.problems)
    return {
        "persoonsgegevens": checked.findings,
        "vergelijkbaar": [services.similar_json(s) for s in checked.similar],
    }


@bp.route(f"/signals/<int(max={MAX_ID}):signal_id>", methods=["GET"], endpoint="signals_detail")
@bp.response(200, SignalSchema)
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
@bp.alt_response(404, **_problem_doc(404, "Bestaat niet, of deze sleutel mag het niet zien."))
def signal_detail(signal_id: int):
    """Eén knelpunt"""
    signal = services.visible_signal(signal_id, principal())
    if signal is None:
        raise NotFound()
    return services.signal_json(signal)


# Taxonomies and articles ---------------------------------------------------------------


@bp.route("/taxonomies", methods=["GET"], endpoint="taxonomies")
@bp.response(200, TaxonomiesSchema)
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
def taxonomies():
    """Thema's, regelingen, uitvoerders en gemeenten

    Met de id's die de filters van /api/v1/signals gebruiken; bij het melden gebruikt u de
    namen.
    """
    return services.taxonomies_json()


@bp.route("/articles", methods=["GET"], endpoint="articles_list")
@bp.arguments(PagingArgsSchema, location="query", as_kwargs=True)
@bp.response(200, ArticleListSchema)
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
def list_articles(pagina: int, per_pagina: int):
    """Kennisartikelen die deze sleutel mag lezen, nieuwste eerst"""
    page = db.paginate(
        articles.visible_articles(principal()),
        page=pagina,
        per_page=per_pagina,
        error_out=False,
        count=True,
    )
    return {
        "items": [services.article_json(a, full=False) for a in page.items],
        "totaal": page.total or 0,
        "pagina": pagina,
        "per_pagina": per_pagina,
        "paginas": page.pages,
    }


@bp.route(f"/articles/<int(max={MAX_ID}):article_id>", methods=["GET"], endpoint="articles_detail")
@bp.response(200, ArticleSchema)
@bp.alt_response(401, **_problem_doc(401, "Geen of een ongeldige API-sleutel."))
@bp.alt_response(404, **_problem_doc(404, "Bestaat niet, of deze sleutel mag het niet zien."))
def article_detail(article_id: int):
    """Eén kennisartikel (Markdown)"""
    from signalen.articles.models import Article

    article = db.session.get(Article, article_id)
    if article is None or not articles.can_view(principal(), article):
        raise NotFound()
    return services.article_json(article)
