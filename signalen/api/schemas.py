"""Marshmallow schemas: they validate requests, shape responses and generate the OpenAPI
description, so the three cannot drift apart.

Error messages are Dutch (the API speaks Dutch whatever the site's language): every field
gets Dutch messages when it is bound to a schema. Response schemas read the models' own
attributes (``attribute=``); a signal is the exception: it is built as the CSV row of the
export (:func:`signalen.api.services.signal_json`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import marshmallow as ma
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from signalen.articles.services import render_markdown
from signalen.core.validation import DATE_MAX, DATE_MIN
from signalen.infobank.filters import MAX_VALUES_PER_FACET, SORTS
from signalen.search import services as search
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
MAX_PAGE = 9_999
MAX_PER_PAGE = 100
# The search filters take ids of at most nine digits.
MAX_FILTER_ID = 999_999_999

# Marshmallow's message keys -> Dutch; applied to every field of every schema here.
DUTCH_MESSAGES = {
    "required": _l("Dit veld is verplicht."),
    "null": _l("Dit veld mag niet leeg (null) zijn."),
    "validator_failed": _l("Deze waarde is niet geldig."),
}
DUTCH_INVALID = {
    fields.String: _l("Dit moet tekst zijn."),
    fields.Integer: _l("Dit moet een heel getal zijn."),
    fields.Boolean: _l("Dit moet true of false zijn."),
    fields.Date: _l("Dit moet een datum zijn (jjjj-mm-dd)."),
    fields.DateTime: _l("Dit moet een datum en tijd zijn (ISO 8601)."),
    fields.List: _l("Dit moet een lijst zijn."),
    fields.Nested: _l("Dit moet een object zijn."),
    fields.Dict: _l("Dit moet een object zijn."),
}

STRING: dict[str, Any] = {"type": "string"}
STRING_LIST: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


class DutchSchema(ma.Schema):
    """A schema whose validation messages are Dutch."""

    error_messages: ClassVar[dict[str, Any]] = {
        "unknown": _l("Onbekend veld."),
        "type": _l("Stuur een JSON-object."),
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
        field_obj.error_messages["too_large"] = _l("Dit getal is te groot.")
    if isinstance(field_obj, fields.String):
        field_obj.error_messages["invalid_utf8"] = _l("Dit is geen geldige UTF-8-tekst.")
    inner = getattr(field_obj, "inner", None)
    if inner is not None:
        _dutch(inner)


def _one_of(enum_class) -> validate.OneOf:
    values = [member.value for member in enum_class]
    return validate.OneOf(values, error=_l("Kies een van: {choices}."))


def _length(maximum: int, minimum: int | None = None) -> validate.Length:
    return validate.Length(
        min=minimum,
        max=maximum,
        error=_l("Tussen {min} en {max} tekens.") if minimum else _l("Hoogstens {max} tekens."),
    )


def _query_text_length(value: str) -> None:
    maximum = search.max_query_length()
    if len(value) > maximum:
        raise ValidationError(str(_l("Hoogstens %(max)d tekens.", max=maximum)))


def query_text() -> fields.String:
    """The free-text ``q`` of a search, as long as the site's search allows."""
    return fields.String(
        validate=_query_text_length,
        metadata={"description": "Vrije tekst (standaard hoogstens 200 tekens)."},
    )


def _date_range() -> validate.Range:
    """Dates the site can reckon with (a day or month added never overflows)."""
    return validate.Range(
        min=DATE_MIN, max=DATE_MAX, error=_l("Een datum van {min} tot en met {max}.")
    )


def _range(minimum: int, maximum: int) -> validate.Range:
    return validate.Range(
        min=minimum, max=maximum, error=_l("Een getal van {min} tot en met {max}.")
    )


def _names(description: str) -> fields.List:
    return fields.List(
        fields.String(validate=_length(NAME_LENGTH)),
        validate=validate.Length(max=MAX_NAMES, error=_l("Hoogstens {max} namen.")),
        metadata={"description": description},
    )


