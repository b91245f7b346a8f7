"""Marshmallow schemas: they validate requests and generate the OpenAPI description.

Error messages are Dutch (the API speaks Dutch whatever the site's language): every field
gets Dutch messages when it is bound to a schema.
"""

from __future__ import annotations

from typing import ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from signalen.infobank.filters import MAX_VALUES_PER_FACET, SORTS
from signalen.signals.models import (
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Channel,
    Impact,
    Status,
    Visibility,
)
from signalen.signals.services import MAX_REPORT_COUNT

MAX_NAMES = 20
NAME_LENGTH = 200

# Marshmallow's message keys -> Dutch; applied to every field of every schema here.
DUTCH_MESSAGES = {
    "required": "Dit veld is verplicht.",
    "null": "Dit veld mag niet leeg (null) zijn.",
    "validator_failed": "Deze waarde is niet geldig.",
}
DUTCH_INVALID = {
    fields.String: "Dit moet tekst zijn.",
    fields.Integer: "Dit moet een heel getal zijn.",
    fields.Boolean: "Dit moet true of false zijn.",
    fields.Date: "Dit moet een datum zijn (jjjj-mm-dd).",
    fields.DateTime: "Dit moet een datum en tijd zijn (ISO 8601).",
    fields.List: "Dit moet een lijst zijn.",
    fields.Nested: "Dit moet een object zijn.",
    fields.Dict: "Dit moet een object zijn.",
}


class DutchSchema(ma.Schema):
    """A schema whose validation messages are Dutch."""

    error_messages: ClassVar[dict[str, str]] = {
        "unknown": "Onbekend veld.",
        "type": "Stuur een JSON-object.",
    }

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        _dutch(field_obj)


def _dutch(field_obj: fields.Field) -> None:
    field_obj.error_messages.update(DUTCH_MESSAGES)
    for field_class, message in DUTCH_INVALID.items():
        if isinstance(field_obj, field_class):
            field_obj.error_messages["invalid"] = message
            break
    if isinstance(field_obj, fields.Integer):
        field_obj.error_messages["too_large"] = "Dit getal is te groot."
    if isinstance(field_obj, fields.String):
        field_obj.error_messages["invalid_utf8"] = "Dit is geen geldige UTF-8-tekst."
    inner = getattr(field_obj, "inner", None)
    if inner is not None:
        _dutch(inner)


def _one_of(enum_class) -> validate.OneOf:
    values = [member.value for member in enum_class]
    return validate.OneOf(values, error="Kies een van: {choices}.")


def _length(maximum: int, minimum: int | None = None) -> validate.Length:
    return validate.Length(
        min=minimum,
        max=maximum,
        error="Tussen {min} en {max} tekens." if minimum else "Hoogstens {max} tekens.",
    )


def _range(minimum: int, maximum: int) -> validate.Range:
    return validate.Range(min=minimum, max=maximum, error="Een getal van {min} tot en met {max}.")


def _names(description: str) -> fields.List:
    return fields.List(
        fields.String(validate=_length(NAME_LENGTH)),
        validate=validate.Length(max=MAX_NAMES, error="Hoogstens {max} namen."),
        metadata={"description": description},
    )


# Problems ------------------------------------------------------------------------------


class FindingSchema(DutchSchema):
    veld = fields.String(metadata={"description": "titel of omschrijving"})
    soort = fields.String(
        metadata={
            "description": "BSN, IBAN, TELEFOON, EMAIL, ADRES, POSTCODE of GEBOORTEDATUM",
        }
    )
    omschrijving = fields.String(metadata={"description": "De soort in gewone taal."})
    begin = fields.Integer(metadata={"description": "Positie van het eerste teken (vanaf 0)."})
    eind = fields.Integer(metadata={"description": "Positie na het laatste teken."})


class SimilarSchema(DutchSchema):
    id = fields.Integer()
    titel = fields.String()
    status = fields.String()
    aantal_meldingen = fields.Integer()


