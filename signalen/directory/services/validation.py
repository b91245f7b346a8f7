"""Fields of the sociale kaart, their labels and their checks.

One check per kind of value (web address, e-mail address, phone number, postcode,
coordinates, …) serves the edit forms and the HSDS import alike."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from stdnum.exceptions import ValidationError
from stdnum.nl import postcode

from signalen.core.errors import ServiceError
from signalen.core.validation import clean_text, parse_ids, parse_int
from signalen.directory.models import (
    NAME_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    AreaKind,
    ServiceArea,
    ServiceStatus,
)
from signalen.extensions import db
from signalen.taxonomy.models import Municipality, Theme
from signalen.taxonomy.services import by_ids

FIELD_LABELS: dict[str, object] = {
    "name": _l("Naam"),
    "description": _l("Omschrijving"),
    "status": _l("Status"),
    "eligibility_description": _l("Voor wie"),
    "minimum_age": _l("Minimumleeftijd"),
    "maximum_age": _l("Maximumleeftijd"),
    "application_process": _l("Hoe aanmelden"),
    "fees_description": _l("Kosten"),
    "url": _l("Website"),
    "email": _l("E-mailadres"),
    "phone": _l("Telefoonnummer"),
    "languages": _l("Talen (codes, gescheiden door komma's, bijvoorbeeld nl, en, ar)"),
    "review_interval_months": _l("Controleren elke … maanden"),
    "assured_date": _l("Laatst gecontroleerd op"),
    "assurer_email": _l("Gecontroleerd door"),
    "themes": _l("Thema's"),
    "areas": _l("Werkgebied"),
    "schedules": _l("Openingstijden"),
    "*": _l("Aangemaakt"),
    "alternate_name": _l("Andere naam"),
    "interpretation_services": _l("Tolken"),
    "alert": _l("Melding"),
    "organization_id": _l("Organisatie"),
    "address": _l("Adres"),
    "other": _l("Iets anders"),
    "website": _l("Website"),
    "phones": _l("Telefoonnummers"),
    "locations": _l("Locaties"),
    "location_type": _l("Soort locatie"),
    "address_1": _l("Straat en huisnummer"),
    "address_2": _l("Tweede adresregel"),
    "postal_code": _l("Postcode"),
    "city": _l("Plaats"),
    "municipality": _l("Gemeente"),
    "latitude": _l("Breedtegraad"),
    "longitude": _l("Lengtegraad"),
    "transportation": _l("Bereikbaarheid"),
    "services": _l("Diensten op deze locatie"),
    "title": _l("Functie"),
    "department": _l("Afdeling"),
    "contacts": _l("Contactpersonen"),
}
TEXT_LIMITS = {
    "name": 200,
    "description": 5_000,
    "eligibility_description": 2_000,
    "application_process": 2_000,
    "fees_description": 1_000,
    "address": 300,
    "other": 2_000,
    "alternate_name": NAME_MAX_LENGTH,
    "address_1": NAME_MAX_LENGTH,
    "address_2": NAME_MAX_LENGTH,
    "city": NAME_MAX_LENGTH,
    "transportation": SHORT_TEXT_MAX_LENGTH,
    "title": NAME_MAX_LENGTH,
    "department": NAME_MAX_LENGTH,
}
LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "Engels",
    "ar": "Arabisch",
    "tr": "Turks",
    "pl": "Pools",
    "uk": "Oekraïens",
    "de": "Duits",
    "fr": "Frans",
    "es": "Spaans",
    "pap": "Papiaments",
    "ti": "Tigrinya",
    "so": "Somalisch",
    "fa": "Perzisch",
    "ber": "Berbers",
    "zgh": "Tamazight",
    "srn": "Sranantongo",
}


def language_choices(dutch: bool = True) -> list[tuple[str, str]]:
    """(code, Dutch name) of the known languages by name, for the filter and form lists."""
    return sorted(
        ((code, name) for code, name in LANGUAGE_NAMES.items() if dutch or code != "nl"),
        key=lambda item: item[1],
    )


def field_label(name: str) -> str:
    """The Dutch label of a field in forms and history."""
    return str(FIELD_LABELS.get(name, name))


def valid_url(text: str) -> bool:
    """A http(s) address with a host name."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text


