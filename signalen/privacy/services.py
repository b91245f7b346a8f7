"""Finding personal data (persoonsgegevens) of clients in Dutch free text (one scanner:
every kind of finding shares the text positions and the redaction, so kept in one module).

Signals are about problems, not about people: before a knelpunt is stored, its free text is
checked here for BSN, IBAN, phone numbers, e-mail addresses, street + house number, postcodes,
dates of birth and names of people. The guard errs on the side of flagging: a false alarm
costs the volunteer one look, a miss puts personal data in the database.

Decisions:

- BSN: nine digits (plain, or grouped 4-2-3, 3-3-3 or 2-3-2-2 with one kind of separator)
  that pass the 11-proef (``stdnum.nl.bsn``). Other nine-digit numbers are not flagged.
- IBAN: any country, with or without spaces, checksum and country format checked by
  ``stdnum.iban``.
- Phone numbers: found by ``phonenumbers.PhoneNumberMatcher`` (region NL, leniency VALID),
  written with a trunk prefix (``0``), ``+`` or ``00``. Toll-free (0800), premium-rate
  (0900/0906/0909), shared-cost and UAN numbers (088, 14 0xx) are *not* flagged: those belong
  to agencies (UWV 088-8982070, gemeente 14 030), not to clients.
- Street + house number: a street name ending in a common suffix (straat, laan, weg, …), or any
  capitalised name after "adres" / "woont aan". Suffixes that also end ordinary words or
  place names (ring, oord, hoven, markt, …) need a capitalised street name.
- Postcode: ``1234 AB`` in capitals always; with lower-case letters only when a house number
  follows or "postcode" precedes it (so "in 2026 en 2027" stays clean).
- Date of birth: a date only counts when "geboren", "geb.", "geboortedatum" or "°" comes just
  before it; other dates (meetings, letters) are not personal data. A year counts after
  "geboren in", "geboortejaar", or "is van" / "was van" with a person as subject
  ("mevrouw is van 1961"; "de wet is van 1961" stays clean).
- Names of people: :mod:`signalen.privacy.names` (``deduce`` person annotations plus rules for
  titles, initials and first names in person context). Until its model is loaded the guard
  raises :class:`GuardNotReady` instead of letting text through.
- Phone numbers and e-mail addresses of organisations on the sociale kaart (their own,
  their services' and locations', not those of contact persons) are not personal.

All regular expressions are precompiled and linear; ``find_personal_data`` on a 10,000-character
text full of numbers takes about 15-20 ms (phone matching on digit stretches only).
"""

from __future__ import annotations

import bisect
import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import phonenumbers
from flask import Flask, current_app, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from signalen.config import DEFAULTS
from signalen.core.errors import ServiceError
from signalen.privacy import names

KINDS = ("BSN", "IBAN", "TELEFOON", "EMAIL", "ADRES", "POSTCODE", "GEBOORTEDATUM", "NAAM")

KIND_LABELS = {
    "BSN": _l("BSN"),
    "IBAN": _l("IBAN"),
    "TELEFOON": _l("telefoonnummer"),
    "EMAIL": _l("e-mailadres"),
    "ADRES": _l("adres"),
    "POSTCODE": _l("postcode"),
    "GEBOORTEDATUM": _l("geboortedatum"),
    "NAAM": _l("naam"),
}

# Used when the lazy labels cannot be resolved (no app context in a plain script).
_DUTCH_LABELS = {
    "BSN": "BSN",
    "IBAN": "IBAN",
    "TELEFOON": "telefoonnummer",
    "EMAIL": "e-mailadres",
    "ADRES": "adres",
    "POSTCODE": "postcode",
    "GEBOORTEDATUM": "geboortedatum",
    "NAAM": "naam",
}

PLACEHOLDERS = {
    "BSN": "[BSN]",
    "IBAN": "[IBAN]",
    "TELEFOON": "[TELEFOON]",
    "EMAIL": "[E-MAIL]",
    "ADRES": "[ADRES]",
    "POSTCODE": "[POSTCODE]",
    "GEBOORTEDATUM": "[GEBOORTEDATUM]",
    "NAAM": "[NAAM]",
}

