"""The versioned JSON API (/api/v1) for partner helpdesks, with per-organisation tokens."""

from __future__ import annotations

import http
import re
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

CONFIG_PREFIX = "API_V1_"
PROBLEM_TYPE = "application/problem+json"

API_DESCRIPTION = """\
De API van Signalen voor de websites van partnerorganisaties: knelpunten melden en lezen,
de indelingen (thema's, regelingen, uitvoerders, gemeenten), kennisartikelen, de
gepubliceerde signaleringsrapportages en de sociale kaart.

Stuur bij elk verzoek een API-sleutel mee: `Authorization: Bearer <sleutel>`. Een
coördinator maakt sleutels onder Beheer › API-sleutels (of `signalen create-token`). Een
sleutel hoort bij één organisatie en ziet precies wat een gebruiker van die organisatie op
de site ziet. Een sleutel `read` mag alleen lezen; `write` mag ook melden.

Fouten komen als `application/problem+json` met een Nederlandse uitleg (`title`, `detail`)
en per veld de fouten (`errors`). Antwoorden op GET hebben een `ETag`; stuur die terug in
`If-None-Match` en u krijgt `304` als er niets veranderde. Lijsten hebben pagina's
(`pagina`, `per_pagina`) en noemen het totaal (`totaal`, `paginas`); de kopregel `Link`
(RFC 8288) wijst naar de pagina's `first`, `prev`, `next` en `last`.

Elk antwoord noemt de grens van uw sleutel: `X-RateLimit-Limit` (aantal verzoeken per
periode), `X-RateLimit-Remaining` (wat er nog over is) en `X-RateLimit-Reset` (Unix-tijd
waarop de teller opnieuw begint). Alleen `429` (te veel verzoeken) en `503` (even niet
beschikbaar) hebben `Retry-After`: het aantal seconden dat u wacht voor u het opnieuw probeert.
"""

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Hoeveel verzoeken deze sleutel per periode mag doen.",
    "X-RateLimit-Remaining": "Hoeveel verzoeken er in deze periode nog over zijn.",
    "X-RateLimit-Reset": "Unix-tijd (seconden) waarop de teller opnieuw begint.",
}
RETRY_AFTER_STATUSES = frozenset({429, 503})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch"})

# scheme://host[:port], nothing else: a path, a wildcard or a trailing slash is a mistake.
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


def configured_origins(app: Flask, name: str) -> list[str]:
    """The origins in setting ``name``: a list, or a string separated by commas or spaces.

    Raises ``ValueError`` at start-up for anything that is not exactly an origin, so a
    typing error cannot silently open the API or the widget to every site.
    """
    value = app.config.get(name) or []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    origins = [str(origin).strip().rstrip("/") for origin in value if str(origin).strip()]
    wrong = [origin for origin in origins if not ORIGIN.match(origin)]
    if wrong:
        raise ValueError(
            f"{name}: {', '.join(wrong)} is geen origin; gebruik bijvoorbeeld "
            "https://www.partner.nl (schema en host, zonder pad of *)"
        )
    return origins