def valid_email(text: str) -> bool:
    """An e-mail address that email-validator accepts (without DNS)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def format_phone(text: str) -> str | None:
    """A phone number written the usual way: Dutch ones as dialled in the Netherlands
    ("030 240 5060"), others internationally ("+44 1234 234567"); None when it is not one."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    if phonenumbers.region_code_for_number(number) == "NL" or number.country_code == 31:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(number, style)


@dataclass(frozen=True)
class Areas:
    """Where a service works: landelijk, and/or provincies, and/or gemeenten (by id)."""

    national: bool = False
    provinces: tuple[str, ...] = ()
    municipality_ids: tuple[int, ...] = ()


def area_value(areas: Iterable[ServiceArea]) -> Areas:
    """The :class:`Areas` of a service's area rows."""
    areas = list(areas)
    return Areas(
        national=any(area.kind == AreaKind.NATIONAL.value for area in areas),
        provinces=tuple(
            sorted(area.province for area in areas if area.kind == AreaKind.PROVINCE.value)
        ),
        municipality_ids=tuple(
            sorted(
                area.municipality_id
                for area in areas
                if area.kind == AreaKind.MUNICIPALITY.value and area.municipality_id
            )
        ),
    )


def area_text(areas: Areas) -> str:
    """``areas`` in words, for the history: "Heel Nederland; Provincie Utrecht; Zeist"."""
    parts = [str(_l("Heel Nederland"))] if areas.national else []
    parts += [str(_l("Provincie %(name)s", name=name)) for name in areas.provinces]
    names = {m.id: m.name for m in by_ids(Municipality, areas.municipality_ids)}
    parts += sorted(names.get(i, str(i)) for i in areas.municipality_ids)
    return "; ".join(parts)


def _clean_areas(raw: object) -> Areas:
    if not isinstance(raw, Areas):
        raise ServiceError(_l("Kies een werkgebied."), field="areas")
    municipalities = by_ids(Municipality, raw.municipality_ids)
    if len(municipalities) != len(set(raw.municipality_ids)):
        raise ServiceError(_l("Kies gemeenten uit de lijst."), field="areas")
    known = set(db.session.scalars(select(Municipality.province).distinct()))
    if not set(raw.provinces) <= known:
        raise ServiceError(_l("Kies provincies uit de lijst."), field="areas")
    return Areas(
        raw.national,
        tuple(sorted(set(raw.provinces))),
        tuple(sorted({m.id for m in municipalities})),
    )


def _clean_themes(raw: object) -> list[Theme]:
    ids = set(parse_ids(raw or []))
    themes = by_ids(Theme, ids)
    if len(themes) != len(ids) or len(ids) != len(list(raw or [])):
        raise ServiceError(_l("Kies thema's uit de lijst."), field="themes")
    return sorted(themes, key=lambda theme: theme.full_name)


def _age(name: str, text: str) -> int | None:
    if not text:
        return None
    age = parse_int(text, 0, 130)
    if age is None:
        raise ServiceError(_l("Vul een leeftijd in jaren in (0 tot 130)."), field=name)
    return age


def clean_value(name: str, raw: object) -> object:
    """One edited or proposed value, checked and converted; ServiceError in Dutch when wrong."""
    if name == "themes":
        return _clean_themes(raw)
    if name == "areas":
        return _clean_areas(raw)
    text = "" if raw is None else clean_text(str(raw))
    if name == "name" and not text:
        raise ServiceError(_l("Vul een naam in."), field=name)
    if name in TEXT_LIMITS and len(text) > TEXT_LIMITS[name]:
        raise ServiceError(
            _l("Dit mag hoogstens %(count)d tekens hebben.", count=TEXT_LIMITS[name]), field=name
        )
    if name == "status" and text not in {status.value for status in ServiceStatus}:
        raise ServiceError(_l("Kies een bestaande status."), field=name)
    if name in ("minimum_age", "maximum_age"):
        return _age(name, text)
    if name == "review_interval_months":
        months = parse_int(text, 1, 36)
        if months is None:
            raise ServiceError(_l("Vul een aantal maanden in (1 tot 36)."), field=name)
        return months
    if name == "url" and text and not valid_url(text):
        raise ServiceError(
            _l("Vul een volledig webadres in, dat begint met https:// of http://."), field=name
        )
    if name == "email" and text and not valid_email(text):
        raise ServiceError(_l("Dit e-mailadres klopt niet."), field=name)
    if name == "phone" and text:
        formatted = format_phone(text)
        if formatted is None:
            raise ServiceError(_l("Dit telefoonnummer klopt niet."), field=name)
        return formatted
    if name == "languages":
        codes = [code.strip().lower() for code in text.replace(";", ",").split(",") if code.strip()]
        if any(not code.isalpha() or not 2 <= len(code) <= 3 for code in codes):
            raise ServiceError(
                _l("Gebruik taalcodes van 2 of 3 letters, zoals nl, en of ar."), field=name
            )
        return ", ".join(dict.fromkeys(codes))
    return text