# When two findings of the same length overlap, the more specific kind wins.
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        ("IBAN", "EMAIL", "BSN", "GEBOORTEDATUM", "TELEFOON", "POSTCODE", "ADRES", "NAAM")
    )
}


class GuardNotReady(ServiceError):
    """The name model of the guard is still loading: nothing may be stored yet."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "Even geduld: de controle op persoonsgegevens start nog op. "
                "Er is niets opgeslagen. Probeer het over een minuut opnieuw."
            )
        )


@dataclass(frozen=True)
class Finding:
    """One piece of personal data in a text: its kind and where it is."""

    kind: str
    start: int
    end: int
    text: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of personal data: {self.kind!r}")

    @property
    def label(self) -> str:
        """The (translated) Dutch name of the kind, such as "telefoonnummer"."""
        try:
            return str(KIND_LABELS[self.kind])
        except RuntimeError:
            return _DUTCH_LABELS[self.kind]

    @property
    def placeholder(self) -> str:
        """What replaces the finding in redacted text, such as "[TELEFOON]"."""
        return PLACEHOLDERS[self.kind]


# --- BSN -------------------------------------------------------------------------------------

_BSN = re.compile(
    r"(?<!\d)(?<!\d[.,/-])"
    r"(?:\d{9}"
    r"|\d{4}(?P<s1>[ .-])\d{2}(?P=s1)\d{3}"
    r"|\d{3}(?P<s2>[ .-])\d{3}(?P=s2)\d{3}"
    r"|\d{2}(?P<s3>[ .-])\d{3}(?P=s3)\d{2}(?P=s3)\d{2})"
    r"(?![.,/-]?\d)"
)


def _find_bsn(text: str) -> Iterator[Finding]:
    for match in _BSN.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if digits != "000000000" and stdnum_bsn.is_valid(digits):
            yield Finding("BSN", match.start(), match.end(), match.group())


# --- IBAN ------------------------------------------------------------------------------------

# A country code and check digits, then the rest compact or in space-separated groups; the
# groups are taken greedily and shortened until the checksum fits ("… 00 op naam van").
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[A-Za-z0-9]*(?: [A-Za-z0-9]+){0,8}")
_TOKEN = re.compile(r"\S+")


def _iban_checksum_fits(compact: str) -> bool:
    """A quick mod-97 check, so that ``stdnum`` (which also checks the format) runs rarely."""
    if not 15 <= len(compact) <= 34 or not compact.isalnum() or not compact.isascii():
        return False
    rearranged = (compact[4:] + compact[:4]).upper()
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _find_iban(text: str) -> Iterator[Finding]:
    position = 0
    while match := _IBAN.search(text, position):
        tokens = list(_TOKEN.finditer(match.group()))
        found = None
        for count in range(len(tokens), 0, -1):
            candidate = match.group()[: tokens[count - 1].end()]
            compact = candidate.replace(" ", "")
            if _iban_checksum_fits(compact) and stdnum_iban.is_valid(compact):
                found = candidate
                break
        if found is None:
            position = match.start() + 1
            continue
        end = match.start() + len(found)
        yield Finding("IBAN", match.start(), end, found)
        position = end


# --- phone numbers and e-mail addresses of organisations on the sociale kaart -----------------

_PUBLIC_CONTACTS_SECONDS = 60
_NO_CONTACTS: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
PublicContactSource = Callable[[], tuple[Iterable[str], Iterable[str]]]


def _public_contacts() -> tuple[frozenset[str], frozenset[str]]:
    """E.164 phone numbers and lower-case e-mail addresses of organisations on the sociale kaart.

    Read from the database at most once a minute per app; empty outside an app context.
    Numbers and addresses of contact persons are left out: those are personal.
    """
    if not has_app_context():
        return _NO_CONTACTS
    cached = current_app.extensions.get("privacy_public_contacts")
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    contacts = _load_public_contacts()
    current_app.extensions["privacy_public_contacts"] = (now + _PUBLIC_CONTACTS_SECONDS, contacts)
    return contacts


def forget_public_contacts() -> None:
    """Read the sociale kaart's numbers and addresses again on the next check."""
    if has_app_context():
        current_app.extensions.pop("privacy_public_contacts", None)