class ProblemSchema(DutchSchema):
    """An error as application/problem+json (RFC 9457), in Dutch."""

    type = fields.String(metadata={"description": "Soort fout (een URI)."})
    title = fields.String(metadata={"description": "Korte omschrijving."})
    status = fields.Integer()
    detail = fields.String(metadata={"description": "Wat er mis is en wat u kunt doen."})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Per veld (of locatie en veld) de fouten."},
    )
    persoonsgegevens = fields.List(
        fields.Nested(FindingSchema),
        metadata={"description": "Gevonden persoonsgegevens; er is niets opgeslagen."},
    )
    vergelijkbaar = fields.List(fields.Nested(SimilarSchema))
    limiet = fields.String(metadata={"description": "De grens bij 429, zoals '60 per 1 minute'."})


# Signals -------------------------------------------------------------------------------


class SignalInputSchema(DutchSchema):
    """A new knelpunt, with the CSV column names as keys. Names are matched without regard
    to case, as in the CSV import (``Betaling/Uitkering te laat`` picks a sub-theme)."""

    titel = fields.String(required=True, validate=_length(TITLE_MAX_LENGTH, 1))
    omschrijving = fields.String(required=True, validate=_length(DESCRIPTION_MAX_LENGTH, 1))
    datum = fields.Date(
        allow_none=True, metadata={"description": "Wanneer het gebeurde (jjjj-mm-dd)."}
    )
    kanaal = fields.String(
        validate=_one_of(Channel),
        metadata={"description": "Hoe het knelpunt binnenkwam; standaard api."},
    )
    thema = _names("Namen van thema's, bijvoorbeeld 'Betaling/Uitkering te laat'.")
    regeling = _names("Namen of afkortingen van regelingen (WW, Participatiewet, …).")
    uitvoerder = fields.String(
        allow_none=True,
        validate=_length(NAME_LENGTH),
        metadata={"description": "Naam van de uitvoerder, of 'Gemeente <naam>'."},
    )
    gemeente = fields.String(allow_none=True, validate=_length(NAME_LENGTH))
    aantal_meldingen = fields.Integer(validate=_range(1, MAX_REPORT_COUNT))
    impact = fields.String(validate=_one_of(Impact))
    zichtbaarheid = fields.String(
        validate=_one_of(Visibility),
        metadata={"description": "Standaard netwerk. Openbaar pas na goedkeuring."},
    )
    vervang_persoonsgegevens = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: gevonden persoonsgegevens worden vervangen door [BSN], "
            "[TELEFOON], … en het knelpunt wordt opgeslagen. false (standaard): antwoord 422 "
            "met de gevonden persoonsgegevens; er wordt niets opgeslagen."
        },
    )


class SignalSchema(DutchSchema):
    id = fields.Integer(required=True)
    titel = fields.String(required=True)
    omschrijving = fields.String(required=True)
    datum = fields.Date(allow_none=True)
    kanaal = fields.String(required=True, validate=_one_of(Channel))
    thema = fields.List(fields.String(), required=True)
    regeling = fields.List(fields.String(), required=True)
    uitvoerder = fields.String(allow_none=True)
    gemeente = fields.String(allow_none=True)
    aantal_meldingen = fields.Integer(required=True)
    impact = fields.String(required=True, validate=_one_of(Impact))
    zichtbaarheid = fields.String(required=True, validate=_one_of(Visibility))
    status = fields.String(required=True, validate=_one_of(Status))
    organisatie = fields.String(required=True)
    aangemaakt = fields.DateTime(required=True)
    bijgewerkt = fields.DateTime(required=True)
    samengevoegd_met = fields.Integer(
        allow_none=True,
        metadata={"description": "Id van het knelpunt waarmee dit is samengevoegd."},
    )


class SignalCreatedSchema(SignalSchema):
    vergelijkbaar = fields.List(
        fields.Nested(SimilarSchema),
        required=True,
        metadata={"description": "Bekende knelpunten die op dit knelpunt lijken."},
    )
    vervangen = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Soorten persoonsgegevens die zijn vervangen."},
    )


class SignalCheckSchema(DutchSchema):
    persoonsgegevens = fields.List(fields.Nested(FindingSchema), required=True)
    vergelijkbaar = fields.List(fields.Nested(SimilarSchema), required=True)


class FacetValueSchema(DutchSchema):
    waarde = fields.String()
    label = fields.String()
    aantal = fields.Integer()


