"""Read endpoints for the sociale kaart and the published digests under /api/v1.

They call the services of :mod:`signalen.directory` and :mod:`signalen.digests`; the full
HSDS 3.0 exchange format stays at the HSDS endpoints of the sociale kaart.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from signalen.api import errors
from signalen.api.routes import _problem_doc, bp
from signalen.api.schemas import DutchSchema, PageSchema, PagingArgsSchema, _length, _range
from signalen.digests import services as digests
from signalen.digests.models import Digest
from signalen.directory import browse
from signalen.directory import services as directory
from signalen.directory.models import Organization, Service
from signalen.extensions import db
from signalen.taxonomy.models import Municipality

UNAUTHORIZED = _problem_doc(401, "Geen of een ongeldige API-sleutel.")
NOT_FOUND = _problem_doc(404, "Bestaat niet.")


# Sociale kaart -------------------------------------------------------------------------


def _organization_ref(organization: Organization) -> dict[str, Any]:
    return {"id": str(organization.id), "naam": organization.name}


def _phones(items) -> list[dict[str, Any]]:
    return [{"nummer": p.number, "omschrijving": p.description or ""} for p in items]


def _location(location) -> dict[str, Any]:
    address = location.address
    return {
        "id": str(location.id),
        "naam": location.name or "",
        "adres": address.one_line if address else "",
        "postcode": address.postal_code if address else "",
        "plaats": address.city if address else "",
        "gemeente": location.municipality.name if location.municipality else None,
        "breedtegraad": location.latitude,
        "lengtegraad": location.longitude,
    }


def service_json(service: Service, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(service.id),
        "naam": service.name,
        "omschrijving": service.description or "",
        "organisatie": _organization_ref(service.organization),
        "status": service.status,
        "thema": [theme.full_name for theme in service.themes],
        "website": service.url or "",
        "email": service.email or "",
        "gecontroleerd_op": service.assured_date,
        "bijgewerkt": service.updated_at,
    }
    if full:
        data.update(
            {
                "andere_naam": service.alternate_name or "",
                "aanmelden": service.application_process or "",
                "kosten": service.fees_description or "",
                "voor_wie": service.eligibility_description or "",
                "minimum_leeftijd": service.minimum_age,
                "maximum_leeftijd": service.maximum_age,
                "talen": [language.name or language.code for language in service.languages],
                "werkgebied": [area.label for area in service.service_areas],
                "telefoon": _phones(service.phones),
                "locaties": [_location(location) for location in service.locations],
                "melding": service.alert or "",
            }
        )
    return data


def organization_json(organization: Organization, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(organization.id),
        "naam": organization.name,
        "omschrijving": organization.description or "",
        "website": organization.website or "",
        "email": organization.email or "",
        "bijgewerkt": organization.updated_at,
    }
    if full:
        data["andere_naam"] = organization.alternate_name or ""
        data["telefoon"] = _phones(organization.phones)
        data["diensten"] = [
            service_json(service, full=False)
            for service in directory.services_of_organization(organization.id)
            if service.status not in browse.HIDDEN_STATUSES
        ]
    return data


class OrganizationRefSchema(DutchSchema):
    id = fields.UUID(required=True)
    naam = fields.String(required=True)


class PhoneSchema(DutchSchema):
    nummer = fields.String(required=True)
    omschrijving = fields.String(required=True)


class LocationSchema(DutchSchema):
    id = fields.UUID(required=True)
    naam = fields.String(required=True)
    adres = fields.String(required=True)
    postcode = fields.String(required=True)
    plaats = fields.String(required=True)
    gemeente = fields.String(allow_none=True)
    breedtegraad = fields.Float(allow_none=True)
    lengtegraad = fields.Float(allow_none=True)


class ServiceSummarySchema(DutchSchema):
    id = fields.UUID(required=True)
    naam = fields.String(required=True)
    omschrijving = fields.String(required=True)
    organisatie = fields.Nested(OrganizationRefSchema, required=True)
    status = fields.String(
        required=True,
        metadata={"description": "HSDS: active, inactive, defunct, temporarily closed."},
    )
    thema = fields.List(fields.String(), required=True)
    website = fields.String(required=True)
    email = fields.String(required=True)
    gecontroleerd_op = fields.Date(
        allow_none=True, metadata={"description": "Laatst gecontroleerd (HSDS assured_date)."}
    )
    bijgewerkt = fields.DateTime(required=True)


class ServiceSchema(ServiceSummarySchema):
    andere_naam = fields.String(required=True)
    aanmelden = fields.String(required=True)
    kosten = fields.String(required=True)
    voor_wie = fields.String(required=True)
    minimum_leeftijd = fields.Integer(allow_none=True)
    maximum_leeftijd = fields.Integer(allow_none=True)
    talen = fields.List(fields.String(), required=True)
    werkgebied = fields.List(fields.String(), required=True)
    telefoon = fields.List(fields.Nested(PhoneSchema), required=True)
    locaties = fields.List(fields.Nested(LocationSchema), required=True)
    melding = fields.String(required=True, metadata={"description": "Tijdelijke mededeling."})


class ServiceListSchema(PageSchema):
    items = fields.List(fields.Nested(ServiceSummarySchema), required=True)


class OrganizationSummarySchema(DutchSchema):
    id = fields.UUID(required=True)
    naam = fields.String(required=True)
    omschrijving = fields.String(required=True)
    website = fields.String(required=True)
    email = fields.String(required=True)
    bijgewerkt = fields.DateTime(required=True)


class OrganizationSchema(OrganizationSummarySchema):
    andere_naam = fields.String(required=True)
    telefoon = fields.List(fields.Nested(PhoneSchema), required=True)
    diensten = fields.List(fields.Nested(ServiceSummarySchema), required=True)


class OrganizationListSchema(PageSchema):
    items = fields.List(fields.Nested(OrganizationSummarySchema), required=True)


class ServiceListArgsSchema(PagingArgsSchema):
    """The filters of the sociale-kaart page, with the same names."""

    q = fields.String(validate=_length(200), metadata={"description": "Vrije tekst."})
    thema = fields.List(
        fields.Integer(validate=_range(1, 999_999_999)),
        validate=validate.Length(max=50),
        metadata={"description": "Thema-id's; een hoofdthema telt zijn subthema's mee."},
    )
    gemeente = fields.Integer(
        validate=_range(1, 999_999_999),
        metadata={"description": "Gemeente-id: diensten die daar werken (ook landelijk)."},
    )
    leeftijd = fields.Integer(validate=_range(0, 130))
    taal = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{1,3}$", error="Een taalcode, zoals nl of en."),
        metadata={"description": "Taalcode (ISO 639), zoals nl, en, tr, ar."},
    )
    nu_open = fields.Boolean(metadata={"description": "Alleen diensten die nu open zijn."})


def _directory_filters(args: dict) -> browse.DirectoryFilters:
    pairs = MultiDict()
    for name, value in args.items():
        if name == "per_pagina":
            continue
        if isinstance(value, bool):
            value = "1" if value else ""
        for item in value if isinstance(value, list) else [value]:
            pairs.add(name, str(item))
    return browse.DirectoryFilters.from_args(pairs)


def _page_numbers(total: int, page: int, per_page: int) -> dict[str, int]:
    return {
        "totaal": total,
        "pagina": page,
        "per_pagina": per_page,
        "paginas": (total + per_page - 1) // per_page,
    }


@bp.route("/directory/services", methods=["GET"], endpoint="directory_services")
@bp.arguments(ServiceListArgsSchema, location="query", as_kwargs=True)
@bp.response(200, ServiceListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(422, **_problem_doc(422, "Een filter klopt niet."))
@bp.alt_response(503, **_problem_doc(503, "Zoeken lukt nu niet."))
def list_services(**args):
    """Sociale kaart: diensten zoeken

    Dezelfde filters als de pagina van de sociale kaart (q, thema, gemeente, leeftijd, taal,
    nu_open). Opgeheven diensten staan er niet in. Het volledige HSDS 3.0-formaat staat op de
    HSDS-adressen van de sociale kaart.
    """
    filters = _directory_filters(args)
    if filters.municipality_id is not None and not db.session.get(
        Municipality, filters.municipality_id
    ):
        return errors.problem(422, errors={"gemeente": ["Deze gemeente bestaat niet."]})
    result = browse.browse(filters, per_page=args["per_pagina"])
    if result.error:
        return errors.problem(503, result.error)
    return {
        "items": [service_json(service, full=False) for service in result.services],
        **_page_numbers(result.total, filters.page, args["per_pagina"]),
    }


@bp.route("/directory/services/<uuid:service_id>", methods=["GET"], endpoint="directory_service")
@bp.response(200, ServiceSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def service_detail(service_id):
    """Sociale kaart: één dienst"""
    service = directory.get_service(service_id)
    if service is None:
        raise NotFound()
    return service_json(service)


@bp.route("/directory/organizations", methods=["GET"], endpoint="directory_organizations")
@bp.arguments(PagingArgsSchema, location="query", as_kwargs=True)
@bp.response(200, OrganizationListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
def list_organizations(pagina: int, per_pagina: int):
    """Sociale kaart: organisaties, op naam"""
    page = db.paginate(
        select(Organization).order_by(func.lower(Organization.name), Organization.id),
        page=pagina,
        per_page=per_pagina,
        error_out=False,
        count=True,
    )
    return {
        "items": [organization_json(o, full=False) for o in page.items],
        **_page_numbers(page.total or 0, pagina, per_pagina),
    }


@bp.route(
    "/directory/organizations/<uuid:organization_id>",
    methods=["GET"],
    endpoint="directory_organization",
)
@bp.response(200, OrganizationSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def organization_detail(organization_id):
    """Sociale kaart: één organisatie met haar diensten"""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    return organization_json(organization)


# Digests -------------------------------------------------------------------------------


def digest_json(digest: Digest, full: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": digest.id,
        "titel": digest.title,
        "periode": digest.period_label,
        "begin": digest.period_start,
        "eind": digest.period_end,
        "versie": digest.version,
        "vervangt": digest.supersedes_id,
        "gepubliceerd": digest.published_at,
        "samenvatting": digests.digest_summary_text(digest),
    }
    if full:
        data["inleiding"] = digest.introduction or ""
        data["opmerkingen"] = dict(digest.remarks or {})
        data["wijziging"] = digest.change_note or ""
        data["cijfers"] = digest.figures or {}
    return data


class DigestSummarySchema(DutchSchema):
    id = fields.Integer(required=True)
    titel = fields.String(required=True)
    periode = fields.String(required=True, metadata={"description": "Zoals 2026-Q3 of 2026-H2."})
    begin = fields.Date(required=True)
    eind = fields.Date(required=True)
    versie = fields.Integer(required=True)
    vervangt = fields.Integer(
        allow_none=True, metadata={"description": "Id van de versie die deze corrigeert."}
    )
    gepubliceerd = fields.DateTime(allow_none=True)
    samenvatting = fields.String(required=True)


class DigestSchema(DigestSummarySchema):
    inleiding = fields.String(required=True)
    opmerkingen = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Toelichting van de coördinator per onderdeel."},
    )
    wijziging = fields.String(required=True, metadata={"description": "Wat de correctie wijzigt."})
    cijfers = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "De cijfers van de periode, zoals op de pagina."},
    )


class DigestListSchema(PageSchema):
    items = fields.List(fields.Nested(DigestSummarySchema), required=True)


@bp.route("/digests", methods=["GET"], endpoint="digests_list")
@bp.arguments(PagingArgsSchema, location="query", as_kwargs=True)
@bp.response(200, DigestListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
def list_digests(pagina: int, per_pagina: int):
    """Gepubliceerde signaleringsrapportages, nieuwste eerst (zonder vervangen versies)"""
    published = digests.published_digests()
    start = (pagina - 1) * per_pagina
    return {
        "items": [digest_json(d, full=False) for d in published[start : start + per_pagina]],
        **_page_numbers(len(published), pagina, per_pagina),
    }


@bp.route("/digests/<int(max=2147483647):digest_id>", methods=["GET"], endpoint="digests_detail")
@bp.response(200, DigestSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def digest_detail(digest_id: int):
    """Eén gepubliceerde signaleringsrapportage met haar cijfers"""
    digest = db.session.get(Digest, digest_id)
    if digest is None or not digest.is_published:
        raise NotFound()
    return digest_json(digest)