def register_public_contacts(app: Flask, source: PublicContactSource) -> None:
    """Where the public phone numbers and e-mail addresses come from (the sociale kaart
    registers those of its organisations, services and locations): the guard does not
    report them as personal data. ``source()`` returns (numbers, addresses)."""
    app.extensions["privacy_public_contact_source"] = source


def _load_public_contacts() -> tuple[frozenset[str], frozenset[str]]:
    source = current_app.extensions.get("privacy_public_contact_source")
    if source is None:
        return _NO_CONTACTS
    numbers, addresses = source()
    phones = set()
    for number in numbers:
        with contextlib.suppress(phonenumbers.NumberParseException):
            parsed = phonenumbers.parse(number, "NL")
            phones.add(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
    return frozenset(phones), frozenset(e.lower() for e in addresses if e)


def _is_public_phone(number: phonenumbers.PhoneNumber) -> bool:
    phones = _public_contacts()[0]
    if not phones:
        return False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) in phones


# --- e-mail ----------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}(?![\w-])")


def _find_email(text: str) -> Iterator[Finding]:
    public = _public_contacts()[1]
    for match in _EMAIL.finditer(text):
        if match.group().lower() in public:
            continue  # the address of an organisation on the sociale kaart
        yield Finding("EMAIL", match.start(), match.end(), match.group())


# --- phone numbers ---------------------------------------------------------------------------

# Where a phone number might start: "+", "00", "0" or "(0" followed by enough digit-ish
# characters. Only these stretches are handed to the (slower) PhoneNumberMatcher.
_PHONE_HINT = re.compile(r"(?<![\d+])(?:\+|\(?0)[\d \t().\-/]{8,25}")
_PHONE_CONTEXT = 3
_PERSONAL_PHONE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.VOIP,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
        phonenumbers.PhoneNumberType.PAGER,
    }
)


def _phone_windows(text: str) -> Iterator[tuple[int, int]]:
    window: tuple[int, int] | None = None
    for match in _PHONE_HINT.finditer(text):
        start = max(0, match.start() - _PHONE_CONTEXT)
        end = min(len(text), match.end() + _PHONE_CONTEXT)
        if window and start <= window[1]:
            window = (window[0], max(window[1], end))
            continue
        if window:
            yield window
        window = (start, end)
    if window:
        yield window


def _find_phone(text: str) -> Iterator[Finding]:
    for window_start, window_end in _phone_windows(text):
        matcher = phonenumbers.PhoneNumberMatcher(
            text[window_start:window_end], "NL", leniency=phonenumbers.Leniency.VALID
        )
        for match in matcher:
            raw = match.raw_string
            if not raw.startswith(("+", "0", "(")):
                continue  # no trunk prefix: more likely a case number than a phone number
            if not phonenumbers.is_valid_number(match.number):
                continue
            if phonenumbers.number_type(match.number) not in _PERSONAL_PHONE_TYPES:
                continue  # 0800, 0900, 088, 14 0xx: numbers of agencies
            if _is_public_phone(match.number):
                continue  # the number of an organisation on the sociale kaart
            start = window_start + match.start
            yield Finding("TELEFOON", start, start + len(raw), raw)


# --- postcode --------------------------------------------------------------------------------

_POSTCODE = re.compile(
    r"(?<![\w.,/€+-])(?P<digits>[1-9]\d{3}) ?(?P<letters>[A-Za-z]{2})(?![^\W\d_])"
    r"(?P<house>[ \t]+(?:[Nn]r\.?[ \t]*)?\d{1,5}(?![\d%]|[.,:/-]\d)"
    r"(?:-?[A-Za-z](?![^\W\d_])|-\d{1,4}(?!\d))?)?"
)
_POSTCODE_CONTEXT = re.compile(r"postcode[\s:]*$", re.IGNORECASE)
_INVALID_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})
# Two-letter words and abbreviations that follow numbers in ordinary Dutch text.
_LOWER_CASE_WORDS = frozenset(
    {
        "al", "ca", "cm", "de", "en", "er", "eu", "ge", "hr", "ik", "in", "is", "je",
        "jr", "kg", "km", "ml", "mm", "na", "no", "nr", "nu", "of", "om", "op", "pp",
        "st", "te", "tm", "uw", "we", "wo", "ze", "zo",
    }
)  # fmt: skip
_UPPER_CASE_WORDS = frozenset(
    {"AO", "BV", "BW", "EU", "IB", "KB", "NL", "NV", "PW", "TW", "UW", "WW", "ZW"}
)


