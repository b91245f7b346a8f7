"""The JSON API under /api/v1: thin views; the logic lives in :mod:`signalen.api.services`."""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
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
    ReportInputSchema,
    SignalCheckSchema,
    SignalCreatedSchema,
    SignalInputSchema,
    SignalListArgsSchema,
    SignalListSchema,
    SignalSchema,
    SimilarSchema,
    TaxonomiesSchema,
    page_of,
)
from signalen.articles import access as articles
from signalen.articles.models import Article
from signalen.core.errors import ServiceError
from signalen.core.http import conditional
from signalen.core.validation import FORBIDDEN_CHARACTER_MESSAGE, HostileJSON, check_json
from signalen.extensions import db, limiter
from signalen.infobank.filters import SearchFilters

URL_PREFIX = "/api/v1"
# Ids are 32-bit integers in the database; larger ones cannot exist.
MAX_ID = 2**31 - 1
PERSONAL_DATA_TYPE = "/api/v1/docs#persoonsgegevens"
RETRY_AFTER_SECONDS = "30"

bp = Blueprint(
    "api",
    __name__,
    url_prefix=URL_PREFIX,
    description="Knelpunten, indelingen en kennisartikelen.",
)


def problem_doc(status: int, description: str) -> dict:
    """An ``alt_response`` documenting a problem+json answer."""
    return {
        "schema": ProblemSchema,
        "content_type": errors.PROBLEM_TYPE,
        "description": description,
    }


UNAUTHORIZED = problem_doc(401, "Geen of een ongeldige API-sleutel.")
READ_ONLY = problem_doc(403, "De sleutel mag alleen lezen.")
NOT_FOUND = problem_doc(404, "Bestaat niet, of deze sleutel mag het niet zien.")
UNSUPPORTED = problem_doc(415, "De inhoud is geen JSON (Content-Type: application/json).")
TOO_MANY = problem_doc(429, "Te veel verzoeken met deze sleutel.")
INVALID = problem_doc(422, "Een veld of filter klopt niet; er is niets opgeslagen.")


def paged(query, pagina: int, per_pagina: int) -> dict:
    """One page of a database query as a list response, with the total count."""
    page = db.paginate(query, page=pagina, per_page=per_pagina, error_out=False, count=True)
    return page_of(page.items, page.total or 0, pagina, per_pagina)


def query_args(schema):
    """Validated query parameters; an unknown one is an error (a typing error in a filter
    name must not silently return everything)."""
    return bp.arguments(schema, location="query", as_kwargs=True, unknown=ma.RAISE)


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


# One budget per token for every write endpoint together (API_WRITE_RATE_LIMIT).
write_limited = limiter.shared_limit(write_limit, scope="api-write", key_func=token_key)


def read_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


# One budget per token for every request (API_RATE_LIMIT): every answer carries the headers.
limiter.shared_limit(read_limit, scope="api", key_func=token_key)(bp)


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
    if request.method == "POST":
        try:
            check_json(request.get_data(cache=True))
        except HostileJSON as error:
            if error.forbidden_characters:
                return errors.problem(422, FORBIDDEN_CHARACTER_MESSAGE)
            return errors.problem(400, errors.INVALID_JSON)
    return None


@bp.after_request
def conditional_get(response):
    """ETag on every successful GET; a matching If-None-Match gives 304 without a body."""
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        page = g.pop("api_page", None)
        if page is not None:
            response.headers["Link"] = page_links(*page)
    conditional(response)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    return response


def page_links(page: int, pages: int) -> str:
    """RFC 8288 links to the first, previous, next and last page of this list."""
    last = max(pages, 1)
    targets = [("first", 1), ("last", last)]
    if page > 1:
        targets.insert(1, ("prev", min(page - 1, last)))
    if page < last:
        targets.insert(-1, ("next", page + 1))
    links = []
    for rel, number in targets:
        args = MultiDict(request.args)
        args.setlist("pagina", [str(number)])
        links.append(f'<{request.base_url}?{urlencode(list(args.items(multi=True)))}>; rel="{rel}"')
    return ", ".join(links)


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
        if name in ("per_pagina", "openbaar"):
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.add(name, item.isoformat() if hasattr(item, "isoformat") else str(item))
    return SearchFilters.from_args(pairs)