class FacetSchema(DutchSchema):
    naam = fields.String()
    titel = fields.String()
    waarden = fields.List(fields.Nested(FacetValueSchema))


class PageSchema(DutchSchema):
    totaal = fields.Integer(required=True)
    pagina = fields.Integer(required=True)
    per_pagina = fields.Integer(required=True)
    paginas = fields.Integer(required=True)


class SignalListSchema(PageSchema):
    items = fields.List(fields.Nested(SignalSchema), required=True)
    facetten = fields.List(fields.Nested(FacetSchema), required=True)
    suggestie = fields.String(allow_none=True, metadata={"description": "Bedoelde u …?"})


def _ids(description: str) -> fields.List:
    return fields.List(
        fields.Integer(validate=_range(1, 999_999_999)),
        validate=validate.Length(max=MAX_VALUES_PER_FACET),
        metadata={"description": description},
    )


class PagingArgsSchema(DutchSchema):
    pagina = fields.Integer(load_default=1, validate=_range(1, 9_999))
    per_pagina = fields.Integer(load_default=20, validate=_range(1, 100))


class SignalListArgsSchema(PagingArgsSchema):
    """The filters of the search page /zoeken, with the same names."""

    q = fields.String(validate=_length(200), metadata={"description": "Vrije tekst."})
    thema = _ids("Thema-id's (zie /api/v1/taxonomies); een hoofdthema telt zijn subthema's mee.")
    regeling = _ids("Regeling-id's.")
    uitvoerder = _ids("Uitvoerder-id's.")
    gemeente = _ids("Gemeente-id's.")
    organisatie = _ids("Id's van melders (organisaties).")
    status = fields.List(fields.String(validate=_one_of(Status)))
    impact = fields.List(fields.String(validate=_one_of(Impact)))
    periode = fields.List(
        fields.String(
            validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="Gebruik jjjj-mm.")
        ),
        metadata={"description": "Maand van het knelpunt, jjjj-mm."},
    )
    van = fields.Date(metadata={"description": "Vanaf deze datum (jjjj-mm-dd)."})
    tot = fields.Date(metadata={"description": "Tot en met deze datum (jjjj-mm-dd)."})
    sorteer = fields.String(
        validate=validate.OneOf(SORTS, error="Kies een van: {choices}."),
        metadata={"description": "Standaard relevantie bij een zoekvraag, anders datum."},
    )


# Taxonomies and articles ---------------------------------------------------------------


class ThemeSchema(DutchSchema):
    id = fields.Integer()
    naam = fields.String()
    volledige_naam = fields.String()
    hoofdthema = fields.Integer(allow_none=True)
    omschrijving = fields.String()


class SchemeSchema(DutchSchema):
    id = fields.Integer()
    naam = fields.String()
    afkorting = fields.String()
    omschrijving = fields.String()


class AgencySchema(DutchSchema):
    id = fields.Integer()
    naam = fields.String()
    soort = fields.String()
    omschrijving = fields.String()


class MunicipalitySchema(DutchSchema):
    id = fields.Integer()
    naam = fields.String()
    code = fields.String()
    provincie = fields.String()


class TaxonomiesSchema(DutchSchema):
    thema = fields.List(fields.Nested(ThemeSchema), required=True)
    regeling = fields.List(fields.Nested(SchemeSchema), required=True)
    uitvoerder = fields.List(fields.Nested(AgencySchema), required=True)
    gemeente = fields.List(fields.Nested(MunicipalitySchema), required=True)


class ArticleSummarySchema(DutchSchema):
    id = fields.Integer(required=True)
    titel = fields.String(required=True)
    thema = fields.List(fields.String(), required=True)
    zichtbaarheid = fields.String(required=True)
    gepubliceerd = fields.Boolean(required=True)
    organisatie = fields.String(required=True)
    aangemaakt = fields.DateTime(required=True)
    bijgewerkt = fields.DateTime(required=True)


class ArticleSchema(ArticleSummarySchema):
    tekst = fields.String(required=True, metadata={"description": "Markdown."})


class ArticleListSchema(PageSchema):
    items = fields.List(fields.Nested(ArticleSummarySchema), required=True)