def _find_postcode(text: str) -> Iterator[Finding]:
    for match in _POSTCODE.finditer(text):
        letters = match.group("letters")
        if letters.upper() in _INVALID_POSTCODE_LETTERS:
            continue
        context = bool(_POSTCODE_CONTEXT.search(text, max(0, match.start() - 20), match.start()))
        if not context:
            if letters.isupper():
                if letters in _UPPER_CASE_WORDS:
                    continue
            elif not match.group("house") or letters.lower() in _LOWER_CASE_WORDS:
                continue
        yield Finding("POSTCODE", match.start(), match.end(), match.group())


# --- street + house number -------------------------------------------------------------------

_LETTER = r"[^\W\d_]"
_WORD = rf"(?:(?!(?i:nr|no|nummer)\b)['’]?{_LETTER}+(?:[-'’]{_LETTER}+)*|\d{{1,2}}e)"
_CAPITALISED_WORD = rf"(?:['’][st]-)?[A-ZÀ-ÖØ-Þ]{_LETTER}*(?:[-'’]{_LETTER}+)*"
_PARTICLE = r"(?:van|de|der|den|het|'t|’t|ter|ten|te|la|le|du)"
_NUMBER_TAIL = (
    r"(?P<prefix>(?i:nr|no|nummer)\.?[ \t]*)?"
    r"(?P<number>\d{1,5})"
    r"(?P<more>[ \t]+(?i:nr|no|nummer)\.?[ \t]*\d{1,5})?"
    r"(?P<addition>-?[A-Za-z]{1,2}(?![^\W\d_])"
    r"|-\d{1,4}(?!\d)"
    r"|[ \t]?-?(?i:bis|hs|zw|rd)(?![^\W\d_])"
    r"|[ \t][A-Z](?![^\W\d_]))?"
    r"(?![\d%]|[.,:]\d|[-/]\d)"
)
_ADDRESS = re.compile(
    rf"(?<![\w'’-])(?P<street>(?:{_WORD}[ \t]+){{0,4}}{_WORD})[ \t]+{_NUMBER_TAIL}"
)
_ADDRESS_WITH_CONTEXT = re.compile(
    r"(?<![^\W\d_])(?i:(?:woon|post|huis)?adres(?:[ \t]+is)?"
    r"|(?:woont|woonachtig|wonend)[ \t]+(?:aan|op))"
    r"[ \t]*:?[ \t]*(?:(?i:de|het|'t)[ \t]+)?"
    rf"(?P<street>{_CAPITALISED_WORD}(?:[ \t]+(?:{_CAPITALISED_WORD}|{_PARTICLE})){{0,3}})"
    rf"[ \t]+{_NUMBER_TAIL}"
)
_CAPITALISED = re.compile(rf"^{_CAPITALISED_WORD}$")
_PARTICLES = frozenset(
    {"van", "de", "der", "den", "het", "'t", "’t", "ter", "ten", "te", "la", "le", "du"}
)
_ORDINAL = re.compile(r"^\d{1,2}e$")

# Suffixes that (almost) only end street names.
_STREET_SUFFIXES = (
    "straat", "straatje", "laan", "laantje", "weg", "plein", "pleintje", "gracht", "kade",
    "singel", "dijk", "steeg", "dreef", "plantsoen", "boulevard", "allee", "dwarsstraat",
    "kanaal", "vaart",
)  # fmt: skip
# Suffixes that also end ordinary words or place names: the street must be capitalised.
_AMBIGUOUS_SUFFIXES = (
    "hof", "pad", "markt", "park", "baan", "wal", "veld", "erf", "hoven", "ring", "haven",
    "burg", "oord", "weide", "brink", "werf", "hoeve", "gaarde", "zoom",
)  # fmt: skip
_NOT_STREETS = frozenset(
    {
        "arbeidsmarkt", "woningmarkt", "binnenhof", "gerechtshof", "kerkhof", "werkplein",
        "onderweg", "halfweg", "loopbaan", "eindhoven", "veldhoven", "barneveld", "middelburg",
        "valkenburg", "emmeloord", "zeeburg", "oldenburg", "hamburg", "luxemburg",
    }
)  # fmt: skip
# Capitalised words that start a sentence rather than a street name.
_NOT_STREET_START = frozenset(
    {
        "aan", "adres", "bij", "client", "cliënt", "een", "en", "hij", "ik", "in", "klant",
        "meneer", "mevrouw", "naar", "of", "op", "uit", "via", "wij", "woont", "ze", "zij",
    }
)  # fmt: skip
_POSTBOX_WORDS = frozenset({"postbus", "antwoordnummer"})