class SignalenApi(Api):
    """flask-smorest's Api without its app-wide error handler (the site keeps its HTML
    error pages; API errors are problem+json, see :mod:`signalen.api.errors`).

    The OpenAPI description is built on first use instead of at start-up: converting every
    schema cost about 0.2 s per app, paid by every worker, CLI call and test, while only a
    request for the description needs it.
    """

    ERROR_SCHEMA = None  # set in init_app (import order)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._spec: Any = None
        self._deferred: list[Callable[[], None]] = []
        self._spec_lock = threading.RLock()
        self._started = False
        super().__init__(*args, **kwargs)
        self._started = True

    @property
    def spec(self) -> Any:
        if not self._started:  # flask-smorest's own set-up touches the spec: nothing to add yet
            return self._spec
        with self._spec_lock:
            deferred, self._deferred = self._deferred, []
            for build in deferred:
                build()
            if deferred:
                self._apply_conventions()
            return self._spec

    def _apply_conventions(self) -> None:
        """Every operation gets an ``operationId`` (its endpoint name), every response the
        rate-limit headers, 429 and 503 ``Retry-After`` and paged lists ``Link``."""
        spec = self._spec
        for name, description in RATE_LIMIT_HEADERS.items():
            if name not in spec.components.headers:
                spec.components.header(
                    name, {"description": description, "schema": {"type": "integer"}}
                )
        if "Retry-After" not in spec.components.headers:
            spec.components.header(
                "Retry-After",
                {
                    "description": "Seconden wachten voor een nieuwe poging.",
                    "schema": {"type": "integer"},
                },
            )
            spec.components.header(
                "Link",
                {
                    "description": "RFC 8288: de pagina's first, prev, next en last.",
                    "schema": {"type": "string"},
                },
            )
        endpoints: dict[tuple[str, str], str] = {}
        for rule in self._app.url_map.iter_rules():
            if rule.endpoint.startswith("api."):
                path = re.sub(r"<(?:[^:<>]+:)?([^<>:]+)>", r"{\1}", rule.rule)
                for method in rule.methods or ():
                    endpoints[(path, method.lower())] = rule.endpoint.split(".", 1)[1]
        for path, operations in spec._paths.items():
            for method, operation in operations.items():
                if method not in HTTP_METHODS:
                    continue
                fallback = method + re.sub(r"[^A-Za-z0-9]+", "_", path).rstrip("_")
                operation.setdefault("operationId", endpoints.get((path, method), fallback))
                paged = any(p.get("name") == "pagina" for p in operation.get("parameters", []))
                for status, response in operation.get("responses", {}).items():
                    if not isinstance(response, dict) or "$ref" in response:
                        continue  # a shared response: documented below, in components
                    _document_headers(response, str(status))
                    if paged and str(status) == "200":
                        response["headers"].setdefault(
                            "Link", {"$ref": "#/components/headers/Link"}
                        )
        components = spec.components
        for name, response in (*components.responses.items(), *components.responses_lazy.items()):
            status = http.HTTPStatus[name].value if name in http.HTTPStatus.__members__ else 0
            _document_headers(response, str(status))

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """Register the blueprint's routes now and its documentation when it is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document() -> None:
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})

        self._deferred.append(document)

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        self._deferred.append(self._register_problem_responses)

    def _register_problem_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Fout (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def _document_headers(response: dict, status: str) -> None:
    """Add the rate-limit headers (and on 429/503 Retry-After) to one documented response."""
    headers = response.setdefault("headers", {})
    for name in RATE_LIMIT_HEADERS:
        headers.setdefault(name, {"$ref": f"#/components/headers/{name}"})
    if status in {str(s) for s in RETRY_AFTER_STATUSES}:
        headers.setdefault("Retry-After", {"$ref": "#/components/headers/Retry-After"})


def current_spec() -> dict:
    """The OpenAPI description of /api/v1 as a dict."""
    return current_app.extensions["signalen_api"].spec.to_dict()


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and settings on ``app``."""
    from signalen.api import errors, models  # noqa: F401 (tables in db.metadata)
    from signalen.api.cli import create_token_command
    from signalen.api.routes import URL_PREFIX, conditional_get
    from signalen.api.routes import bp as api_bp
    from signalen.api.schemas import ProblemSchema
    from signalen.api.services import AUDIT_ACTIONS
    from signalen.api.token_routes import bp as tokens_bp
    from signalen.api.token_routes import docs_bp
    from signalen.api.widget import init_widget
    from signalen.audit.services import register_actions
    from signalen.extensions import csrf

    register_actions(AUDIT_ACTIONS)
    # flask-smorest's own settings (the site's API settings are in config.DEFAULTS).
    config = app.config
    config.setdefault(f"{CONFIG_PREFIX}API_TITLE", "Signalen API")
    config.setdefault(f"{CONFIG_PREFIX}API_VERSION", "1")
    config.setdefault(f"{CONFIG_PREFIX}OPENAPI_VERSION", "3.1.0")
    config.setdefault(f"{CONFIG_PREFIX}OPENAPI_URL_PREFIX", URL_PREFIX)
    config.setdefault(f"{CONFIG_PREFIX}OPENAPI_JSON_PATH", "openapi.json")
    config.setdefault(
        f"{CONFIG_PREFIX}API_SPEC_OPTIONS",
        {
            "info": {"description": API_DESCRIPTION},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "Een API-sleutel (sig_…) van uw organisatie.",
                    }
                }
            },
        },
    )

    from signalen.api import directory  # noqa: F401 (adds the sociale-kaart and digest routes)

    options = config[f"{CONFIG_PREFIX}API_SPEC_OPTIONS"]
    options.setdefault(
        "servers",
        [{"url": config["API_SERVER_URL"], "description": "Signalen (deze server)"}],
    )
    SignalenApi.ERROR_SCHEMA = ProblemSchema
    api = SignalenApi(app, config_prefix=CONFIG_PREFIX)
    app.extensions["signalen_api"] = api
    csrf.exempt(api_bp)
    api.register_blueprint(api_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(docs_bp)
    init_widget(app)
    app.cli.add_command(create_token_command)

    origins = configured_origins(app, "API_CORS_ORIGINS")
    if origins:
        from flask_cors import CORS

        CORS(
            app,
            resources={rf"{URL_PREFIX}/*": {"origins": origins}},
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Location", "Retry-After", "Link", *RATE_LIMIT_HEADERS],
            supports_credentials=False,
            max_age=600,
        )

    @app.after_request
    def _openapi_etag(response):
        # The description itself (served by flask-smorest's own blueprint) gets an ETag too.
        if request.path == f"{URL_PREFIX}/openapi.json":
            return conditional_get(response)
        return response

    route_api_errors(app, URL_PREFIX, errors.http_problem)

    def _retry_after_only_when_waiting(response):
        # Flask-Limiter sets Retry-After on every limited answer; it means "wait", so the
        # API keeps it on 429 and 503 only. Registered first, so it runs after the limiter.
        in_api = request.path == URL_PREFIX or request.path.startswith(URL_PREFIX + "/")
        if in_api and response.status_code not in RETRY_AFTER_STATUSES:
            response.headers.pop("Retry-After", None)
        return response

    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_waiting)


def route_api_errors(app: Flask, prefix: str, api_handler) -> None:
    """Errors before any API view runs (unknown path, wrong method) under ``prefix`` become
    problem+json too; every other path keeps the site's handler."""
    site_handler = app.error_handler_spec[None][None].get(HTTPException)

    def handle(error: HTTPException):
        in_api = request.path == prefix or request.path.startswith(prefix + "/")
        if in_api and request.blueprint != "api_docs":
            return api_handler(error)
        if site_handler is None:
            return error
        return site_handler(error)

    app.register_error_handler(HTTPException, handle)