@bp.route("/signals", methods=["GET"], endpoint="signals_list")
@query_args(SignalListArgsSchema)
@bp.response(200, SignalListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(503, **problem_doc(503, "Zoeken lukt even niet (de index wordt opgebouwd)."))
def list_signals(**args):
    """Knelpunten zoeken en filteren

    Dezelfde filters als de zoekpagina /zoeken (q, thema, regeling, uitvoerder, gemeente,
    organisatie, status, impact, periode, van, tot, aangemaakt_van, aangemaakt_tot, sorteer,
    pagina). `periode`, `van` en `tot` gaan over de datum van het knelpunt (`datum`, anders
    de registratiedatum); `aangemaakt_van` en `aangemaakt_tot` over de registratiedatum. Alleen
    knelpunten die
    deze sleutel mag zien, met facetten (aantallen per waarde) en het totaal. Met
    `openbaar=true` alleen wat iedereen op de openbare site ziet.
    """
    viewer = None if args["openbaar"] else principal()
    try:
        return services.list_signals(_filters(args), viewer, args["per_pagina"])
    except ServiceError as error:
        return errors.problem(503, error.message, headers={"Retry-After": RETRY_AFTER_SECONDS})


@bp.route("/signals", methods=["POST"], endpoint="signals_create")
@write_limited
@bp.arguments(SignalInputSchema)
@bp.response(201, SignalCreatedSchema, headers={"Location": {"schema": {"type": "string"}}})
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(403, **READ_ONLY)
@bp.alt_response(415, **UNSUPPORTED)
@bp.alt_response(
    422,
    **problem_doc(
        422,
        "Velden kloppen niet (errors), of de tekst bevat persoonsgegevens "
        "(persoonsgegevens, met soort en positie, en vergelijkbaar). Er is niets opgeslagen.",
    ),
)
@bp.alt_response(429, **TOO_MANY)
def create_signal(body: dict):
    """Een knelpunt melden

    Gaat door dezelfde controles als het meldformulier: persoonsgegevens (BSN, IBAN,
    telefoonnummer, e-mailadres, adres, postcode, geboortedatum) geven 422 met soort en
    positie, tenzij `vervang_persoonsgegevens` true is. Het antwoord noemt bekende
    knelpunten die erop lijken (`vergelijkbaar`); is het er een van, meld het dan als
    "ook gemeld" (POST /api/v1/signals/{id}/reports) in plaats van een nieuw knelpunt.
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
            vergelijkbaar=SimilarSchema(many=True).dump(checked.similar),
        )
    signal = services.create_signal(checked, principal())
    data = services.signal_json(signal)
    data["vergelijkbaar"] = checked.similar
    data["vervangen"] = checked.redacted_kinds if redact else []
    return data, 201, {"Location": url_for("api.signals_detail", signal_id=signal.id)}


@bp.route("/signals/check", methods=["POST"], endpoint="signals_check")
@write_limited
@bp.arguments(SignalInputSchema)
@bp.response(200, SignalCheckSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(403, **READ_ONLY)
@bp.alt_response(415, **UNSUPPORTED)
@bp.alt_response(422, **INVALID)
@bp.alt_response(429, **TOO_MANY)
def check_signal(body: dict):
    """Een melding controleren zonder op te slaan

    Geeft de gevonden persoonsgegevens (met positie) en de bekende knelpunten die erop
    lijken. Er wordt niets opgeslagen.
    """
    body.pop("vervang_persoonsgegevens", None)
    checked = services.check_signal(body, principal())
    if checked.problems:
        return errors.problem(422, errors=checked.problems)
    return {"persoonsgegevens": checked.findings, "vergelijkbaar": checked.similar}


def _visible_signal(signal_id: int):
    signal = services.visible_signal(signal_id, principal())
    if signal is None:
        raise NotFound()
    return signal


@bp.route(f"/signals/<int(max={MAX_ID}):signal_id>", methods=["GET"], endpoint="signals_detail")
@bp.response(200, SignalSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def signal_detail(signal_id: int):
    """Eén knelpunt"""
    return services.signal_json(_visible_signal(signal_id))


@bp.route(
    f"/signals/<int(max={MAX_ID}):signal_id>/reports", methods=["POST"], endpoint="signals_report"
)
@write_limited
@bp.arguments(ReportInputSchema)
@bp.response(201, SignalSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(403, **READ_ONLY)
@bp.alt_response(404, **NOT_FOUND)
@bp.alt_response(415, **UNSUPPORTED)
@bp.alt_response(422, **INVALID)
@bp.alt_response(429, **TOO_MANY)
def report_signal(body: dict, signal_id: int):
    """Ook gemeld: hetzelfde knelpunt opnieuw gemeld

    In plaats van een dubbel knelpunt: het aantal meldingen van een bestaand knelpunt gaat
    omhoog en de geschiedenis noemt uw organisatie. Geeft het bijgewerkte knelpunt.
    """
    signal = _visible_signal(signal_id)
    try:
        services.add_report(signal, principal(), body)
    except ServiceError as error:
        db.session.rollback()
        field = {"client_count": "aantal_meldingen", "occurred_on": "datum"}.get(error.field or "")
        if field:
            return errors.problem(422, errors={field: [error.message]})
        return errors.problem(422, error.message)
    return services.signal_json(signal), 201


# Taxonomies and articles ---------------------------------------------------------------


@bp.route("/taxonomies", methods=["GET"], endpoint="taxonomies")
@bp.response(200, TaxonomiesSchema)
@bp.alt_response(401, **UNAUTHORIZED)
def taxonomies():
    """Thema's, regelingen, uitvoerders en gemeenten

    Met de id's die de filters van /api/v1/signals gebruiken; bij het melden gebruikt u de
    namen (bij een thema de volledige naam, zoals 'Betaling › Uitkering te laat').
    """
    return services.active_terms()


@bp.route("/articles", methods=["GET"], endpoint="articles_list")
@query_args(PagingArgsSchema)
@bp.response(200, ArticleListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
def list_articles(pagina: int, per_pagina: int):
    """Kennisartikelen die deze sleutel mag lezen, nieuwste eerst"""
    return paged(articles.visible_articles(principal()), pagina, per_pagina)


@bp.route(f"/articles/<int(max={MAX_ID}):article_id>", methods=["GET"], endpoint="articles_detail")
@bp.response(200, ArticleSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def article_detail(article_id: int):
    """Eén kennisartikel (Markdown en HTML)"""
    article = db.session.get(Article, article_id)
    if article is None or not articles.can_view(principal(), article):
        raise NotFound()
    return article