def _is_capitalised(word: str) -> bool:
    return bool(_CAPITALISED.match(word))


def _may_precede_street(word: str) -> bool:
    """Whether ``word`` can be part of a street name before its last word ("Lange", "van")."""
    if word in _PARTICLES or _ORDINAL.match(word):
        return True
    return _is_capitalised(word) and word.lower() not in _NOT_STREET_START


def _street_suffix(word: str) -> str | None:
    lowered = word.lower()
    if lowered in _NOT_STREETS or lowered.endswith("woord"):
        return None
    for suffix in (*_STREET_SUFFIXES, *_AMBIGUOUS_SUFFIXES):
        if lowered.endswith(suffix):
            # "-ering", "-aring" end nouns (uitkering, ervaring), not streets (Noorderring).
            if suffix == "ring" and len(lowered) > 4 and lowered[-5] in "aeiouy":
                return None
            return suffix
    return None


def _street_start(words: list[re.Match[str]]) -> tuple[int, str, bool] | None:
    """Where the street name in ``words`` starts, its suffix and whether it is a bare suffix.

    None when the words do not end in a street name.
    """
    last = len(words) - 1
    suffix = _street_suffix(words[last].group())
    if suffix is not None:
        head = last
    else:
        # "Laan van Meerdervoort 12": a bare suffix word followed by a particle and names.
        head = None
        for index in range(last - 1, max(-1, last - 4), -1):
            word = words[index].group()
            if (
                word.lower() in (*_STREET_SUFFIXES, *_AMBIGUOUS_SUFFIXES)
                and _is_capitalised(word)
                and words[index + 1].group() in _PARTICLES
                and all(
                    _is_capitalised(w.group()) or w.group() in _PARTICLES
                    for w in words[index + 1 :]
                )
            ):
                head, suffix = index, word.lower()
                break
        if head is None or suffix is None:
            return None
    start = head
    while start > 0 and head - start < 3 and _may_precede_street(words[start - 1].group()):
        start -= 1
    while start < head and words[start].group() in _PARTICLES:
        start += 1
    street_word = words[head].group()
    first_word = words[start].group()
    capitalised = _is_capitalised(first_word) or bool(_ORDINAL.match(first_word))
    if street_word.lower() == suffix and not _is_capitalised(street_word):
        return None  # "de straat 3 keer"
    if suffix in _AMBIGUOUS_SUFFIXES and not capitalised:
        return None
    return start, suffix, start == head and street_word.lower() == suffix


def _looks_like_year(match: re.Match[str]) -> bool:
    number = match.group("number")
    return len(number) == 4 and number[:2] in ("19", "20") and not match.group("more")


# Where a house number may start (what every _ADDRESS match has after its street words).
_HOUSE_NUMBER = re.compile(r"[ \t](?:(?i:nr|no|nummer)\.?[ \t]*)?\d")
_RUN = re.compile(r"\S+")
_STREET_WORDS = 5