def ids(description: str, maximum: int = MAX_VALUES_PER_FACET) -> fields.List:
    """A query parameter with one or more ids (``?thema=3&thema=7``)."""
    return fields.List(
        fields.Integer(validate=_range(1, MAX_FILTER_ID)),
        validate=validate.Length(max=maximum, error=_l("Hoogstens {max} waarden.")),
        metadata={"description": description},
    )


def computed(function: Callable[[Any], Any], json_schema: dict[str, Any], **kwargs):
    """A response value worked out from the object, documented with ``json_schema``."""
    description = kwargs.pop("description", None)
    metadata = {**json_schema, **({"description": description} if description else {})}
    return fields.Function(function, required=True, metadata=metadata, **kwargs)


class NestedFrom(fields.Nested):
    """Nested objects that a function picks from the object (documented as the schema)."""

    def __init__(self, pick: Callable[[Any], Any], nested, **kwargs) -> None:
        self.pick = pick
        super().__init__(nested, many=True, required=True, **kwargs)

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return self.pick(obj)


def nullable(field_class: type[fields.Field], attribute: str, description: str = "", **kwargs):
    """A response value that may be null, read from ``attribute`` of the object."""
    metadata = {"description": description} if description else {}
    return field_class(
        attribute=attribute, required=True, allow_none=True, metadata=metadata, **kwargs
    )


def text(attribute: str, description: str | None = None) -> fields.String:
    """A required text in a response, read from ``attribute`` of the object."""
    metadata = {"description": description} if description else {}
    return fields.String(attribute=attribute, required=True, metadata=metadata)


# Problems ------------------------------------------------------------------------------


class FindingSchema(DutchSchema):
    veld = fields.String(required=True, metadata={"description": "titel of omschrijving"})
    soort = fields.String(
        required=True,
        metadata={"description": "BSN, IBAN, TELEFOON, EMAIL, ADRES, POSTCODE of GEBOORTEDATUM"},
    )
    omschrijving = fields.String(
        required=True, metadata={"description": "De soort in gewone taal."}
    )
    begin = fields.Integer(
        required=True, metadata={"description": "Positie van het eerste teken (vanaf 0)."}
    )
    eind = fields.Integer(required=True, metadata={"description": "Positie na het laatste teken."})


class SimilarSchema(DutchSchema):
    """A known knelpunt that looks like the one sent (read from the signal itself)."""

    id = fields.Integer(required=True)
    titel = text("title")
    status = fields.Enum(Status, by_value=True, required=True)
    aantal_meldingen = fields.Integer(attribute="report_count", required=True)


class ProblemSchema(DutchSchema):
    """An error as application/problem+json (RFC 9457), in Dutch."""

    type = fields.String(required=True, metadata={"description": "Soort fout (een URI)."})
    title = fields.String(required=True, metadata={"description": "Korte omschrijving."})
    status = fields.Integer(required=True)
    detail = fields.String(
        required=True, metadata={"description": "Wat er mis is en wat u kunt doen."}
    )
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Per veld (of locatie en veld) de fouten."},
    )
    persoonsgegevens = fields.List(
        fields.Nested(FindingSchema),
        metadata={"description": "Gevonden persoonsgegevens; er is niets opgeslagen."},
    )
    vergelijkbaar = fields.List(
        fields.Nested(SimilarSchema),
        metadata={"description": "Bekende knelpunten die op de melding lijken."},
    )
    limiet = fields.String(metadata={"description": "De grens bij 429, zoals '60 per 1 minute'."})


# Paging --------------------------------------------------------------------------------


class PagingArgsSchema(DutchSchema):
    pagina = fields.Integer(load_default=1, validate=_range(1, MAX_PAGE))
    per_pagina = fields.Integer(load_default=20, validate=_range(1, MAX_PER_PAGE))


