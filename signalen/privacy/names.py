"""Names of people in Dutch free text: ``deduce`` person annotations plus Signalen's own rules.

``deduce`` (LGPL-3.0, made for Dutch clinical text, offline) ships name lookup lists. Its lookup
structures take one to three minutes to build the first time and some seconds to load after
that, so they are built once into a cache directory (``PRIVACY_NAMES_CACHE``, by default
``~/.cache/signalen/deduce``) and loaded once per process in a background thread started at
app start (:func:`start_loading`). Until the model is ready :func:`find_names` raises
:class:`NamesNotReady`: the guard never lets text through unchecked.

Only deduce's *person* annotations are used (its places, dates and institutions are mostly not
personal in a signal); only its name processors run, which keeps it fast. Signalen adds rules
for titles and forms of address ("mw.", "de heer"), initials + surname, and first names on
their own after a word that says a person follows ("zijn moeder Truus", "genaamd Kees").
Names of organisations, places, schemes and laws are not personal ("Voedselbank Deventer",
"Wet Kinderopvang"): a finding made of such words is dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_CACHE_FILE = Path("cache") / "lookup_structs.pickle"


class NamesNotReady(RuntimeError):
    """The name model is still loading (or failed to load): text cannot be checked yet."""


class _NameModel:
    """The process-wide deduce instance, loaded once in a background thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.deduce = None
        self.enabled: set[str] = set()
        self.error: str | None = None
        self.load_seconds: float | None = None
        self.cache_dir: Path | None = None

    def start(self, cache_dir: Path) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self.cache_dir = cache_dir
            self._thread = threading.Thread(
                target=self._load, name="signalen-privacy-names", daemon=True
            )
            self._thread.start()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            self.deduce = _load_deduce(self.cache_dir or default_cache_dir())
            names = self.deduce.processors.get_names()
            skipped = {
                "locations", "institutions", "dates", "ages", "identifiers",
                "phone_numbers", "email_addresses", "urls",
                # no patient metadata, no diseases named after people, no redacted text
                "patient_name", "eponymous_disease", "redactor",
            }  # fmt: skip
            self.enabled = {name for name in names if name not in skipped}
            self.deduce.deidentify("Mevrouw Jansen belde.", enabled=self.enabled)  # warm-up
        except Exception as error:  # a broken cache or install: say so, never let text through
            log.exception("the name model of the privacy guard did not load")
            self.error = f"{type(error).__name__}: {error}"
        else:
            self.load_seconds = time.perf_counter() - started
            log.info("privacy guard: name model loaded in %.1f s", self.load_seconds)
        finally:
            self._ready.set()

    def wait(self, timeout: float | None) -> bool:
        self._ready.wait(timeout)
        return self.ready

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self.deduce is not None

    @property
    def started(self) -> bool:
        return self._thread is not None


MODEL = _NameModel()