def clean_postal_code(text: str, country: str = "NL") -> str:
    """A Dutch postcode written the usual way ("3511 AB"), whatever spaces, dash and case were
    typed (python-stdnum's check, which also knows the letters never used: SA, SD, SS);
    ServiceError in Dutch when it is not one. Postcodes of other countries are kept as typed.
    The edit forms and the HSDS import both check postcodes here."""
    text = clean_text(text)
    if not text or (country or "NL").upper() != "NL":
        return text
    try:
        return postcode.validate(text)
    except ValidationError:
        raise ServiceError(_l("Vul een postcode in zoals 3511 AB."), field="postal_code") from None


def municipality_for_city(city: str) -> Municipality | None:
    """The gemeente with the same name as the place ``city``, if there is one."""
    if not city:
        return None
    return db.session.scalar(
        select(Municipality).where(func.lower(Municipality.name) == city.casefold())
    )


def require_street_and_city(street: str, city: str, street_field: str) -> None:
    if not street or not city:
        field = street_field if not street else "city"
        raise ServiceError(_l("Vul de straat met huisnummer en de plaats in."), field=field)


MAX_PHONES = 5
# The ranges the HSDS import accepts too; the examples are Utrecht.
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}
COORDINATE_EXAMPLES = {"latitude": "52,0907", "longitude": "5,1214"}


def checked_as(name: str, check: str, raw: object) -> object:
    """``raw`` checked by :func:`clean_value` as the service field ``check``; a refusal is
    given for the field ``name``."""
    try:
        return clean_value(check, raw)
    except ServiceError as error:
        raise ServiceError(error.message, field=name) from None


def _clean_phones(raw: object) -> tuple[str, ...]:
    """Phone numbers, one a line (or a list), each checked like the phone number of a service
    and written the usual way; sorted, without doubles."""
    lines = raw if isinstance(raw, list | tuple) else str(raw or "").splitlines()
    numbers: set[str] = set()
    for line in lines:
        text = clean_text(str(line))
        if not text:
            continue
        formatted = format_phone(text)
        if formatted is None:
            raise ServiceError(
                _l("Dit telefoonnummer klopt niet: %(number)s", number=text[:50]), field="phones"
            )
        numbers.add(formatted)
    if len(numbers) > MAX_PHONES:
        raise ServiceError(
            _l("Vul hoogstens %(count)d telefoonnummers in.", count=MAX_PHONES), field="phones"
        )
    return tuple(sorted(numbers))


def parse_coordinate(raw: object, name: str) -> float | None:
    """A latitude or longitude (``name``) in decimal degrees, a decimal comma allowed; None when
    empty. ServiceError in Dutch when it is no number or outside -90 to 90 (latitude) or -180
    to 180 (longitude), the ranges of the HSDS import."""
    text = clean_text("" if raw is None else str(raw)).replace(",", ".")
    if not text:
        return None
    limit = COORDINATE_LIMITS[name]
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and -limit <= number <= limit):
        raise ServiceError(
            _l(
                "Vul een getal van -%(limit)d tot %(limit)d in, bijvoorbeeld %(example)s.",
                limit=limit,
                example=COORDINATE_EXAMPLES[name],
            ),
            field=name,
        )
    return number


def clean_fields(
    values: Mapping[str, object], fields: tuple[str, ...], checks: Mapping[str, str] | None = None
) -> dict[str, object]:
    """Check typed values of an organisation or contact: phone numbers one a line, the other
    fields like the service field of the same name (or the one ``checks`` names). A field not
    in ``fields`` or a wrong value raises ServiceError in Dutch."""
    cleaned: dict[str, object] = {}
    for name, raw in values.items():
        if name not in fields:
            raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=name)
        if name == "phones":
            cleaned[name] = _clean_phones(raw)
        else:
            cleaned[name] = checked_as(name, (checks or {}).get(name, name), raw)
    return cleaned
