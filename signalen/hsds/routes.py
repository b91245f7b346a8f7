"""The read-only HSDS 3.0 API under /hsds/ (Open Referral's API rules, Page envelope):
thin views over :mod:`signalen.hsds.queries` and :mod:`signalen.hsds.export`. Errors are
``application/problem+json`` with a Dutch ``detail``; answers carry an ETag (304 on a
matching If-None-Match), as in ``/api/v1``."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select
from werkzeug.exceptions import HTTPException

from signalen.api.errors import problem
from signalen.core.http import conditional
from signalen.core.validation import parse_int
from signalen.directory.models import Location, Metadata, Organization, Service, ServiceAtLocation
from signalen.directory.services.common import parse_uuid
from signalen.extensions import db
from signalen.hsds import export, queries
from signalen.hsds.queries import BadFilter, ServiceFilters
from signalen.taxonomy.models import Theme

bp = Blueprint("hsds", __name__, url_prefix="/hsds")
URL_PREFIX = "/hsds"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
NDJSON = "application/x-ndjson"
FORMATS = ("json", "ndjson")
BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


@bp.before_request
def _require_login_when_private():
    if not current_app.config.get("DIRECTORY_PUBLIC", True) and not current_user.is_authenticated:
        return problem(401, _("Log in om de sociale kaart te gebruiken."))
    return None


@bp.after_request
def _cors_and_etag(response):
    if current_app.config.get("DIRECTORY_PUBLIC", True):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
    # What a coordinator sees differs from the public answer (who checked a service).
    response.vary.add("Cookie")
    return conditional(response)


@bp.errorhandler(BadFilter)
def _bad_parameter(error: BadFilter):
    return problem(400, str(error))


def http_problem(error: HTTPException):
    """An HTTP error under /hsds as problem+json with a Dutch ``detail``."""
    status = error.code or 500
    details = {
        404: _("Dit bestaat niet op de sociale kaart."),
        405: _("Deze methode kan niet op dit adres; de HSDS-API kan alleen lezen (GET)."),
    }
    response = problem(status, details.get(status))
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _int_arg(name: str, default: int | None, maximum: int) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = parse_int(raw, 1, maximum)
    if number is None:
        raise BadFilter(
            _("'%(name)s' moet een geheel getal van 1 tot %(max)d zijn.", name=name, max=maximum)
        )
    return number


def _bool_arg(name: str, default: bool = False) -> bool:
    raw = (request.args.get(name) or "").strip().casefold()
    if not raw:
        return default
    if raw not in BOOLEANS:
        raise BadFilter(_("'%(name)s' moet true of false zijn.", name=name))
    return BOOLEANS[raw]


def _uuid_arg(name: str) -> uuid.UUID | None:
    raw = request.args.get(name)
    if not raw:
        return None
    parsed = parse_uuid(raw)
    if parsed is None:
        raise BadFilter(_("'%(name)s' is geen geldige UUID.", name=name))
    return parsed


def _modified_after() -> datetime | None:
    raw = request.args.get("modified_after")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        except ValueError:
            raise BadFilter(
                _("'modified_after' moet een datum of tijdstip zijn (ISO 8601).")
            ) from None
    if not 1900 <= value.year <= 2999:
        raise BadFilter(_("'modified_after' moet een datum of tijdstip zijn (ISO 8601)."))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _format() -> str:
    value = (request.args.get("format") or "json").strip().casefold()
    if value not in FORMATS:
        raise BadFilter(_("'format' moet json of ndjson zijn."))
    return value


def _search_text() -> str:
    return " ".join((request.args.get("search") or "").split())


def _service_filters() -> ServiceFilters:
    return ServiceFilters(
        organization_id=_uuid_arg("organization_id"),
        taxonomy_term_id=_uuid_arg("taxonomy_term_id"),
        taxonomy_id=_uuid_arg("taxonomy_id"),
        modified_after=_modified_after(),
        search=_search_text(),
    )


def _page(source: Select | list, serialize: Callable[[Any], dict]):
    """One page of ``source`` (a statement or an ordered list) in the HSDS Page envelope, or
    with ``format=ndjson`` every row, one JSON object a line, without pages."""
    if _format() == "ndjson":
        return _ndjson(source, serialize)
    page = _int_arg("page", 1, 100_000) or 1
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE) or DEFAULT_PER_PAGE
    if isinstance(source, list):
        total = len(source)
        rows = source[(page - 1) * per_page : page * per_page]
    else:
        total = db.session.scalar(select(func.count()).select_from(source.subquery())) or 0
        rows = db.session.scalars(source.limit(per_page).offset((page - 1) * per_page)).all()
    total_pages = max(1, math.ceil(total / per_page))
    return jsonify(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": page,
            "size": len(rows),
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": not rows,
            "contents": [serialize(row) for row in rows],
        }
    )


def _ndjson(source: Select | list, serialize: Callable[[Any], dict]) -> Response:
    """Every row, one JSON object a line. Written whole rather than streamed: the rows are
    read through the request's database session (a sociale kaart has hundreds, not
    millions), and so the answer gets an ETag like any other."""
    rows = source if isinstance(source, list) else db.session.scalars(source).all()
    body = "".join(json.dumps(serialize(row), ensure_ascii=False) + "\n" for row in rows)
    return Response(body, mimetype=NDJSON)


def _minimal(item: Service) -> dict[str, Any]:
    """A service as ``minimal=true`` lists it: its id and when it last changed."""
    return {"id": str(item.id), "last_modified": export.modified(item.updated_at)}


@bp.get("/")
def meta():
    return jsonify(
        {
            "version": export.HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": OPENAPI_URL,
        }
    )


@bp.get("/services")
def services():
    statement = select(Service).order_by(Service.name, Service.id)
    statement, ranked = _service_filters().apply(statement)
    if _bool_arg("minimal"):
        serialize: Callable[[Any], dict] = _minimal
    elif _bool_arg("full"):
        serialize = _service_full
    else:
        serialize = export.service_list_item
    if ranked is not None:
        rank = {service_id: index for index, service_id in enumerate(ranked)}
        found = db.session.scalars(statement).all()
        return _page(sorted(found, key=lambda s: rank[s.id]), serialize)
    return _page(statement, serialize)


def _histories(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Metadata]]:
    result: dict[uuid.UUID, list[Metadata]] = {}
    if not ids:
        return result
    rows = db.session.scalars(
        select(Metadata)
        .where(Metadata.resource_id.in_(ids))
        .order_by(Metadata.last_action_date.desc())
    )
    for row in rows:
        result.setdefault(row.resource_id, []).append(row)
    return result


def _get_or_404(model, raw_id: str):
    parsed = parse_uuid(raw_id)
    item = db.session.get(model, parsed) if parsed else None
    if item is None:
        abort(404)
    return item


def _service_parts(item: Service) -> list[uuid.UUID]:
    return [item.id, *(c.id for c in item.contacts)]


def _service_full(item: Service) -> dict[str, Any]:
    histories = _histories(_service_parts(item))
    return export.service_full(item, histories.get(item.id, []), histories=histories)


@bp.get("/services/<service_id>")
def service(service_id: str):
    return jsonify(_service_full(_get_or_404(Service, service_id)))


@bp.get("/organizations")
def organizations():
    statement = queries.organizations(
        _search_text(), _modified_after(), _uuid_arg("taxonomy_term_id")
    )
    if _bool_arg("full"):
        full_services = _bool_arg("full_service")
        return _page(statement, lambda item: _organization_full(item, full_services))
    return _page(statement, export.organization_basic)


def _organization_full(item: Organization, full_services: bool) -> dict[str, Any]:
    parts = [
        item.id,
        *(s.id for s in item.services),
        *(loc.id for loc in item.locations),
        *(c.id for c in [*item.linked_contacts, *(c for s in item.services for c in s.contacts)]),
    ]
    return export.organization_full(item, _histories(parts), full_services)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    """The organization with its services in full (Signalen's answer since before the
    parameter); ``full_service=false`` gives its services' own fields only."""
    item = _get_or_404(Organization, organization_id)
    return jsonify(_organization_full(item, _bool_arg("full_service", default=True)))


