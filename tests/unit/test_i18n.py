"""Every user-facing string goes through gettext and the English catalog covers them all."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "signalen" / "translations" / "en" / "LC_MESSAGES"


def _source_messages() -> set[str]:
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    sources = [
        (ROOT / "signalen", [("**.py", "python")], {}),
        (ROOT / "templates", [("**.html", "jinja2")], {"**.html": {"extensions": "jinja2.ext.do"}}),
    ]
    found = set()
    for directory, method_map, options in sources:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(directory), method_map, options, keywords=keywords
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_english_catalog_translates_every_string_in_the_source():
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    source = _source_messages()
    assert len(source) > 100
    missing = sorted(message for message in source if not translated.get(message))
    assert not missing, f"untranslated (run pybabel extract/update): {missing[:10]}"


def test_compiled_catalog_matches_the_po_file():
    with (CATALOG / "messages.po").open("rb") as handle:
        po = read_po(handle)
    with (CATALOG / "messages.mo").open("rb") as handle:
        mo = read_mo(handle)

    def pairs(catalog, skip_fuzzy):
        return {
            _key(m.id): _key(m.string)
            for m in catalog
            if m.id and m.string and not (skip_fuzzy and m.fuzzy)
        }

    po_pairs, mo_pairs = pairs(po, True), pairs(mo, False)
    assert len(po_pairs) > 100
    assert po_pairs == mo_pairs, "run: pybabel compile -d signalen/translations"


def _key(value):
    return value if isinstance(value, str) else tuple(value)
