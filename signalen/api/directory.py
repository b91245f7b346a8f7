"""Read endpoints for the sociale kaart and the published digests under /api/v1.

They call the services of :mod:`signalen.directory` and :mod:`signalen.digests`; the full
HSDS 3.0 exchange format stays at the HSDS endpoints of the sociale kaart. The schemas read
the models' attributes, so each field is named once.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from signalen.api import errors
from signalen.api.routes import (
    MAX_ID,
    NOT_FOUND,
    UNAUTHORIZED,
    bp,
    paged,
    problem_doc,
    query_args,
)
from signalen.api.schemas import (
    MAX_FILTER_ID,
    STRING,
    DutchSchema,
    NestedFrom,
    PageSchema,
    PagingArgsSchema,
    _range,
    computed,
    ids,
    name_of,
    nullable,
    page_of,
    query_text,
    text,
    theme_names,
)
from signalen.digests import services as digests
from signalen.digests.models import Digest
from signalen.directory import browse
from signalen.directory.models import Organization
from signalen.directory.services.common import get_service, services_of_organization
from signalen.extensions import db
from signalen.taxonomy.models import Municipality

# Sociale kaart -------------------------------------------------------------------------


class PhoneSchema(DutchSchema):
    nummer = text("number")
    omschrijving = text("description")


def _address_part(name: str):
    def part(location) -> str:
        address = location.address
        return getattr(address, name) if address else ""

    return part


class LocationSchema(DutchSchema):
    id = fields.UUID(required=True)
    naam = text("name")
    adres = computed(_address_part("one_line"), STRING, description="Op één regel.")
    postcode = computed(_address_part("postal_code"), STRING)
    plaats = computed(_address_part("city"), STRING)
    gemeente = name_of("municipality", allow_none=True)
    breedtegraad = nullable(fields.Float, "latitude")
    lengtegraad = nullable(fields.Float, "longitude")


class EntrySchema(DutchSchema):
    """What an organisation and a service on the sociale kaart both have."""

    id = fields.UUID(required=True)
    naam = text("name")
    omschrijving = text("description")
    email = text("email")
    bijgewerkt = fields.DateTime(attribute="updated_at", required=True)


class OrganizationSummarySchema(EntrySchema):
    website = text("website")


class OrganizationRefSchema(DutchSchema):
    id = fields.UUID(required=True)
    naam = text("name")


class ServiceSummarySchema(EntrySchema):
    organisatie = fields.Nested(OrganizationRefSchema, attribute="organization", required=True)
    status = text("status", "HSDS: active, inactive, defunct, temporarily closed.")
    thema = theme_names()
    website = text("url")
    gecontroleerd_op = nullable(
        fields.Date, "assured_date", "Laatst gecontroleerd (HSDS assured_date)."
    )


class AreaSchema(DutchSchema):
    naam = text("label")


class ServiceSchema(ServiceSummarySchema):
    andere_naam = text("alternate_name")
    aanmelden = text("application_process")
    kosten = text("fees_description")
    voor_wie = text("eligibility_description")
    minimum_leeftijd = nullable(fields.Integer, "minimum_age")
    maximum_leeftijd = nullable(fields.Integer, "maximum_age")
    talen = computed(
        lambda service: [language.name or language.code for language in service.languages],
        {"type": "array", "items": STRING},
    )
    werkgebied = fields.Pluck(
        AreaSchema, "naam", many=True, attribute="service_areas", required=True
    )
    telefoon = fields.List(fields.Nested(PhoneSchema), attribute="phones", required=True)
    locaties = fields.List(fields.Nested(LocationSchema), attribute="locations", required=True)
    melding = text("alert", "Tijdelijke mededeling.")


def _listed_services(organization: Organization) -> list:
    return [
        service
        for service in services_of_organization(organization.id)
        if service.status not in browse.HIDDEN_STATUSES
    ]


class OrganizationSchema(OrganizationSummarySchema):
    andere_naam = text("alternate_name")
    telefoon = fields.List(fields.Nested(PhoneSchema), attribute="phones", required=True)
    diensten = NestedFrom(
        _listed_services,
        ServiceSummarySchema,
        metadata={"description": "De diensten die op de sociale kaart staan."},
    )


class ServiceListSchema(PageSchema):
    items = fields.List(fields.Nested(ServiceSummarySchema), required=True)


class OrganizationListSchema(PageSchema):
    items = fields.List(fields.Nested(OrganizationSummarySchema), required=True)


class ServiceListArgsSchema(PagingArgsSchema):
    """The filters of the sociale-kaart page, with the same names."""

    q = query_text()
    thema = ids("Thema-id's; een hoofdthema telt zijn subthema's mee.")
    gemeente = fields.Integer(
        validate=_range(1, MAX_FILTER_ID),
        metadata={"description": "Gemeente-id: diensten die daar werken (ook landelijk)."},
    )
    leeftijd = fields.Integer(validate=_range(0, 130))
    taal = fields.String(
        validate=validate.Regexp(r"^[A-Za-z]{1,3}$", error=_l("Een taalcode, zoals nl of en.")),
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


@bp.route("/directory/services", methods=["GET"], endpoint="directory_services")
@query_args(ServiceListArgsSchema)
@bp.response(200, ServiceListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(422, **problem_doc(422, "Een filter klopt niet."))
@bp.alt_response(503, **problem_doc(503, "Zoeken lukt nu niet."))
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
        return errors.problem(422, errors={"gemeente": [_l("Deze gemeente bestaat niet.")]})
    result = browse.browse(filters, per_page=args["per_pagina"])
    if result.error:
        return errors.problem(503, result.error)
    return page_of(result.services, result.total, filters.page, args["per_pagina"])


@bp.route("/directory/services/<uuid:service_id>", methods=["GET"], endpoint="directory_service")
@bp.response(200, ServiceSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def service_detail(service_id):
    """Sociale kaart: één dienst"""
    service = get_service(service_id)
    if service is None:
        raise NotFound()
    return service


@bp.route("/directory/organizations", methods=["GET"], endpoint="directory_organizations")
@query_args(PagingArgsSchema)
@bp.response(200, OrganizationListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
def list_organizations(pagina: int, per_pagina: int):
    """Sociale kaart: organisaties, op naam"""
    query = select(Organization).order_by(func.lower(Organization.name), Organization.id)
    return paged(query, pagina, per_pagina)


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
    return organization


# Digests -------------------------------------------------------------------------------


class DigestSummarySchema(DutchSchema):
    id = fields.Integer(required=True)
    titel = text("title")
    periode = text("period_label", "Zoals 2026-Q3 of 2026-H2.")
    begin = fields.Date(attribute="period_start", required=True)
    eind = fields.Date(attribute="period_end", required=True)
    versie = fields.Integer(attribute="version", required=True)
    vervangt = nullable(fields.Integer, "supersedes_id", "Id van de versie die deze corrigeert.")
    gepubliceerd = fields.DateTime(attribute="published_at", required=True)
    samenvatting = computed(digests.digest_summary_text, STRING)


class DigestSchema(DigestSummarySchema):
    inleiding = text("introduction")
    opmerkingen = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        attribute="remarks",
        required=True,
        metadata={"description": "Toelichting van de coördinator per onderdeel."},
    )
    wijziging = text("change_note", "Wat de correctie wijzigt.")
    cijfers = fields.Dict(
        keys=fields.String(),
        attribute="figures",
        required=True,
        metadata={"description": "De cijfers van de periode, zoals op de pagina."},
    )


class DigestListSchema(PageSchema):
    items = fields.List(fields.Nested(DigestSummarySchema), required=True)


@bp.route("/digests", methods=["GET"], endpoint="digests_list")
@query_args(PagingArgsSchema)
@bp.response(200, DigestListSchema)
@bp.alt_response(401, **UNAUTHORIZED)
def list_digests(pagina: int, per_pagina: int):
    """Gepubliceerde signaleringsrapportages, nieuwste eerst (zonder vervangen versies)"""
    published = digests.published_digests()
    start = (pagina - 1) * per_pagina
    return page_of(published[start : start + per_pagina], len(published), pagina, per_pagina)


@bp.route(f"/digests/<int(max={MAX_ID}):digest_id>", methods=["GET"], endpoint="digests_detail")
@bp.response(200, DigestSchema)
@bp.alt_response(401, **UNAUTHORIZED)
@bp.alt_response(404, **NOT_FOUND)
def digest_detail(digest_id: int):
    """Eén gepubliceerde signaleringsrapportage met haar cijfers"""
    digest = db.session.get(Digest, digest_id)
    if digest is None or not digest.is_published:
        raise NotFound()
    return digest