def _service_at_location_full(item: ServiceAtLocation) -> dict[str, Any]:
    service = item.service
    parts = [*_service_parts(service), item.location_id]
    return export.service_at_location_full(item, _histories(parts))


@bp.get("/service_at_locations")
def service_at_locations():
    filters = _service_filters()
    proximity = _int_arg("proximity", None, 20_000_000)
    found = queries.services_at_locations(filters, request.args.get("postcode") or "", proximity)
    serialize = _service_at_location_full if _bool_arg("full") else export.service_at_location_basic
    return _page(found, serialize)


@bp.get("/service_at_locations/<service_at_location_id>")
def service_at_location(service_at_location_id: str):
    item = _get_or_404(ServiceAtLocation, service_at_location_id)
    return jsonify(_service_at_location_full(item))


@bp.get("/locations")
def locations():
    statement = queries.locations(_search_text(), _uuid_arg("organization_id"), _modified_after())
    if _bool_arg("full"):
        return _page(statement, lambda item: export.location(item, []))
    return _page(statement, export.location_basic)


@bp.get("/locations/<location_id>")
def location(location_id: str):
    item = _get_or_404(Location, location_id)
    return jsonify(export.location(item, _histories([item.id]).get(item.id, [])))


@bp.get("/taxonomies")
def taxonomies():
    text = _search_text().casefold()
    found = [export.taxonomy()]
    if text:
        found = [item for item in found if text in item["name"].casefold()]
    return _page(found, lambda item: item)


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy_detail(taxonomy_id: str):
    if parse_uuid(taxonomy_id) != export.TAXONOMY_ID:
        abort(404)
    return jsonify(export.taxonomy())


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    statement = select(Theme).where(Theme.active.is_(True)).order_by(Theme.name, Theme.id)
    taxonomy_id = _uuid_arg("taxonomy_id")
    if taxonomy_id and taxonomy_id != export.TAXONOMY_ID:
        statement = statement.where(Theme.id.is_(None))
    parent_id = _uuid_arg("parent_id")
    if parent_id:
        parents = [
            t for t in db.session.scalars(select(Theme)) if export.theme_term_id(t.id) == parent_id
        ]
        statement = statement.where(Theme.parent_id.in_([t.id for t in parents]))
    if _bool_arg("top_only"):
        statement = statement.where(Theme.parent_id.is_(None))
    text = _search_text()
    if text:
        statement = statement.where(Theme.name.ilike(queries.contains(text), escape="\\"))
    return _page(statement, export.taxonomy_term)


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    parsed = parse_uuid(term_id)
    theme_ids = queries.themes_for_term(parsed) if parsed else []
    theme = db.session.get(Theme, theme_ids[0]) if theme_ids else None
    if theme is None:
        abort(404)
    return jsonify(export.taxonomy_term(theme, detail=True))


def api_root_url() -> str:
    return url_for("hsds.meta", _external=True)