def _address_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches ``_ADDRESS.finditer(text)`` gives, without trying every word of the text.

    A match ends in a house number and its street has at most five words, each in its own
    run of non-space characters; so no match starts before the fifth run in front of the
    next possible house number, and the scan may jump there.
    """
    runs: list[int] | None = None
    position = 0
    while number := _HOUSE_NUMBER.search(text, position):
        if runs is None:
            runs = [run.start() for run in _RUN.finditer(text)]
        before = bisect.bisect_left(runs, number.start())
        if before > _STREET_WORDS:
            position = max(position, runs[before - _STREET_WORDS])
        match = _ADDRESS.search(text, position)
        if match is None:
            return
        yield match
        position = match.end()


def _find_address(text: str) -> Iterator[Finding]:
    for match in _address_matches(text):
        street_offset = match.start("street")
        words = list(_TOKEN.finditer(match.group("street")))
        street = _street_start(words)
        if street is None:
            continue
        start_index, suffix, bare = street
        if _looks_like_year(match) and (bare or suffix in _AMBIGUOUS_SUFFIXES):
            continue  # "Markt 2025", "Veld 2026"; but "Plein 1944 nr 3" is an address
        start = street_offset + words[start_index].start()
        yield Finding("ADRES", start, match.end(), text[start : match.end()])
    for match in _ADDRESS_WITH_CONTEXT.finditer(text):
        first_word = match.group("street").split()[0]
        if first_word.lower() in _POSTBOX_WORDS:
            continue
        start = match.start("street")
        yield Finding("ADRES", start, match.end(), text[start : match.end()])


# --- date of birth ---------------------------------------------------------------------------

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "febr": 2, "feb": 2, "maart": 3, "mrt": 3,
    "april": 4, "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8,
    "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_BIRTH_DATE = re.compile(
    r"(?:(?<![^\W\d_])(?i:geboren|geboortedatum|geboortedag|geb(?:\.|(?![^\W\d_])))|°)"
    r"(?:[\s:(]+[^\W\d_]{1,12}\.?){0,3}[\s:(]*"
    r"(?P<date>"
    r"(?P<day>\d{1,2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"|(?P<iso_year>\d{4})-(?P<iso_month>\d{1,2})-(?P<iso_day>\d{1,2})"
    rf"|(?P<word_day>\d{{1,2}})[ \t]+(?P<word_month>(?i:{_MONTH_NAMES}))\.?"
    r"[ \t]+(?P<word_year>\d{4}|['’]\d{2})"
    r")(?!\d)"
)


def _is_real_date(match: re.Match[str]) -> bool:
    if match.group("day"):
        day, month, year = match.group("day", "month", "year")
    elif match.group("iso_day"):
        day, month, year = match.group("iso_day", "iso_month", "iso_year")
    else:
        day, year = match.group("word_day", "word_year")
        month = str(_MONTHS[match.group("word_month").lower()])
    year = year.lstrip("'’")
    full_year = int(year) if len(year) == 4 else 1900 + int(year)
    try:
        date(full_year, int(month), int(day))
    except ValueError:
        return False
    return True


# A year of birth: "geboren in 1961", "geboortejaar 1961", "mevrouw is van 1961".
_BIRTH_YEAR = re.compile(
    r"(?<![^\W\d_])(?:(?i:geboren[ \t]+in|geb\.?[ \t]+in|geboortejaar)[ \t:]*"
    r"|(?i:zij|hij|ze|mevrouw|meneer|cliënte?|client|klant|melder|de[ \t]+man|de[ \t]+vrouw|"
    r"zoon|dochter|moeder|vader|partner|man|vrouw|\[NAAM\])"
    r"(?:[ \t]+[^\W\d_]+){0,2}[ \t]+(?i:is|was)[ \t]+(?:(?i:een|ook|zelf|al)[ \t]+)?"
    r"(?i:van|uit)(?:[ \t]+(?i:het[ \t]+jaar|bouwjaar))?[ \t]+)"
    r"(?P<date>(?:19|20)\d{2}|['’]\d{2})(?![\d-]|[ \t]*(?:(?i:tot|t/m|tm|af|-)(?![^\W\d_])))"
)


def _find_birth_date(text: str) -> Iterator[Finding]:
    for match in _BIRTH_DATE.finditer(text):
        if _is_real_date(match):
            yield Finding("GEBOORTEDATUM", match.start("date"), match.end("date"), match["date"])
    for match in _BIRTH_YEAR.finditer(text):
        if match["date"][0] in "'’" or int(match["date"]) <= date.today().year:
            yield Finding("GEBOORTEDATUM", match.start("date"), match.end("date"), match["date"])


# --- names of people -------------------------------------------------------------------------


# Seconds a check may wait for the name model: in a web request PRIVACY_NAMES_WAIT (0 by
# default: say "even geduld" at once), in a command or script up to ten minutes.
def _wait_seconds() -> float:
    if has_request_context():
        return float(current_app.config.get("PRIVACY_NAMES_WAIT", 0))
    if has_app_context():
        return float(current_app.config["PRIVACY_NAMES_WAIT_OFFLINE"])
    return float(DEFAULTS["PRIVACY_NAMES_WAIT_OFFLINE"])


def _names_cache_dir() -> str | None:
    return current_app.config.get("PRIVACY_NAMES_CACHE") if has_app_context() else None


def _find_names(text: str) -> Iterator[Finding]:
    if not names.MODEL.ready:
        wait = _wait_seconds()
        names.start_loading(_names_cache_dir())
        if wait <= 0 or not names.MODEL.wait(wait):
            raise GuardNotReady()
    try:
        spans = names.find_names(text)
    except names.NamesNotReady as error:
        raise GuardNotReady() from error
    for start, end in spans:
        yield Finding("NAAM", start, end, text[start:end])


# --- public API ------------------------------------------------------------------------------

_DETECTORS = (
    _find_iban,
    _find_email,
    _find_bsn,
    _find_birth_date,
    _find_phone,
    _find_postcode,
    _find_address,
    _find_names,
)


def _without_overlaps(candidates: list[Finding]) -> list[Finding]:
    """Keep the longest of overlapping findings (the most specific kind on a tie)."""
    starts: list[int] = []  # starts and ends of the chosen findings, both sorted by position
    ends: list[int] = []
    chosen: list[Finding] = []
    ordered = sorted(candidates, key=lambda f: (f.start - f.end, _PRIORITY[f.kind], f.start))
    for candidate in ordered:
        index = bisect.bisect_left(starts, candidate.start)
        if index < len(starts) and starts[index] < candidate.end:
            continue  # a chosen finding starts inside this one
        if index > 0 and ends[index - 1] > candidate.start:
            continue  # the chosen finding before this one reaches into it
        starts.insert(index, candidate.start)
        ends.insert(index, candidate.end)
        chosen.insert(index, candidate)
    return chosen


def find_personal_data(text: str | None) -> list[Finding]:
    """Find personal data of clients in ``text``.

    Returns the findings sorted by position, without overlaps: where two matches overlap
    (an IBAN containing a run of digits, for example) only the longest, or on a tie the most
    specific kind, is reported. An empty or missing text has no findings.
    """
    if not text:
        return []
    candidates = [finding for detector in _DETECTORS for finding in detector(text)]
    return _without_overlaps(candidates)


def redact(text: str, findings: list[Finding] | None = None) -> str:
    """Return ``text`` with every finding replaced by its placeholder, such as "[BSN]".

    ``findings`` defaults to ``find_personal_data(text)``; findings passed in must come from
    this same text (a ``ValueError`` is raised otherwise). Overlapping findings are redacted
    once, by the one that starts first.
    """
    if findings is None:
        findings = find_personal_data(text)
    parts: list[str] = []
    position = 0
    for finding in sorted(findings, key=lambda f: (f.start, f.start - f.end)):
        if text[finding.start : finding.end] != finding.text:
            raise ValueError(f"finding {finding.text!r} is not at {finding.start} in this text")
        if finding.start < position:
            continue
        parts.append(text[position : finding.start])
        parts.append(finding.placeholder)
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def marked_parts(text: str, findings: list[Finding]) -> list[tuple[str, Finding | None]]:
    """``text`` cut into pieces for showing the findings: (piece, its finding or None)."""
    parts: list[tuple[str, Finding | None]] = []
    position = 0
    for finding in findings:
        parts.append((text[position : finding.start], None))
        parts.append((text[finding.start : finding.end], finding))
        position = finding.end
    parts.append((text[position:], None))
    return parts


def check_fields(fields: Mapping[str, str | None]) -> dict[str, list[Finding]]:
    """Check several form fields at once; returns the findings of the fields that have any."""
    results: dict[str, list[Finding]] = {}
    for name, value in fields.items():
        findings = find_personal_data(value)
        if findings:
            results[name] = findings
    return results


def contains_personal_data(text: str | None) -> bool:
    """Whether ``text`` contains any personal data that :func:`find_personal_data` finds."""
    return bool(find_personal_data(text))
