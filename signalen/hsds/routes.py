"""The read-only HSDS 3.0 API under /hsds/ (Open Referral's API rules, Page envelope)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, or_, select

from signalen.core.validation import parse_int
from signalen.directory.indexing import matching_service_ids
from signalen.directory.models import Metadata, Organization, Service
from signalen.directory.services.common import parse_uuid
from signalen.extensions import db
from signalen.hsds import export
from signalen.taxonomy.models import Theme

bp = Blueprint("hsds", __name__, url_prefix="/hsds")
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
PROFILE_URL = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


class BadParameter(Exception):
    pass


@bp.before_request
def _require_login_when_private():
    if not current_app.config.get("DIRECTORY_PUBLIC", True) and not current_user.is_authenticated:
        response = jsonify({"error": _("Log in om de sociale kaart te gebruiken.")})
        response.status_code = 401
        return response
    return None


@bp.after_request
def _cors(response):
    if current_app.config.get("DIRECTORY_PUBLIC", True):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


@bp.errorhandler(BadParameter)
def _bad_parameter(error: BadParameter):
    response = jsonify({"error": str(error)})
    response.status_code = 400
    return response


@bp.errorhandler(404)
def _not_found(error):
    response = jsonify({"error": _("Niet gevonden.")})
    response.status_code = 404
    return response


def _int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = parse_int(raw, 1, maximum)
    if number is None:
        raise BadParameter(
            _("'%(name)s' moet een geheel getal van 1 tot %(max)d zijn.", name=name, max=maximum)
        )
    return number


def _uuid_arg(name: str) -> uuid.UUID | None:
    raw = request.args.get(name)
    if not raw:
        return None
    parsed = parse_uuid(raw)
    if parsed is None:
        raise BadParameter(_("'%(name)s' is geen geldige UUID.", name=name))
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
            raise BadParameter(
                _("'modified_after' moet een datum of tijdstip zijn (ISO 8601).")
            ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _page(source: Select | list, serialize: Callable[[Any], dict]):
    """The HSDS Page envelope around one page of ``source``: a statement or an ordered list."""
    page = _int_arg("page", 1, 100_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
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


def _search_text() -> str:
    return " ".join((request.args.get("search") or "").split())


def _contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with its wildcards escaped (escape ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@bp.get("/")
def meta():
    return jsonify(
        {
            "version": export.HSDS_VERSION,
            "profile": PROFILE_URL,
            "openapi_url": OPENAPI_URL,
        }
    )


def _theme_for_term(term_id: uuid.UUID) -> list[int]:
    themes = db.session.scalars(select(Theme)).all()
    for theme in themes:
        if export.theme_term_id(theme.id) == term_id:
            return [theme.id, *[t.id for t in themes if t.parent_id == theme.id]]
    return []


@bp.get("/services")
def services():
    statement = select(Service).order_by(Service.name, Service.id)
    organization_id = _uuid_arg("organization_id")
    if organization_id:
        statement = statement.where(Service.organization_id == organization_id)
    term_id = _uuid_arg("taxonomy_term_id")
    if term_id:
        statement = statement.where(Service.themes.any(Theme.id.in_(_theme_for_term(term_id))))
    taxonomy_id = _uuid_arg("taxonomy_id")
    if taxonomy_id and taxonomy_id != export.TAXONOMY_ID:
        statement = statement.where(Service.id.is_(None))
    elif taxonomy_id:
        statement = statement.where(Service.themes.any())
    modified_after = _modified_after()
    if modified_after:
        statement = statement.where(Service.updated_at >= modified_after)
    text = _search_text()
    if text:
        ids = matching_service_ids(text)
        if ids is None:
            raise BadParameter(_("Zoeken lukt nu niet met deze tekst."))
        rank = {service_id: index for index, service_id in enumerate(ids)}
        found = db.session.scalars(statement.where(Service.id.in_(ids))).all()
        return _page(sorted(found, key=lambda s: rank[s.id]), export.service_basic)
    return _page(statement, export.service_basic)


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


@bp.get("/services/<service_id>")
def service(service_id: str):
    item = _get_or_404(Service, service_id)
    histories = _histories([item.id, *(c.id for c in item.contacts)])
    return jsonify(export.service_full(item, histories.get(item.id, []), histories=histories))


@bp.get("/organizations")
def organizations():
    statement = select(Organization).order_by(Organization.name, Organization.id)
    text = _search_text()
    if text:
        pattern = _contains(text)
        statement = statement.where(
            or_(
                Organization.name.ilike(pattern, escape="\\"),
                Organization.description.ilike(pattern, escape="\\"),
            )
        )
    modified_after = _modified_after()
    if modified_after:
        statement = statement.where(Organization.updated_at >= modified_after)
    term_id = _uuid_arg("taxonomy_term_id")
    if term_id:
        statement = statement.where(
            Organization.services.any(Service.themes.any(Theme.id.in_(_theme_for_term(term_id))))
        )
    return _page(statement, export.organization_basic)


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    item = _get_or_404(Organization, organization_id)
    parts = [
        item.id,
        *(s.id for s in item.services),
        *(loc.id for loc in item.locations),
        *(c.id for c in [*item.contacts, *(c for s in item.services for c in s.contacts)]),
    ]
    return jsonify(export.organization_full(item, _histories(parts)))


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
    if request.args.get("top_only") in ("true", "1"):
        statement = statement.where(Theme.parent_id.is_(None))
    text = _search_text()
    if text:
        statement = statement.where(Theme.name.ilike(_contains(text), escape="\\"))
    return _page(statement, export.taxonomy_term)


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    parsed = parse_uuid(term_id)
    theme_ids = _theme_for_term(parsed) if parsed else []
    theme = db.session.get(Theme, theme_ids[0]) if theme_ids else None
    if theme is None:
        abort(404)
    return jsonify(export.taxonomy_term(theme, detail=True))


def api_root_url() -> str:
    return url_for("hsds.meta", _external=True)
