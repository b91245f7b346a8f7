"""API conventions: operationId and servers in the description, RFC 8288 Link headers on
lists, rate-limit headers on every answer (Retry-After only on 429/503), CORS exposing them,
and the date filters: periode/van/tot on the knelpunt's date, aangemaakt_* on registration."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.search.dates import date_cover
from tests.web.test_api import app_with_token, auth
from tests.web.test_api import make_token as make_token

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def links(response) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    }


def test_description_has_operation_ids_servers_and_documented_headers(client, make_token):
    spec = client.get("/api/v1/openapi.json", headers=auth(make_token())).get_json()
    assert spec["servers"] and spec["servers"][0]["url"]
    ids = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            ids.append(operation["operationId"])
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/")[-1]]
                headers = response.get("headers", {})
                assert set(RATE_HEADERS) <= set(headers), (path, method, status)
                waiting = status in {"429", "503"}
                assert ("Retry-After" in headers) == waiting, (path, status)
    assert len(ids) == len(set(ids))
    assert "signals_list" in ids and "signals_create" in ids
    signals = spec["paths"]["/api/v1/signals"]["get"]
    assert "Link" in signals["responses"]["200"]["headers"]
    for name in (*RATE_HEADERS, "Retry-After", "Link"):
        assert name in spec["components"]["headers"]
    names = {p["name"] for p in signals["parameters"]}
    assert {"periode", "van", "tot", "aangemaakt_van", "aangemaakt_tot"} <= names


def test_list_responses_link_to_their_pages(client, make_token, make_signal):
    for number in range(5):
        make_signal(title=f"Toeslag gestopt {number}")
    token = make_token()
    first = client.get("/api/v1/signals?per_pagina=2&status=nieuw", headers=auth(token))
    assert first.status_code == 200
    assert first.get_json()["paginas"] == 3
    found = links(first)
    assert set(found) == {"first", "next", "last"}
    assert "pagina=2" in found["next"] and "status=nieuw" in found["next"]
    assert "pagina=3" in found["last"]
    middle = client.get(found["next"], headers=auth(token))
    assert set(links(middle)) == {"first", "prev", "next", "last"}
    assert "pagina=1" in links(middle)["prev"]
    articles = client.get("/api/v1/articles", headers=auth(token))
    assert set(links(articles)) == {"first", "last"}


def test_rate_limit_headers_on_every_answer_and_retry_after_only_when_waiting(
    app_factory,
):
    with app_with_token(app_factory, API_RATE_LIMIT="3 per minute") as (client, token):
        ok = client.get("/api/v1/taxonomies", headers=auth(token))
        assert ok.status_code == 200
        assert ok.headers["X-RateLimit-Limit"] == "3"
        assert ok.headers["X-RateLimit-Remaining"] == "2"
        assert int(ok.headers["X-RateLimit-Reset"]) > 0
        assert "Retry-After" not in ok.headers
        missing = client.get("/api/v1/signals/999999", headers=auth(token))
        assert missing.status_code == 404
        assert "X-RateLimit-Remaining" in missing.headers
        assert "Retry-After" not in missing.headers
        client.get("/api/v1/taxonomies", headers=auth(token))
        limited = client.get("/api/v1/taxonomies", headers=auth(token))
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 0
        assert limited.headers["X-RateLimit-Remaining"] == "0"


def test_cors_exposes_the_rate_limit_and_link_headers(app_factory):
    origin = "https://www.partner.nl"
    with app_with_token(app_factory, API_CORS_ORIGINS=[origin]) as (client, token):
        response = client.get("/api/v1/taxonomies", headers={**auth(token), "Origin": origin})
        exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
        assert {*RATE_HEADERS, "Link", "ETag"} <= exposed


def test_date_cover_is_exact():
    assert date_cover(date(2025, 1, 1), date(2025, 12, 31)) == ["2025"]
    assert date_cover(date(2025, 11, 30), date(2026, 2, 2)) == [
        "2025-11-30",
        "2025-12",
        "2026-01",
        "2026-02-01",
        "2026-02-02",
    ]
    assert date_cover(date(2026, 3, 2), date(2026, 3, 1)) == []


@pytest.fixture
def dated_signals(client, make_token, taxonomy):
    """One signal that happened two months ago and one without a date (registered today)."""
    token = make_token()
    long_ago = local_today().replace(day=1) - timedelta(days=40)
    for title, datum in (("Lang geleden", long_ago.isoformat()), ("Zonder datum", None)):
        body = {"titel": title, "omschrijving": "De uitkering kwam te laat.", "datum": datum}
        response = client.post("/api/v1/signals", json=body, headers=auth(token))
        assert response.status_code == 201, response.get_json()
    return token, long_ago


def titles(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["titel"] for item in response.get_json()["items"]}


def test_api_dates_filter_on_datum_and_registration_separately(client, dated_signals):
    token, long_ago = dated_signals
    today = local_today()

    def get(query: str):
        return titles(client.get(f"/api/v1/signals?{query}", headers=auth(token)))

    assert get(f"periode={long_ago:%Y-%m}") == {"Lang geleden"}
    assert get(f"periode={today:%Y-%m}") == {"Zonder datum"}
    assert get(f"van={long_ago}&tot={long_ago}") == {"Lang geleden"}
    assert get(f"van={today}") == {"Zonder datum"}
    assert get(f"tot={long_ago + timedelta(days=1)}") == {"Lang geleden"}
    # Both were registered today.
    assert get(f"aangemaakt_van={today}") == {"Lang geleden", "Zonder datum"}
    assert get(f"aangemaakt_tot={long_ago}") == set()
    assert get(f"van={today}&tot={long_ago}") == set()


def test_search_page_dates_filter_the_same_way(client, dated_signals, login_as):
    _token, long_ago = dated_signals
    login_as(Role.COORDINATOR)
    page = client.get(f"/zoeken?van={long_ago}&tot={long_ago}").get_data(as_text=True)
    assert "Lang geleden" in page and "Zonder datum" not in page
    page = client.get(f"/zoeken?aangemaakt_tot={long_ago}").get_data(as_text=True)
    assert "Lang geleden" not in page
