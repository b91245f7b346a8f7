"""The privacy guard finds personal data of clients in Dutch free text, and nothing else."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
from flask import Flask

from signalen.privacy.services import (
    KIND_LABELS,
    KINDS,
    Finding,
    check_fields,
    contains_personal_data,
    find_personal_data,
    redact,
)


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_personal_data(text)]


def only(text: str) -> Finding:
    findings = find_personal_data(text)
    assert len(findings) == 1, findings
    return findings[0]


# --- BSN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("BSN 123456782 van de cliënt", "123456782"),
        ("bsn: 1234.56.782", "1234.56.782"),
        ("sofinummer 1234 56 782.", "1234 56 782"),
        ("nummer 1234-56-782", "1234-56-782"),
        ("burgerservicenummer 123 456 782", "123 456 782"),
        ("bsn:111222333", "111222333"),
        ("BSN 123456782 is 2 keer gecontroleerd", "123456782"),
    ],
)
def test_bsn_that_passes_the_11_proef_is_found(text: str, found: str) -> None:
    finding = only(text)
    assert (finding.kind, finding.text) == ("BSN", found)
    assert text[finding.start : finding.end] == found


@pytest.mark.parametrize(
    "text",
    [
        "nummer 123456789",  # fails the 11-proef
        "nummer 1234.56.789",
        "000000000",
        "1234567820",  # ten digits
        "12345678",  # eight digits
        "1234.56.782.1",  # part of a longer number
        "1234 56.782",  # mixed separators
    ],
)
def test_other_numbers_are_no_bsn(text: str) -> None:
    assert "BSN" not in kinds(text)


# --- IBAN ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "NL91ABNA0417164300",
        "NL91 ABNA 0417 1643 00",
        "nl91abna0417164300",
        "nl91 abna 0417 1643 00",
        "DE89 3704 0044 0532 0130 00",
        "BE71 0961 2345 6769",
        "GB82WEST12345698765432",
    ],
)
def test_iban_of_any_country_is_found(iban: str) -> None:
    text = f"Het geld is overgemaakt naar {iban} op naam van de cliënt."
    finding = only(text)
    assert (finding.kind, finding.text) == ("IBAN", iban)


@pytest.mark.parametrize(
    "text",
    [
        "rekening NL91ABNA0417164301",  # wrong checksum
        "rekening NL91 ABNA 0417 1643 01",
        "NL12 3456",
        "code AB12CDEF",
    ],
)
def test_iban_with_a_wrong_checksum_is_not_flagged(text: str) -> None:
    assert "IBAN" not in kinds(text)


def test_iban_containing_a_phone_number_is_reported_once_as_iban() -> None:
    # "0612 3456 78" inside this IBAN is also a valid mobile number.
    text = "IBAN NL44 INGB 0612 3456 78, graag controleren"
    findings = find_personal_data(text)
    assert [(f.kind, f.text) for f in findings] == [("IBAN", "NL44 INGB 0612 3456 78")]
    assert redact(text) == "IBAN [IBAN], graag controleren"


def test_two_ibans_next_to_each_other_are_both_found() -> None:
    text = "NL91 ABNA 0417 1643 00 NL44 INGB 0612 3456 78"
    assert [f.text for f in find_personal_data(text)] == [
        "NL91 ABNA 0417 1643 00",
        "NL44 INGB 0612 3456 78",
    ]


# --- phone numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "06-12345678",
        "06 1234 5678",
        "0612345678",
        "06-1234 5678",
        "020-1234567",
        "030 123 45 67",
        "(030) 123 45 67",
        "+31 6 12345678",
        "+31612345678",
        "+31(0)20 1234567",
        "0031 20 1234567",
        "0031612345678",
        "085 1234567",
        "+32 470 12 34 56",
    ],
)
def test_phone_numbers_are_found(number: str) -> None:
    text = f"Cliënt is bereikbaar op {number}, liefst 's ochtends."
    finding = only(text)
    assert (finding.kind, finding.text) == ("TELEFOON", number)


@pytest.mark.parametrize(
    "text",
    [
        "een bedrag van € 1.234,56 per maand",
        "ze moet 1234 euro terugbetalen",
        "een boete van €1500",
        "brief van 12-03-2026",
        "besluit van 2026-03-12",
        "sinds 2019 in de bijstand",
        "een korting van 15%",
        "zaaknummer Z-2026-001234",
        "kenmerk 2026/123456",
        "afspraak om 10:30 uur",
        "nummer 123456789",
        "bel UWV op 088-8982070",
        "bel de gratis lijn 0800-1234",
        "de betaallijn 0900-1234567",
        "gemeente Utrecht via 14 030",
        "dossier 301234567",
    ],
)
def test_amounts_dates_case_numbers_and_agency_numbers_are_no_phone_numbers(text: str) -> None:
    assert find_personal_data(text) == []


# --- e-mail ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["a@b.nl", "jan.de.vries@example.com", "j.jansen+uwv@mail.co.uk", "Info_2@Gemeente-X.nl"],
)
def test_email_addresses_are_found(address: str) -> None:
    finding = only(f"Mail: {address}.")
    assert (finding.kind, finding.text) == ("EMAIL", address)


def test_email_address_containing_a_phone_number_is_reported_once() -> None:
    assert [(f.kind, f.text) for f in find_personal_data("mail 0612345678@gmail.com")] == [
        ("EMAIL", "0612345678@gmail.com")
    ]


@pytest.mark.parametrize("text", ["via @gemeente op sociale media", "a@b", "het e-mailadres"])
def test_things_like_email_addresses_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []


# --- street + house number -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Ze woont op Kerkstraat 12 in Utrecht.", "Kerkstraat 12"),
        ("Adres is Lange Nieuwstraat 12a.", "Lange Nieuwstraat 12a"),
        ("bij Oudegracht 123-bis", "Oudegracht 123-bis"),
        ("Van Heemstraweg 4 A, Nijmegen", "Van Heemstraweg 4 A"),
        ("Hij woont Plein 1944 nr 3 in Nijmegen", "Plein 1944 nr 3"),
        ("De Kerkstraat 12 is een flat.", "De Kerkstraat 12"),
        ("ze woont in de Kerkstraat 12a sinds 2019", "Kerkstraat 12a"),
        ("verhuisd naar Laan van Meerdervoort 12", "Laan van Meerdervoort 12"),
        ("Burgemeester van Reenensingel 101", "Burgemeester van Reenensingel 101"),
        ("2e Jan Steenstraat 5", "2e Jan Steenstraat 5"),
        ("'s-Gravendijkwal 10", "'s-Gravendijkwal 10"),
        ("woonde eerst op kerkstraat 12", "kerkstraat 12"),
        ("Dorpsweg nr. 7", "Dorpsweg nr. 7"),
        ("Noorderring 5", "Noorderring 5"),
        ("Stationsplein 3-2", "Stationsplein 3-2"),
        ("Sint-Jacobsstraat 8 hs", "Sint-Jacobsstraat 8 hs"),
    ],
)
def test_street_with_house_number_is_found(text: str, found: str) -> None:
    finding = only(text)
    assert (finding.kind, finding.text) == ("ADRES", found)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Cliënt woont aan Zonnebloem 12.", "Zonnebloem 12"),
        ("woonadres: De Vaart 3", "De Vaart 3"),
        ("adres is Hooghiemstra 4b", "Hooghiemstra 4b"),
        ("woonachtig aan het Rond 1", "Rond 1"),
    ],
)
def test_any_name_with_a_number_after_adres_or_woont_aan_is_found(text: str, found: str) -> None:
    finding = only(text)
    assert (finding.kind, finding.text) == ("ADRES", found)


@pytest.mark.parametrize(
    "text",
    [
        "volgens artikel 12 van de wet",
        "al 3 maanden in de WW 3",
        "in week 12 kwam het besluit",
        "de Participatiewet 2015",
        "de Wmo 2015",
        "in 2026 gaat het mis",
        "1 van de 3 cliënten",
        "Uitkering 3 maanden te laat",
        "Terugvordering 2024 is onterecht",
        "de vordering 2 keer verhoogd",
        "in Eindhoven 2026 en Rotterdam 3 keer",
        "Antwoord 3 was onduidelijk",
        "het werkplein 2 keer bezocht",
        "Werkplein Utrecht 3 keer gebeld",
        "Markt 2025 voor werkzoekenden",
        "de straat 3 keer overgestoken",
        "het Gerechtshof 3 dagen later",
        "de arbeidsmarkt 2026",
        "postadres: Postbus 58285",
        "zie art. 3:45 Awb",
        "Kerkstraat 12-03-2026",
    ],
)
def test_numbers_after_ordinary_words_are_no_address(text: str) -> None:
    assert "ADRES" not in kinds(text)


# --- postcode --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("3511 AB 12", "3511 AB 12"),
        ("postcode 3511AB, Utrecht", "3511AB"),
        ("in 3511 AB Utrecht", "3511 AB"),
        ("3511 ab 12", "3511 ab 12"),
        ("3511ab 12a", "3511ab 12a"),
        ("postcode: 3511 ab", "3511 ab"),
        ("Postcode 3511 ww", "3511 ww"),
        ("1012 WX", "1012 WX"),
    ],
)
def test_postcode_is_found(text: str, found: str) -> None:
    finding = only(text)
    assert (finding.kind, finding.text) == ("POSTCODE", found)


@pytest.mark.parametrize(
    "text",
    [
        "in 2026 en 2027",
        "in 2026 en 3 keer",
        "vanaf 2026 is het anders",
        "€ 1500 of 2000",
        "1234 SA",  # SA, SD and SS are no postcode letters
        "1234 SD",
        "1234 SS",
        "0123 AB",  # postcodes do not start with 0
        "sinds 2019 WW 3 maanden",
        "12345 AB",
        "1234 euro",
        "1234 ABC",
    ],
)
def test_numbers_followed_by_words_are_no_postcode(text: str) -> None:
    assert "POSTCODE" not in kinds(text)


def test_address_and_postcode_are_two_findings() -> None:
    text = "Kerkstraat 12, 3511 AB Utrecht"
    assert [(f.kind, f.text) for f in find_personal_data(text)] == [
        ("ADRES", "Kerkstraat 12"),
        ("POSTCODE", "3511 AB"),
    ]
    assert redact(text) == "[ADRES], [POSTCODE] Utrecht"


# --- date of birth ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("geboren 12-03-1980", "12-03-1980"),
        ("geb. 12/03/1980", "12/03/1980"),
        ("Ze is geboren op 12 maart 1980 in Ede", "12 maart 1980"),
        ("Geboortedatum: 1980-03-12", "1980-03-12"),
        ("geboortedatum cliënt: 12.03.1980", "12.03.1980"),
        ("geb 12-3-80", "12-3-80"),
        ("° 12-03-1980", "12-03-1980"),
        ("°12-03-1980", "12-03-1980"),
        ("geb. datum 1 jan. 1950", "1 jan. 1950"),
        ("geboren op\n12 Maart 1980", "12 Maart 1980"),
        ("geboren in 1980", "1980"),
        ("zij is van 1961", "1961"),
        ("De cliënt is van bouwjaar 1958", "1958"),
    ],
)
def test_date_with_birth_context_is_found(text: str, found: str) -> None:
    finding = only(text)
    assert (finding.kind, finding.text) == ("GEBOORTEDATUM", found)


@pytest.mark.parametrize(
    "text",
    [
        "op 12 maart 2026 belde ze",
        "brief van 12-03-1980",
        "overleg op 2026-03-12",
        "geboren in Marokko, op 12 maart 2026 belde ze",
        "12-03-1980 geboren",  # the context must come before the date
        "geboren 31-02-1980",  # no such date
        "de wet is van 1961",
        "zij was van 2019 tot 2021 in de bijstand",
        "gebruik 12-03-2026",
        "leeftijd 45 jaar",
    ],
)
def test_other_dates_are_no_date_of_birth(text: str) -> None:
    assert "GEBOORTEDATUM" not in kinds(text)


# --- the whole text --------------------------------------------------------------------------

KNELPUNT = """\
Op 12 maart 2026 belde een cliënt van 58 jaar met de helpdesk. Hij zit sinds 2019 in de WW
en daarna in de bijstand (Participatiewet 2015). Het UWV heeft in een brief van 02-03-2026
(kenmerk 2026/123456, zaaknummer Z-2026-001234) € 1.234,56 teruggevorderd, omdat hij in
week 12 van 2025 te laat zijn inkomsten zou hebben doorgegeven. Volgens artikel 12 en
artikel 3:45 Awb had hij 6 weken om bezwaar te maken, maar de brief kwam pas na 4 weken.
Hij belde het UWV op 088-8982070 om 10:30 uur en wachtte 45 minuten; 1 van de 3 keer werd
de verbinding verbroken. De gemeente (via 14 030) verwees hem terug naar het UWV. Een
betalingsregeling van 1234 euro in 12 termijnen van €102,88 werd eerst geweigerd; de
vordering is 2 keer verhoogd met 15% rente. In Eindhoven 2026 en Rotterdam 3 keer eerder
gemeld. Het werkplein gaf aan dat de WW 3 maanden achterliep. Overleg gepland op
2026-04-15; zie ook dossier 123456789 en de DigiD-storing van 1 t/m 5 april 2026.
"""


def test_realistic_knelpunt_without_personal_data_has_no_findings() -> None:
    assert find_personal_data(KNELPUNT) == []
    assert not contains_personal_data(KNELPUNT)
    assert redact(KNELPUNT) == KNELPUNT


def test_realistic_knelpunt_with_personal_data_is_redacted() -> None:
    text = (
        "Mevrouw (geboren 12-03-1980, BSN 1234.56.782) woont aan de Kerkstraat 12a, "
        "3511 AB Utrecht. Bel haar op 06-12345678 of mail naar m.jansen@example.nl. "
        "Haar uitkering van € 1.234,56 komt op NL91 ABNA 0417 1643 00 sinds 12-01-2026."
    )
    assert kinds(text) == [
        "GEBOORTEDATUM",
        "BSN",
        "ADRES",
        "POSTCODE",
        "TELEFOON",
        "EMAIL",
        "IBAN",
    ]
    assert redact(text) == (
        "Mevrouw (geboren [GEBOORTEDATUM], BSN [BSN]) woont aan de [ADRES], "
        "[POSTCODE] Utrecht. Bel haar op [TELEFOON] of mail naar [E-MAIL]. "
        "Haar uitkering van € 1.234,56 komt op [IBAN] sinds 12-01-2026."
    )


def test_findings_are_sorted_and_do_not_overlap() -> None:
    text = "NL44 INGB 0612 3456 78 / 0612345678@gmail.com / 06-12345678 / 123456782 / 3511 AB 12"
    findings = find_personal_data(text)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    assert [f.kind for f in findings] == ["IBAN", "EMAIL", "TELEFOON", "BSN", "POSTCODE"]


@pytest.mark.parametrize("text", [None, "", "   ", "Geen gegevens."])
def test_empty_or_clean_text_has_no_findings(text: str | None) -> None:
    assert find_personal_data(text) == []
    assert contains_personal_data(text) is False


# --- redact ----------------------------------------------------------------------------------


def test_redact_replaces_findings_by_placeholders() -> None:
    assert redact("Bel 06-12345678 of mail a@b.nl") == "Bel [TELEFOON] of mail [E-MAIL]"


def test_redact_uses_the_findings_it_is_given() -> None:
    text = "Bel 06-12345678 of mail a@b.nl"
    phone_only = [f for f in find_personal_data(text) if f.kind == "TELEFOON"]
    assert redact(text, phone_only) == "Bel [TELEFOON] of mail a@b.nl"
    assert redact(text, []) == text


def test_redact_refuses_findings_from_another_text() -> None:
    findings = find_personal_data("Bel 06-12345678")
    with pytest.raises(ValueError):
        redact("Bel me morgen maar even", findings)


def test_redacted_text_has_no_personal_data_left() -> None:
    text = "bsn 123456782, tel 0612345678, a@b.nl, Kerkstraat 1, 3511 AB, NL91ABNA0417164300"
    redacted = redact(text)
    assert not contains_personal_data(redacted)
    assert redacted == "bsn [BSN], tel [TELEFOON], [E-MAIL], [ADRES], [POSTCODE], [IBAN]"


# --- check_fields and contains_personal_data --------------------------------------------------


def test_check_fields_reports_only_fields_with_findings() -> None:
    result = check_fields(
        {
            "title": "Terugvordering WW te laat gemeld",
            "description": "Cliënt (bsn 123456782) belde op 12 maart 2026.",
            "contact": "06-12345678 of a@b.nl",
            "empty": None,
        }
    )
    assert set(result) == {"description", "contact"}
    assert [f.kind for f in result["description"]] == ["BSN"]
    assert [f.kind for f in result["contact"]] == ["TELEFOON", "EMAIL"]


def test_check_fields_of_clean_fields_is_empty() -> None:
    assert check_fields({"title": "DigiD werkt niet", "description": None}) == {}


def test_contains_personal_data() -> None:
    assert contains_personal_data("mail a@b.nl")
    assert not contains_personal_data("mail de helpdesk")


# --- Finding ---------------------------------------------------------------------------------

EXPECTED = {
    "BSN": ("BSN", "[BSN]"),
    "IBAN": ("IBAN", "[IBAN]"),
    "TELEFOON": ("telefoonnummer", "[TELEFOON]"),
    "EMAIL": ("e-mailadres", "[E-MAIL]"),
    "ADRES": ("adres", "[ADRES]"),
    "POSTCODE": ("postcode", "[POSTCODE]"),
    "GEBOORTEDATUM": ("geboortedatum", "[GEBOORTEDATUM]"),
    "NAAM": ("naam", "[NAAM]"),
}


def test_every_kind_has_a_label_and_a_placeholder() -> None:
    assert set(KINDS) == set(EXPECTED) == set(KIND_LABELS)
    for kind, (label, placeholder) in EXPECTED.items():
        finding = Finding(kind, 0, 1, "x")
        assert finding.label == label
        assert finding.placeholder == placeholder


def test_label_works_inside_an_app_context(app: Flask) -> None:
    with app.test_request_context("/"):
        assert Finding("TELEFOON", 0, 1, "x").label == "telefoonnummer"


def test_label_falls_back_to_dutch_when_translations_are_unavailable(monkeypatch) -> None:
    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("Working outside of application context.")

    monkeypatch.setitem(KIND_LABELS, "BSN", Broken())
    assert Finding("BSN", 0, 1, "x").label == "BSN"


def test_finding_is_frozen_and_checks_its_kind() -> None:
    finding = Finding("BSN", 0, 9, "123456782")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "IBAN"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Finding("PERSOON", 0, 1, "x")


def test_address_scan_skips_ahead_without_changing_what_it_finds():
    # _find_address jumps to five words before the next possible house number instead of
    # trying every word; on any text it must find exactly what a full scan finds.
    from signalen.privacy.services import _ADDRESS, _address_matches

    words = [
        "Kerkstraat", "van", "de", "Laan", "2e", "nr", "nr.", "5", "12a", "A", "Dorpsweg",
        "in", "op", "€", "250", "huur", "\n", "Lange", "Nieuwe", "Gracht", "-", "'t", "Hof",
        "1944", "straat", "3", "bis", "hs", "(Markt", "14,", "woont",
    ]  # fmt: skip
    pick = random.Random(11)
    for _ in range(20_000):
        text = " ".join(pick.choice(words) for _ in range(pick.randint(1, 16)))
        assert [m.span() for m in _address_matches(text)] == [
            m.span() for m in _ADDRESS.finditer(text)
        ], text