class PageSchema(DutchSchema):
    totaal = fields.Integer(required=True, metadata={"description": "Alle treffers samen."})
    pagina = fields.Integer(required=True)
    per_pagina = fields.Integer(required=True)
    paginas = fields.Integer(required=True, metadata={"description": "Aantal pagina's."})


def page_of(items: list, total: int, page: int, per_page: int, **extra: Any) -> dict[str, Any]:
    """The body of a list response: one page of ``items`` with the totals (and, for the
    response's ``Link`` header, the page and the number of pages on ``g``)."""
    if has_request_context():
        g.api_page = (page, (total + per_page - 1) // per_page)
    return {
        "items": items,
        "totaal": total,
        "pagina": page,
        "per_pagina": per_page,
        "paginas": (total + per_page - 1) // per_page,
        **extra,
    }


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


class ReportInputSchema(DutchSchema):
    """ "Ook gemeld": the same knelpunt reached another helpdesk."""

    datum = fields.Date(
        allow_none=True, metadata={"description": "Wanneer het gebeurde (jjjj-mm-dd)."}
    )
    kanaal = fields.String(validate=_one_of(Channel), metadata={"description": "Standaard api."})
    aantal_meldingen = fields.Integer(
        load_default=1,
        validate=_range(1, MAX_REPORT_COUNT),
        metadata={"description": "Hoeveel cliënten dit meldden (standaard 1)."},
    )


class SignalSchema(DutchSchema):
    id = fields.Integer(required=True)
    titel = fields.String(required=True)
    omschrijving = fields.String(required=True)
    datum = fields.Date(required=True, allow_none=True)
    kanaal = fields.String(required=True, validate=_one_of(Channel))
    thema = fields.List(
        fields.String(), required=True, metadata={"description": "Volledige namen."}
    )
    regeling = fields.List(fields.String(), required=True)
    uitvoerder = fields.String(required=True, allow_none=True)
    gemeente = fields.String(required=True, allow_none=True)
    aantal_meldingen = fields.Integer(required=True)
    impact = fields.String(required=True, validate=_one_of(Impact))
    zichtbaarheid = fields.String(required=True, validate=_one_of(Visibility))
    status = fields.String(required=True, validate=_one_of(Status))
    organisatie = fields.String(required=True, metadata={"description": "De melder."})
    aangemaakt = fields.DateTime(required=True)
    bijgewerkt = fields.DateTime(required=True)
    samengevoegd_met = fields.Integer(
        required=True,
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
    waarde = fields.String(required=True, metadata={"description": "Voor het filter."})
    label = fields.String(required=True)
    aantal = fields.Integer(required=True)


class FacetSchema(DutchSchema):
    naam = fields.String(required=True, metadata={"description": "Naam van het filter."})
    titel = fields.String(required=True)
    waarden = fields.List(fields.Nested(FacetValueSchema), required=True)


class SignalListSchema(PageSchema):
    items = fields.List(fields.Nested(SignalSchema), required=True)
    facetten = fields.List(fields.Nested(FacetSchema), required=True)
    suggestie = fields.String(
        required=True, allow_none=True, metadata={"description": "Bedoelde u …?"}
    )


class SignalListArgsSchema(PagingArgsSchema):
    """The filters of the search page /zoeken, with the same names."""

    q = query_text()
    thema = ids("Thema-id's (zie /api/v1/taxonomies); een hoofdthema telt zijn subthema's mee.")
    regeling = ids("Regeling-id's.")
    uitvoerder = ids("Uitvoerder-id's.")
    gemeente = ids("Gemeente-id's.")
    organisatie = ids("Id's van melders (organisaties).")
    status = fields.List(fields.String(validate=_one_of(Status)))
    impact = fields.List(fields.String(validate=_one_of(Impact)))
    periode = fields.List(
        fields.String(
            validate=validate.Regexp(
                r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$", error=_l("Gebruik jjjj-mm.")
            )
        ),
        metadata={
            "description": "Maand waarin het knelpunt gebeurde (`datum`; zonder datum de "
            "maand van registratie), jjjj-mm (1900 tot 2999)."
        },
    )
    van = fields.Date(
        validate=_date_range(),
        metadata={
            "description": "Gebeurd vanaf deze dag (`datum`; zonder datum de dag van "
            "registratie), jjjj-mm-dd."
        },
    )
    tot = fields.Date(
        validate=_date_range(),
        metadata={"description": "Gebeurd tot en met deze dag (zoals `van`), jjjj-mm-dd."},
    )
    aangemaakt_van = fields.Date(
        validate=_date_range(),
        metadata={"description": "Geregistreerd vanaf deze dag (jjjj-mm-dd)."},
    )
    aangemaakt_tot = fields.Date(
        validate=_date_range(),
        metadata={"description": "Geregistreerd tot en met deze dag (jjjj-mm-dd)."},
    )
    sorteer = fields.String(
        validate=validate.OneOf(SORTS, error=_l("Kies een van: {choices}.")),
        metadata={"description": "Standaard relevantie bij een zoekvraag, anders datum."},
    )
    openbaar = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: alleen openbare, goedgekeurde knelpunten: wat iedereen op "
            "de openbare site ziet (voor de website van een partner)."
        },
    )