def default_cache_dir() -> Path:
    """Where the lookup structures are cached when ``PRIVACY_NAMES_CACHE`` is not set."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "signalen" / "deduce"


def _load_deduce(cache_dir: Path):
    """Load deduce from ``cache_dir``; build the cache first (once, under a file lock)."""
    from deduce import Deduce

    cache_dir.mkdir(parents=True, exist_ok=True)
    if not (cache_dir / _CACHE_FILE).exists():
        with open(cache_dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # other processes wait for one build
            if not (cache_dir / _CACHE_FILE).exists():
                return _build_into(cache_dir, Deduce)
    return Deduce(cache_path=cache_dir)


def _build_into(cache_dir: Path, deduce_class):
    """Build the lookup structures in a temporary folder and move the cache in atomically."""
    log.warning("privacy guard: building the name lookup structures (1-3 minutes, once)")
    scratch = Path(tempfile.mkdtemp(dir=cache_dir))
    try:
        model = deduce_class(cache_path=scratch, build_lookup_structs=True)
        (cache_dir / _CACHE_FILE).parent.mkdir(parents=True, exist_ok=True)
        os.replace(scratch / _CACHE_FILE, cache_dir / _CACHE_FILE)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return model


def start_loading(cache_dir: str | Path | None = None) -> None:
    """Start loading the name model in a background thread (once per process)."""
    MODEL.start(Path(cache_dir) if cache_dir else default_cache_dir())


def wait_until_ready(timeout: float | None = None, cache_dir: str | Path | None = None) -> bool:
    """Start loading if needed and wait for it; whether the model is ready."""
    start_loading(cache_dir)
    return MODEL.wait(timeout)


def status() -> dict:
    """The state of the name model, for the beheer pages and the health check."""
    return {
        "ready": MODEL.ready,
        "loading": MODEL.started and not MODEL._ready.is_set(),
        "error": MODEL.error,
        "load_seconds": MODEL.load_seconds,
    }


# --- Signalen's own rules ---------------------------------------------------------------------

_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_WORD = rf"[{_UPPER}][a-zà-öø-ÿ'’]+(?:-[{_UPPER}][a-zà-öø-ÿ'’]+)*"
_TUSSEN = (
    r"(?:van der|van den|van de|van 't|in 't|in de|op de|op den|uit de|uit den|von der|"
    r"van|von|de|der|den|ter|ten|te|het|'t|la|le|du|di|da|el|al|bin|ben|abu|ibn|mac|mc)"
)
_INITIALS = rf"(?:[{_UPPER}]\.[ \t]?){{1,4}}"
_SURNAME = rf"(?:(?i:{_TUSSEN})[ \t]+)?{_NAME_WORD}"
_TITLE = (
    r"(?<![^\W\d_])(?:mevrouw|mevr\.|mw\.|mevr|mw|meneer|mijnheer|mnr\.|de heer|dhr\.|dhr|"
    r"heer|mr\.|dr\.|drs\.|ir\.|ing\.|prof\.|familie|fam\.|juffrouw|zuster|broeder)"
)
_TITLE_START = re.compile(rf"(?i:{_TITLE})")
_TITLED = re.compile(
    rf"(?i:{_TITLE})[ \t]+(?P<name>(?:{_INITIALS}[ \t]*)?(?:{_NAME_WORD}[ \t]+)?{_SURNAME}"
    rf"|{_INITIALS}[ \t]*(?:{_TUSSEN}[ \t]+)?{_NAME_WORD})"
)
_WITH_INITIALS = re.compile(
    rf"(?<![\w.])(?P<name>{_INITIALS}[ \t]*(?:(?i:{_TUSSEN})[ \t]+)?{_NAME_WORD})"
)
# Words after which a name of a person follows: relatives, helpers, staff, "genaamd".
_PERSON_WORDS = (
    r"zoon|dochter|moeder|vader|man|vrouw|echtgenoot|echtgenote|partner|vriend|vriendin|"
    r"broer|zus|zuster|oma|opa|tante|oom|neef|nicht|kleinzoon|kleindochter|schoonzoon|"
    r"schoondochter|schoonmoeder|schoonvader|buurman|buurvrouw|buren|kind|dochtertje|"
    r"zoontje|baby|cliënt|client|cliënte|klant|mantelzorger|bewindvoerder|consulent|"
    r"consulente|klantmanager|casemanager|contactpersoon|medewerker|medewerkster|"
    r"behandelaar|huisarts|arts|advocaat|jurist|begeleider|begeleidster|ambtenaar|"
    r"wijkverpleegkundige|verpleegkundige|collega|leidinggevende|werkgever|"
    r"genaamd|heet|heette|naam|voornaam|achternaam|meisjesnaam|ondertekend door|namens|"
    r"met|en|of|van|aan|door|bij|voor|t\.a\.v\.|tav|beste|geachte|hallo|hoi|groet|"
    r"groeten|gr\.|mvg|vriendelijke groet"
)
_PERSON_CONTEXT = re.compile(
    rf"(?<![^\W\d_])(?i:{_PERSON_WORDS})[ \t:,]+(?P<name>{_NAME_WORD}(?:[ \t]+{_SURNAME})?)"
)
# A capitalised word that starts a sentence and is followed by what people do: "Hans belde".
_PERSON_VERBS = (
    r"belde|bellen|vertelde|vertelt|zei|zegt|schreef|schrijft|mailde|appte|kwam|komt|"
    r"woont|woonde|kreeg|krijgt|heeft|had|wil|wilde|moet|moest|kan|kon|vroeg|vraagt|"
    r"zit|zat|werkt|werkte|is|was|hoorde|ontving|liet|meldde|gaf|durft|weet|snapt|begreep"
)
_FIRST_NAME_ACTS = re.compile(
    rf"(?:^|(?<=[.!?:;]\s)|(?<=\n)|(?<=\ben )|(?<=\bdat )|(?<=\bwant )|(?<=\bmaar )"
    rf"|(?<=\btoen )|(?<=\bomdat )|(?<=\bals ))"
    rf"(?P<name>{_NAME_WORD})[ \t]+(?:{_PERSON_VERBS})\b"
)
_CONTEXT_NEEDS_LIST = frozenset({"met", "en", "of", "van", "aan", "door", "bij", "voor"})

# Capitalised words that are never (part of) a person's name in a signal: sentence words,
# organisations, places, schemes, laws, months and days.
_NOT_NAMES = frozenset(
    [
        "de",
        "het",
        "een",
        "dit",
        "deze",
        "die",
        "dat",
        "daar",
        "hier",
        "er",
        "ik",
        "u",
        "jij",
        "je",
        "hij",
        "zij",
        "ze",
        "wij",
        "we",
        "jullie",
        "zij",
        "men",
        "mijn",
        "zijn",
        "haar",
        "hun",
        "ons",
        "onze",
        "uw",
        "wie",
        "wat",
        "waar",
        "wanneer",
        "waarom",
        "hoe",
        "welke",
        "geen",
        "niet",
        "ook",
        "nog",
        "wel",
        "al",
        "maar",
        "en",
        "of",
        "want",
        "dus",
        "toen",
        "als",
        "omdat",
        "bij",
        "na",
        "voor",
        "door",
        "met",
        "zonder",
        "tot",
        "uit",
        "op",
        "in",
        "aan",
        "om",
        "over",
        "onder",
        "tegen",
        "naar",
        "sinds",
        "tijdens",
        "volgens",
        "via",
        "per",
        "pas",
        "nu",
        "toch",
        "mevrouw",
        "meneer",
        "heer",
        "dhr",
        "mw",
        "mevr",
        "familie",
        "cliënt",
        "client",
        "klant",
        "melder",
        "vrijwilliger",
        "gemeente",
        "stad",
        "dorp",
        "provincie",
        "regio",
        "wijk",
        "buurt",
        "land",
        "nederland",
        "rijk",
        "rijksoverheid",
        "uwv",
        "svb",
        "cak",
        "duo",
        "belastingdienst",
        "toeslagen",
        "ind",
        "cjib",
        "ggd",
        "ggz",
        "wmo",
        "ww",
        "wia",
        "wajong",
        "aow",
        "anw",
        "zw",
        "ioaw",
        "ioaz",
        "bbz",
        "tw",
        "pw",
        "bw",
        "iva",
        "wga",
        "wet",
        "wetten",
        "regeling",
        "besluit",
        "participatiewet",
        "jeugdwet",
        "kinderopvang",
        "zorgtoeslag",
        "huurtoeslag",
        "kindgebonden",
        "budget",
        "kinderbijslag",
        "bijstand",
        "uitkering",
        "toeslag",
        "schuldhulp",
        "schuldhulpverlening",
        "voedselbank",
        "bank",
        "stichting",
        "vereniging",
        "fonds",
        "loket",
        "werkplein",
        "sociaal",
        "sociale",
        "kaart",
        "verzekeringsbank",
        "raad",
        "cliëntenraad",
        "adviesraad",
        "ombudsman",
        "nationale",
        "juridisch",
        "juridische",
        "het",
        "juridisch",
        "loket",
        "vluchtelingenwerk",
        "humanitas",
        "schuldhulpmaatje",
        "kredietbank",
        "zorgverzekeraar",
        "zilveren",
        "kruis",
        "menzis",
        "cz",
        "vgz",
        "achmea",
        "ziekenhuis",
        "huisarts",
        "apotheek",
        "digid",
        "mijnuwv",
        "mijnoverheid",
        "overheid",
        "kantonrechter",
        "rechtbank",
        "rechter",
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
        "amsterdam",
        "rotterdam",
        "utrecht",
        "den",
        "haag",
        "deventer",
        "zwolle",
        "groningen",
        "eindhoven",
        "tilburg",
        "almere",
        "breda",
        "nijmegen",
        "apeldoorn",
        "arnhem",
        "haarlem",
        "enschede",
        "leeuwarden",
        "maastricht",
        "leiden",
        "dordrecht",
        "zoetermeer",
        "ede",
        "delft",
        "emmen",
        "venlo",
        "helmond",
        "hengelo",
        "amersfoort",
        "oost",
        "west",
        "noord",
        "zuid",
        "centrum",
        "rode",
        "kruis",
        "rijk",
        "leger",
        "heils",
    ]
)


_ORGANISATION_SUFFIXES = (
    "bedrijf", "centrum", "stichting", "corporatie", "fonds", "loket", "bureau", "dienst",
    "kantoor", "instelling", "organisatie", "team", "groep", "wet", "regeling", "bank",
    "raad", "plein", "toeslag", "uitkering",
)  # fmt: skip


def _is_public_word(word: str) -> bool:
    bare = word.strip(".,:;'’()").lower()
    return (
        bare in _NOT_NAMES
        or bare.startswith(("gemeente", "wet", "stichting"))
        or bare.endswith(_ORGANISATION_SUFFIXES)
    )


def _only_public_words(text: str) -> bool:
    words = [w for w in re.split(r"[\s\-]+", text) if w and not re.fullmatch(r"[A-Z]\.", w)]
    particles = {"van", "de", "der", "den", "het", "'t", "te", "ter", "ten"}
    meaningful = [w for w in words if w.lower() not in particles]
    return not meaningful or all(_is_public_word(w) for w in meaningful)


_ORGANISATION_AFTER = re.compile(
    r"^[ \t]+(?:[A-Z][\w-]*[ \t]+){0,2}?(?i:bv|b\.v\.|nv|n\.v\.|vof|groep|stichting)\b"
)


def _rule_spans(text: str) -> Iterator[tuple[int, int]]:
    for pattern in (_TITLED, _WITH_INITIALS):
        for match in pattern.finditer(text):
            yield match.start(), match.end("name")
    for match in _PERSON_CONTEXT.finditer(text):
        cue = text[match.start() : match.start("name")].strip(" \t:,").lower()
        first = match.group("name").split()[0]
        if _is_public_word(first):
            continue
        if cue in _CONTEXT_NEEDS_LIST and not _known_first_name(first):
            continue  # "met Stichting X", "van Deventer": only a listed first name counts
        yield match.start("name"), match.end("name")
    for match in _FIRST_NAME_ACTS.finditer(text):
        if _known_first_name(match.group("name")):
            yield match.start("name"), match.end("name")


def _known_first_name(word: str) -> bool:
    if _is_public_word(word) or MODEL.deduce is None:
        return False
    try:
        first_names = MODEL.deduce.lookup_structs["first_name"]
    except KeyError:
        return False
    with contextlib.suppress(Exception):
        return [word.split("-")[0]] in first_names  # a trie of token lists
    return False


def _deduce_spans(text: str) -> Iterator[tuple[int, int]]:
    if MODEL.deduce is None:
        raise NamesNotReady(MODEL.error or "loading")
    document = MODEL.deduce.deidentify(text, enabled=MODEL.enabled)
    for annotation in document.annotations:
        person = annotation.tag in ("persoon", "patient") or "persoon" in annotation.tag
        if person and not _ordinary_word(annotation.text):
            yield annotation.start_char, annotation.end_char


def _ordinary_word(text: str) -> bool:
    """Whether a one-word name of deduce is also a common Dutch word or a place ("Oud",
    "Kampen"): on its own, without a title or person context, that is not a name."""
    if " " in text.strip() or "." in text:
        return False
    structs = MODEL.deduce.lookup_structs
    lowered = text.lower()
    with contextlib.suppress(KeyError):
        if any(lowered in structs[name] for name in ("common_word", "stop_word", "whitelist")):
            return True
    with contextlib.suppress(KeyError):
        return [text] in structs["placename"]
    return False


# A capitalised name right after one of these is the name of a place or organisation:
# "buurthuis De Boog", "Werkbedrijf Rijk van Nijmegen", "woningcorporatie Portaal".
_ORGANISATION_NOUN = re.compile(
    r"(?i:huis|centrum|bedrijf|stichting|vereniging|corporatie|fonds|school|college|kerk|"
    r"moskee|ziekenhuis|kliniek|praktijk|team|loket|bureau|dienst|kantoor|instelling|"
    r"organisatie|groep|raad|bank|winkel|wijk|straat|plein|gemeente|provincie|park|"
    r"project|programma|regeling|wet|zorg|opvang)[ \t]+(?:(?i:de|het|'t)[ \t]+)?$"
)


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop a span made of organisation words; None when nothing personal is left."""
    piece = text[start:end]
    if _only_public_words(piece):
        return None  # "Voedselbank Deventer"
    if _TITLE_START.match(piece):
        return start, end  # "mevrouw Bank" is a person
    if _is_public_word(piece.split()[0]):
        return None  # "Werkbedrijf Rijk van Nijmegen"
    if _ORGANISATION_NOUN.search(text, max(0, start - 30), start):
        return None  # "buurthuis De Boog"
    if _ORGANISATION_AFTER.match(text[end : end + 40]):
        return None  # "Jansen Groep", "De Vries B.V."
    return start, end


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of names of people in ``text``; raises :class:`NamesNotReady` while loading."""
    if not MODEL.ready:
        raise NamesNotReady(MODEL.error or "loading")
    spans = []
    for start, end in (*_deduce_spans(text), *_rule_spans(text)):
        trimmed = _trim(text, start, end)
        if trimmed is not None:
            spans.append(trimmed)
    return spans
