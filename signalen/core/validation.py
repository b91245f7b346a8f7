"""Checks for short texts that every feature uses the same way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from signalen.core.errors import ServiceError

# Null bytes and other control characters never belong in stored text (newline, tab do).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f]")
# What XML 1.0 forbids (feeds, exports): control characters but tab, newline and carriage
# return, the non-characters U+FFFE and U+FFFF, and lone surrogates.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
FORBIDDEN_CHARACTER_MESSAGE = _l(
    "Deze tekst bevat een teken dat niet kan (een onzichtbaar stuurteken). "
    "Typ de tekst opnieuw of plak hem zonder opmaak."
)

# The largest id or count the database stores (a 32-bit signed integer on PostgreSQL).
DB_INT_MAX = 2**31 - 1
ASCII_DIGITS = re.compile(r"[0-9]+")


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits from 0 up to what the database stores; a
    larger number is a 404, like an id that does not exist."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max=None, **kw):
        super().__init__(map, fixed_digits, min, DB_INT_MAX if max is None else max, **kw)


def parse_int(value: Any, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """``value`` as a whole number between ``minimum`` and ``maximum``, else None.

    Only ASCII digits count (``str.isdigit()`` also accepts ``²`` and Arabic-Indic digits,
    which ``int()`` refuses or reads differently), an optional leading ``-`` when
    ``minimum`` is negative; surrounding spaces are ignored.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        negative = text.startswith("-") and minimum < 0
        digits = text[1:] if negative else text
        if not ASCII_DIGITS.fullmatch(digits) or len(digits) > 12:
            return None
        number = -int(digits) if negative else int(digits)
    return number if minimum <= number <= maximum else None


def parse_id(value: Any) -> int | None:
    """A database id (1 up to the database's integer) from text, else None."""
    return parse_int(value, 1, DB_INT_MAX)


def coerce_id(value: Any) -> int:
    """``parse_id`` for WTForms' ``coerce``: a ValueError (invalid choice) when not an id."""
    number = parse_id(value)
    if number is None:
        raise ValueError(value)
    return number


def parse_ids(values: Iterable[Any]) -> list[int]:
    """The valid database ids among ``values``, in order, without repeats."""
    found: dict[int, None] = {}
    for value in values or ():
        number = parse_id(value)
        if number is not None:
            found[number] = None
    return list(found)


def has_forbidden_characters(value: str | None) -> bool:
    """True when ``value`` holds a character XML forbids (see ``XML_FORBIDDEN``)."""
    return bool(value) and XML_FORBIDDEN.search(value) is not None


def xml_safe(value: str | None) -> str:
    """``value`` without the characters XML forbids (for output that must never break)."""
    return XML_FORBIDDEN.sub("", value or "")


def refuse_forbidden_characters(value: str | None, field: str | None = None) -> None:
    """Raise a ServiceError with the Dutch message when ``value`` holds a forbidden character."""
    if has_forbidden_characters(value):
        raise ServiceError(FORBIDDEN_CHARACTER_MESSAGE, field=field)


def clean_line(
    value: str | None,
    *,
    max_length: int,
    field: str = "name",
    empty_message=None,
    too_long_message=None,
) -> str:
    """Collapse whitespace to single spaces; raise ServiceError when empty or too long."""
    text = " ".join((value or "").replace("\x00", "").split())
    refuse_forbidden_characters(text, field)
    if not text:
        raise ServiceError(empty_message or _l("Vul een naam in."), field=field)
    if len(text) > max_length:
        raise ServiceError(
            too_long_message
            or _l("Een naam mag hoogstens %(count)d tekens hebben.", count=max_length),
            field=field,
        )
    return text


def clean_text(value: str | None) -> str:
    """Free text as typed, without outer whitespace and control characters (newlines and
    tabs stay; Windows line ends become ``\\n``)."""
    return CONTROL_CHARACTERS.sub("", (value or "").replace("\r\n", "\n")).strip()


# Dates the site reads from input: wide enough for every real date, narrow enough that a
# day or month added to it (periods, "until the end of the day") never overflows.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2999, 12, 31)
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` (ASCII digits) between ``DATE_MIN`` and ``DATE_MAX``, else None."""
    match = ISO_DATE.fullmatch(str(value or "").strip())
    if not match:
        return None
    try:
        found = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return found if DATE_MIN <= found <= DATE_MAX else None


def parse_month(value: Any) -> date | None:
    """``YYYY-MM`` (ASCII digits) as the first day of that month within range, else None."""
    match = ISO_MONTH.fullmatch(str(value or "").strip())
    return parse_date(f"{match.group(1)}-{match.group(2)}-01") if match else None


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _request_texts() -> Iterable[str]:
    from flask import request

    yield from (str(v) for v in (request.view_args or {}).values() if isinstance(v, str))
    for name, value in request.args.items(multi=True):
        yield name
        yield value
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        for name, value in request.form.items(multi=True):
            yield name
            yield value


def refuse_forbidden_characters_in_request():
    """Before every request: a character XML forbids (a null byte, U+FFFF, …) in the
    address, the query string or a posted form is refused as a whole with a Dutch 400 (a
    page, or problem+json in the API), so it never reaches the database (PostgreSQL refuses
    a null byte), is never stored and can never break a feed or an export. The API checks
    its JSON bodies the same way (``check_json``)."""
    if any(has_forbidden_characters(text) for text in _request_texts()):
        raise ForbiddenCharacters()


class ForbiddenCharacters(BadRequest):
    """A request with a character XML forbids. Its Dutch message is in ``data["message"]``,
    which the site's error page and the API's problem+json both show."""

    def __init__(self) -> None:
        super().__init__()
        self.data = {"message": FORBIDDEN_CHARACTER_MESSAGE}


JSON_MAX_DEPTH = 32
JSON_MAX_INTEGER_DIGITS = 18


class HostileJSON(ValueError):
    """JSON that cannot be read safely; ``forbidden_characters`` when only its text is wrong."""

    def __init__(self, forbidden_characters: bool = False) -> None:
        super().__init__("forbidden characters" if forbidden_characters else "unreadable JSON")
        self.forbidden_characters = forbidden_characters


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > JSON_MAX_INTEGER_DIGITS:
        raise HostileJSON()
    return int(text)


def check_json(raw: bytes | str) -> Any:
    """Parse a JSON body safely: too deep (over ``JSON_MAX_DEPTH``), an integer of more than
    ``JSON_MAX_INTEGER_DIGITS`` digits, or not JSON raise HostileJSON; a key or string with a
    character XML forbids (including lone surrogates) raises HostileJSON(True)."""
    import json

    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except HostileJSON:
        raise
    except (ValueError, RecursionError):
        raise HostileJSON() from None
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > JSON_MAX_DEPTH:
            raise HostileJSON()
        if isinstance(item, dict):
            if any(has_forbidden_characters(key) for key in item):
                raise HostileJSON(True)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and has_forbidden_characters(item):
            raise HostileJSON(True)
    return value


def _no_constant(name: str) -> None:
    raise HostileJSON()  # NaN and Infinity are not JSON
