"""Realistic Dutch knelpunten, generated from templates: for the demo site and the benchmarks.

Texts contain no personal data; numbers are amounts, dates and case numbers, which the
privacy guard must leave alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from signalen.core.dates import local_today

# (theme main, theme sub, scheme, agency, title template, description template)
TEMPLATES = [
    (
        "Bereikbaarheid",
        "Telefonisch slecht bereikbaar",
        "WW",
        "UWV",
        "Klantcontactcentrum {agency} niet bereikbaar",
        "Cliënt belt al {weeks} weken het klantcontactcentrum van {agency} en hangt na {minutes} minuten "
        "wachten nog in de wacht. Er wordt niet teruggebeld, terwijl dat wel is beloofd. Hij weet niet of "
        "zijn aanvraag voor de {scheme} is ontvangen.",
    ),
    (
        "Betaling",
        "Uitkering te laat",
        "Participatiewet (bijstand)",
        "Gemeente",
        "Bijstand {month} niet op tijd betaald",
        "De bijstandsuitkering van {month} is niet op tijd betaald. Cliënte heeft geen geld voor boodschappen "
        "en de huur van € {rent} kan niet worden betaald. De gemeente {municipality} zegt dat er een "
        "achterstand is bij de verwerking van wijzigingen.",
    ),
    (
        "Terugvordering",
        "Hoge terugvordering",
        "Zorgtoeslag",
        "Belastingdienst/Toeslagen",
        "Terugvordering zorgtoeslag van € {amount} zonder uitleg",
        "Cliënt krijgt een terugvordering van € {amount} zorgtoeslag over {year}. In de brief staat niet "
        "waarom. Hij heeft zijn inkomen wel op tijd doorgegeven. Een betalingsregeling is niet aangeboden en "
        "hij heeft geen geld om dit in één keer te betalen.",
    ),
    (
        "Digitalisering en DigiD",
        "Geen DigiD of DigiD werkt niet",
        "AOW",
        "SVB",
        "Aanvraag alleen online, cliënt heeft geen DigiD",
        "Cliënt is {age} jaar en heeft geen DigiD en geen computer. De {agency} verwijst steeds naar de "
        "website. Een papieren formulier is niet te krijgen. Zonder hulp van de helpdesk kan zij de "
        "aanvraag voor de {scheme} niet doen.",
    ),
    (
        "Informatievoorziening",
        "Brief niet te begrijpen",
        "WIA",
        "UWV",
        "Beslissing {scheme} is niet te begrijpen",
        "De beschikking over de {scheme} is geschreven in moeilijke taal. Cliënt begrijpt niet of hij nu "
        "wel of geen uitkering krijgt en wat hij moet doen. Er staat geen telefoonnummer in voor vragen. "
        "Zaaknummer Z-{year}-{case} werd aan de telefoon niet herkend.",
    ),
    (
        "Doorlooptijd",
        "Besluit op aanvraag duurt te lang",
        "Wmo 2015",
        "Gemeente",
        "Aanvraag Wmo ligt al {weeks} weken stil",
        "De aanvraag voor huishoudelijke hulp bij de gemeente {municipality} is {weeks} weken geleden "
        "gedaan. De wettelijke termijn is verstreken. Cliënt heeft niets gehoord en krijgt geen "
        "ondersteuning, terwijl zij na een operatie niet zelf kan schoonmaken.",
    ),
    (
        "Bejegening",
        "Onvriendelijk of respectloos behandeld",
        "Participatiewet (bijstand)",
        "Gemeente",
        "Cliënt voelt zich niet serieus genomen door consulent",
        "Bij het gesprek op het werkplein werd cliënt steeds onderbroken. De consulent zei dat hij 'gewoon "
        "harder moet zoeken'. Er was geen aandacht voor zijn gezondheid. Cliënt durft niet meer naar "
        "afspraken te gaan.",
    ),
    (
        "Schulden",
        "Schulden bij de overheid stapelen op",
        "WW",
        "CJIB",
        "Beslag op uitkering onder de beslagvrije voet",
        "Er wordt beslag gelegd op de {scheme} van cliënt. Na het beslag houdt hij € {small} per maand over, "
        "minder dan de beslagvrije voet. Het CJIB en de deurwaarder verwijzen naar elkaar. Hij komt niet "
        "rond en heeft een huurachterstand.",
    ),
    (
        "Regelgeving",
        "Kostendelersnorm",
        "Participatiewet (bijstand)",
        "Gemeente",
        "Kostendelersnorm raakt mantelzorger",
        "Cliënte zorgt voor haar zieke moeder die bij haar inwoont. Door de kostendelersnorm gaat haar "
        "bijstand met € {cut} per maand omlaag. Zij moet kiezen tussen de zorg voor haar moeder en "
        "genoeg inkomen.",
    ),
    (
        "Re-integratie en werk",
        "Geen passende hulp naar werk",
        "Wajong",
        "UWV",
        "Geen begeleiding naar werk voor Wajonger",
        "Cliënt met een Wajong-uitkering wil graag werken, maar krijgt al {weeks} weken geen gesprek met "
        "een arbeidsdeskundige. Er is geen jobcoach beschikbaar. Hij raakt zijn motivatie kwijt.",
    ),
    (
        "Betaling",
        "Betaling gestopt zonder bericht",
        "AKW",
        "SVB",
        "Kinderbijslag gestopt zonder bericht",
        "De kinderbijslag is in {month} gestopt zonder brief. Cliënte ontdekte het pas op haar bankafschrift. "
        "De SVB zegt dat er een formulier niet is ontvangen, maar zij heeft het wel op tijd gestuurd.",
    ),
    (
        "Zorg en ondersteuning (Wmo)",
        "Eigen bijdrage te hoog",
        "CAK-EB",
        "CAK",
        "Eigen bijdrage CAK klopt niet",
        "Het CAK rekent een eigen bijdrage van € {small} per maand, maar de ondersteuning is al in {month} "
        "gestopt. Cliënt belt drie keer en krijgt steeds een ander antwoord. Hij krijgt nu een "
        "aanmaning.",
    ),
]
MUNICIPALITIES = [
    "Utrecht", "Rotterdam", "Amsterdam", "'s-Gravenhage", "Zwolle", "Groningen", "Eindhoven",
    "Tilburg", "Almere", "Nijmegen", "Arnhem", "Enschede", "Leeuwarden", "Maastricht", "Deventer",
    "Amersfoort", "Haarlem", "Dordrecht", "Leiden", "Emmen",
]  # fmt: skip
MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december"]  # fmt: skip
CHANNELS = ["telefoon", "telefoon", "spreekuur", "spreekuur", "e-mail", "website"]
IMPACTS = ["laag", "middel", "middel", "hoog"]
EXTRA = [
    "Dit speelt bij meer cliënten van ons spreekuur.",
    "De cliënt heeft bezwaar gemaakt, maar nog geen reactie gekregen.",
    "Er is geen vast aanspreekpunt bij de instantie.",
    "Wij hebben de cliënt doorverwezen naar het sociaal raadsliedenwerk.",
    "De cliënt heeft geen netwerk dat kan helpen.",
    "Het probleem is niet opgelost na een klacht.",
    "Er dreigt een schuld doordat de betaling uitblijft.",
    "",
]


@dataclass
class GeneratedSignal:
    """One generated knelpunt, with taxonomy values by name (as in the CSV columns)."""

    title: str
    description: str
    theme: str  # "Hoofdthema/Thema"
    scheme: str
    agency: str
    municipality: str
    channel: str
    impact: str
    occurred_on: date
    report_count: int


def generate(count: int, seed: int = 2026, until: date | None = None) -> Iterator[GeneratedSignal]:
    """``count`` varied signals spread over the two years before ``until``."""
    rng = random.Random(seed)
    until = until or local_today()
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        yield render(template, rng.choice(MUNICIPALITIES), rng, until)


def render(template: tuple, municipality: str, rng: random.Random, until: date) -> GeneratedSignal:
    """One knelpunt from ``template`` in ``municipality``, with varied details."""
    main, sub, scheme, agency, title, description = template
    values = {
        "agency": agency if agency != "Gemeente" else f"gemeente {municipality}",
        "scheme": {"AKW": "kinderbijslag", "CAK-EB": "eigen bijdrage"}.get(
            scheme, scheme.split(" (")[0]
        ),
        "municipality": municipality,
        "weeks": rng.randint(2, 16),
        "minutes": rng.randint(20, 75),
        "month": rng.choice(MONTHS),
        "amount": f"{rng.randint(150, 4800):,}".replace(",", "."),
        "small": rng.randint(25, 290),
        "rent": f"{rng.randint(480, 1150):,}".replace(",", "."),
        "cut": rng.randint(120, 420),
        "year": rng.randint(2022, until.year),
        "age": rng.randint(67, 91),
        "case": rng.randint(100000, 999999),
    }
    text = description.format(**values)
    extra = rng.choice(EXTRA)
    return GeneratedSignal(
        title=title.format(**values),
        description=f"{text} {extra}".strip(),
        theme=f"{main}/{sub}",
        scheme=scheme,
        agency=agency,
        municipality=municipality,
        channel=rng.choice(CHANNELS),
        impact=rng.choice(IMPACTS),
        occurred_on=until - timedelta(days=rng.randint(0, 730)),
        report_count=rng.choice([1, 1, 1, 1, 2, 2, 3, 5, 8]),
    )
