"""Contract tests: every documented response of /api/v1 conforms to the OpenAPI description.

Schemathesis generates requests from ``/api/v1/openapi.json`` (valid and invalid ones) and
calls the real app over WSGI with a write token; the responses are checked against the same
description: no server errors, documented status codes, content types, headers and bodies.
"""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema.validators import Draft202012Validator
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
from signalen.digests import services as digests
from signalen.directory.services import seed_demo_directory
from signalen.signals.models import Visibility

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_token(app, make_organisation, make_signal, taxonomy) -> str:
    organisation = make_organisation("Cliëntenraad Contract")
    make_signal(title="Uitkering te laat betaald", themes=("Betaling/Uitkering te laat",))
    make_signal(title="Loket vaak dicht", visibility=Visibility.PUBLIC, municipality="Utrecht")
    _row, token = api.create_token(organisation, Scope.WRITE, "Contract")
    seed_demo_directory()
    period = digests.period_between(date(2026, 1, 1), date(2026, 6, 30))
    digests.publish(digests.create_digest(period, None, "Eerste helft"), None)
    return token


# Every documented operation; a new endpoint must be added here (checked below).
OPERATIONS = [
    ("GET", "/api/v1/signals"),
    ("POST", "/api/v1/signals"),
    ("POST", "/api/v1/signals/check"),
    ("GET", "/api/v1/signals/{signal_id}"),
    ("GET", "/api/v1/taxonomies"),
    ("GET", "/api/v1/articles"),
    ("GET", "/api/v1/articles/{article_id}"),
    ("GET", "/api/v1/directory/services"),
    ("GET", "/api/v1/directory/services/{service_id}"),
    ("GET", "/api/v1/directory/organizations"),
    ("GET", "/api/v1/directory/organizations/{organization_id}"),
    ("GET", "/api/v1/digests"),
    ("GET", "/api/v1/digests/{digest_id}"),
]
MAX_EXAMPLES = 10
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_api_conforms_to_its_description(app, api_token):
    """All operations, valid and invalid requests, on one set of data (setup is the slow
    part); every failing operation is reported."""
    app.config["API_WRITE_RATE_LIMIT"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {api_token}"}
    failures = []
    for method, path in OPERATIONS:
        operation = schema[path][method]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                print_blob=False,
            )
            def check(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except (Exception, BaseExceptionGroup) as error:  # report all operations at once
                failures.append(f"{method} {path} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


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
    """The description validates against the official OpenAPI 3.1 meta-schema (2022-10-07,
    as shipped with schemathesis), and every schema in it is valid JSON Schema 2020-12."""
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    spec = client.get("/api/v1/openapi.json").get_json()
    errors = sorted(Draft202012Validator(OPENAPI_31).iter_errors(spec), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert spec["openapi"] == "3.1.0"
    for component in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(component)
    for path in spec["paths"].values():
        for method, operation in path.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                Draft202012Validator.check_schema(parameter.get("schema", {}))