# Taxonomies ----------------------------------------------------------------------------


class TermSchema(DutchSchema):
    """A term of a taxonomy: its id (for the filters) and its name (for reporting)."""

    id = fields.Integer(required=True)
    naam = text("name")


class DescribedTermSchema(TermSchema):
    omschrijving = text("description")


class ThemeSchema(DescribedTermSchema):
    volledige_naam = text("full_name", "Zo gebruikt u het thema bij het melden.")
    hoofdthema = nullable(
        fields.Integer, "parent_id", "Id van het hoofdthema (null: dit is een hoofdthema)."
    )


class SchemeSchema(DescribedTermSchema):
    afkorting = text("short_name")


class AgencySchema(DescribedTermSchema):
    soort = text("kind")


class MunicipalitySchema(TermSchema):
    code = text("code", "CBS-code, zoals GM0344.")
    provincie = text("province")


class TaxonomiesSchema(DutchSchema):
    thema = fields.List(fields.Nested(ThemeSchema), required=True)
    regeling = fields.List(fields.Nested(SchemeSchema), required=True)
    uitvoerder = fields.List(fields.Nested(AgencySchema), required=True)
    gemeente = fields.List(fields.Nested(MunicipalitySchema), required=True)


def theme_names(attribute: str = "themes") -> fields.Pluck:
    """The full names of an object's themes."""
    return fields.Pluck(
        ThemeSchema, "volledige_naam", many=True, attribute=attribute, required=True
    )


def name_of(attribute: str, **kwargs) -> fields.Pluck:
    """The name of a related term or organisation."""
    return fields.Pluck(TermSchema, "naam", attribute=attribute, required=True, **kwargs)


# Articles ------------------------------------------------------------------------------


class ArticleSummarySchema(DutchSchema):
    id = fields.Integer(required=True)
    titel = text("title")
    thema = theme_names()
    zichtbaarheid = fields.Enum(Visibility, by_value=True, attribute="visibility", required=True)
    gepubliceerd = fields.Boolean(attribute="published", required=True)
    organisatie = name_of("organisation")
    aangemaakt = fields.DateTime(attribute="created_at", required=True)
    bijgewerkt = fields.DateTime(attribute="updated_at", required=True)


class ArticleSchema(ArticleSummarySchema):
    tekst = text("body", "Markdown.")
    html = computed(
        lambda article: str(render_markdown(article.body)),
        STRING,
        description="De tekst als veilige HTML (opgeschoond; zonder scripts).",
    )


class ArticleListSchema(PageSchema):
    items = fields.List(fields.Nested(ArticleSummarySchema), required=True)
