"""Contract tests: every documented response of /api/v1 conforms to the OpenAPI description.

Schemathesis reads ``/api/v1/openapi.json`` from the app running behind a real WSGI server
(waitress on loopback), generates valid and invalid requests for every operation and sends
them with a write token; each response is checked against the same description: no server
errors, documented status codes, content types, headers and bodies. Detail operations are
also called with ids that exist, so their success bodies are checked, not only their 404s;
and a deliberately broken response must make the run fail.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate as validate_openapi
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from signalen.api import services as api
from signalen.api.models import Scope
from signalen.auth.models import Role
from signalen.demo.directory import seed_demo_directory
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.directory.models import Organization, Service
from signalen.extensions import db
from signalen.signals.models import Visibility
from tests.web.test_api import publish_article

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Every documented operation, with the path parameter that names an existing object.
OPERATIONS = {
    ("GET", "/api/v1/signals"): None,
    ("POST", "/api/v1/signals"): None,
    ("POST", "/api/v1/signals/check"): None,
    ("GET", "/api/v1/signals/{signal_id}"): "signal_id",
    ("POST", "/api/v1/signals/{signal_id}/reports"): "signal_id",
    ("GET", "/api/v1/taxonomies"): None,
    ("GET", "/api/v1/articles"): None,
    ("GET", "/api/v1/articles/{article_id}"): "article_id",
    ("GET", "/api/v1/directory/services"): None,
    ("GET", "/api/v1/directory/services/{service_id}"): "service_id",
    ("GET", "/api/v1/directory/organizations"): None,
    ("GET", "/api/v1/directory/organizations/{organization_id}"): "organization_id",
    ("GET", "/api/v1/digests"): None,
    ("GET", "/api/v1/digests/{digest_id}"): "digest_id",
}
MAX_EXAMPLES = 10
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def running_api(app_factory, make_organisation, make_user, make_signal, taxonomy, monkeypatch):
    """The app behind waitress, with one object of every kind and a write token."""
    import whoosh.util
    from waitress.server import create_server

    # Hypothesis seeds the global random module for every example; Whoosh names its new
    # index segments with that module, so the server thread would reuse segment names.
    monkeypatch.setattr(whoosh.util, "random", random.SystemRandom())

    organisation = make_organisation("Cliëntenraad Contract")
    coordinator = make_user(Role.COORDINATOR, organisation=organisation)
    signal = make_signal(
        title="Uitkering te laat betaald",
        themes=("Betaling/Uitkering te laat",),
        scheme="WW",
        agency="UWV",
        municipality="Utrecht",
        user=coordinator,
    )
    make_signal(title="Loket vaak dicht", visibility=Visibility.PUBLIC, municipality="Utrecht")
    article = publish_article(
        coordinator, "Wat te doen bij een terugvordering", "Maak binnen **zes weken** bezwaar."
    )
    seed_demo_directory()
    service = db.session.scalars(db.select(Service).order_by(Service.name)).first()
    organization = db.session.get(Organization, service.organization_id)
    digest = digests.create_digest(
        periods.period_between(date(2026, 1, 1), date(2026, 6, 30)), None, "Eerste helft"
    )
    digests.publish(digest, None)
    _row, token = api.create_token(organisation, Scope.WRITE, "Contract")
    known = {
        "signal_id": signal.id,
        "article_id": article.id,
        "service_id": str(service.id),
        "organization_id": str(organization.id),
        "digest_id": digest.id,
    }
    db.session.commit()

    server_app = app_factory(API_WRITE_RATE_LIMIT="100000 per minute")
    server = create_server(server_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.effective_port}"
    yield schemathesis.openapi.from_url(base + "/api/v1/openapi.json"), token, known
    server.close()
    thread.join(timeout=5)


def run_contract(schema, token: str, known: dict, operations) -> tuple[list[str], dict]:
    """Generated valid and invalid requests, and valid ones naming existing objects, for
    ``operations``; returns the failures and the status codes seen per operation."""
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    statuses: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for method, path in operations:
        operation = schema[path][method]
        parameter = OPERATIONS[(method, path)]
        runs = [(mode, None) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if parameter:
            runs.append((GenerationMode.POSITIVE, {parameter: known[parameter]}))
        for mode, fixed in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

            @given(case=strategy)
            @settings(
                max_examples=MAX_EXAMPLES if fixed is None else 3,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            def check(case):
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                statuses[(method, path)][response.status_code] += 1  # noqa: B023 (runs now)

            try:
                check()
            except (Exception, BaseExceptionGroup) as error:  # report all operations at once
                label = "bestaand object" if fixed else mode.value
                failures.append(f"{method} {path} ({label}): {error}")
    return failures, statuses


def test_api_conforms_to_its_description(running_api):
    """All operations, valid and invalid requests, on one set of data (setup is the slow
    part); every failing operation is reported, and every operation must have answered
    with success at least once, so its success schema was really checked."""
    schema, token, known = running_api
    failures, statuses = run_contract(schema, token, known, OPERATIONS)
    assert not failures, "\n\n".join(failures)
    never_succeeded = [
        f"{method} {path}: {dict(seen)}"
        for (method, path), seen in statuses.items()
        if not any(200 <= status < 300 for status in seen)
    ]
    assert not never_succeeded, never_succeeded
    assert set(statuses) == set(OPERATIONS)
    # The invalid requests really reached validation (422) and authentication (401).
    seen = Counter()
    for counter in statuses.values():
        seen.update(counter)
    assert seen[422] > 0 and seen[401] > 0, seen


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda data: {k: v for k, v in data.items() if k != "status"}, id="key-mist"),
        pytest.param(lambda data: {**data, "titel": None}, id="null-in-plaats-van-tekst"),
        pytest.param(lambda data: {**data, "kanaal": "fax"}, id="waarde-buiten-de-lijst"),
    ],
)
def test_a_response_that_breaks_the_description_fails_the_contract(
    running_api, monkeypatch, broken
):
    """The contract run is not so loose that it cannot fail: a signal body that misses a
    required key, has null for a text or a value outside its list is reported."""
    schema, token, known = running_api
    original = api.signal_json
    monkeypatch.setattr(api, "signal_json", lambda signal: broken(original(signal)))
    failures, _statuses = run_contract(
        schema, token, known, [("GET", "/api/v1/signals/{signal_id}")]
    )
    reported = [failure for failure in failures if "bestaand object" in failure]
    assert reported, failures
    assert "Response violates schema" in reported[0]


def test_every_operation_is_contract_tested(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    assert documented == set(OPERATIONS)


def test_openapi_document_is_valid_openapi_3_1(client):
    """The description passes openapi-spec-validator (the OpenAPI 3.1 meta-schema, JSON
    Schema 2020-12 for every schema, resolvable references, path parameters declared)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    validate_openapi(spec)
    # Every error answer is documented as problem+json.
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    reference = response.get("$ref", "")
                    content = response.get("content") or spec["components"]["responses"][
                        reference.rsplit("/", 1)[-1]
                    ].get("content", {})
                    assert list(content) == ["application/problem+json"], (path, status)
