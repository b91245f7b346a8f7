"""A small, fictional Dutch sociale kaart for the demo and the tests.

Names of organisation types are real (everyone knows a Juridisch Loket or a Voedselbank);
every address, phone number, e-mail address and website is made up (``.example``).
"""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from sqlalchemy import func, select

from signalen.directory.models import (
    Address,
    Contact,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from signalen.extensions import db
from signalen.taxonomy.models import Municipality, Theme

NAMESPACE = uuid.UUID("5b0c8a52-3f55-4a53-9c43-2b7a1d0d6f10")
WEEKDAYS = "MO,TU,WE,TH,FR"

# (name, description, email, website, phone, locations, services)
# location: (name, street, postcode, city, gemeente, lat, lon, hours)
# service: dict with name, description, themes, areas, languages, ages, months since check
ORGANIZATIONS = [
    {
        "name": "Het Juridisch Loket",
        "description": "Gratis juridisch advies voor mensen met een laag inkomen.",
        "email": "info@juridischloket.example",
        "website": "https://juridischloket.example",
        "phone": "0900 8020",
        "locations": [
            ("Juridisch Loket Utrecht", "Vredenburg 40", "3511 BD", "Utrecht", "Utrecht",
             52.0924, 5.1153, [(WEEKDAYS, "09:00", "17:00")]),
            ("Juridisch Loket Rotterdam", "Coolsingel 101", "3012 AG", "Rotterdam", "Rotterdam",
             51.9217, 4.4777, [("MO,WE,FR", "09:00", "16:00")]),
        ],
        "services": [
            {
                "name": "Gratis juridisch advies",
                "description": "Advies over uitkeringen, toeslagen, bezwaar maken en "
                "terugvorderingen. U krijgt uitleg over uw rechten en wat u kunt doen.",
                "eligibility": "Voor iedereen met een laag inkomen of weinig vermogen.",
                "application": "Bel, chat of kom langs op een spreekuur. Neem uw brieven mee.",
                "fees": "Gratis.",
                "themes": ["Bezwaar en klachten", "Regelgeving", "Terugvordering"],
                "areas": [("landelijk", None)],
                "languages": ["nl", "en", "tr", "ar"],
                "ages": (18, None),
                "checked_days_ago": 60,
            },
        ],
    },
    {
        "name": "Schuldhulpmaatje Utrecht",
        "description": "Getrainde vrijwilligers helpen mensen met geldzorgen.",
        "email": "utrecht@schuldhulpmaatje.example",
        "website": "https://utrecht.schuldhulpmaatje.example",
        "phone": "030 711 22 33",
        "locations": [
            ("Buurtcentrum De Leeuw", "Leeuwstraat 12", "3552 AB", "Utrecht", "Utrecht",
             52.1040, 5.0990, [("TU,TH", "10:00", "15:00")]),
        ],
        "services": [
            {
                "name": "Maatje bij geldzorgen",
                "description": "Een vrijwilliger helpt u overzicht te krijgen in uw "
                "schulden, gaat mee naar instanties en helpt bij een betalingsregeling.",
                "eligibility": "Voor inwoners met schulden of betalingsachterstanden.",
                "application": "Meld u aan via het aanmeldformulier of bel ons.",
                "fees": "Gratis.",
                "themes": ["Schulden", "Terugvordering"],
                "areas": [("gemeente", "Utrecht"), ("gemeente", "Nieuwegein"),
                          ("gemeente", "Houten")],
                "languages": ["nl"],
                "ages": (18, None),
                "checked_days_ago": 240,
            },
        ],
    },
    {
        "name": "Sociaal Raadslieden Utrecht",
        "description": "Sociaal raadslieden helpen bij regels, brieven en formulieren van "
        "de overheid.",
        "email": "raadslieden@welzijn-utrecht.example",
        "website": "https://welzijn-utrecht.example/raadslieden",
        "phone": "030 240 50 60",
        "locations": [
            ("Wijkinformatiepunt Overvecht", "Zamenhofdreef 5", "3562 JT", "Utrecht",
             "Utrecht", 52.1170, 5.1140, [("MO,WE", "09:00", "12:30"), ("TH", "13:30", "17:00")]),
        ],
        "services": [
            {
                "name": "Spreekuur sociaal raadslieden",
                "description": "Hulp bij brieven van UWV, gemeente en Belastingdienst, bij "
                "bezwaar maken en bij het aanvragen van toeslagen en bijzondere bijstand.",
                "eligibility": "Voor inwoners van Utrecht.",
                "application": "Kom zonder afspraak naar het spreekuur of bel voor een afspraak.",
                "fees": "Gratis.",
                "themes": ["Informatievoorziening", "Bezwaar en klachten", "Betaling"],
                "areas": [("gemeente", "Utrecht")],
                "languages": ["nl", "ar", "tr"],
                "ages": (None, None),
                "checked_days_ago": 170,
            },
        ],
    },
    {
        "name": "Sociaal Raadslieden Amersfoort",
        "description": "Onafhankelijk advies over geld, regels en instanties.",
        "email": "srd@amersfoort-welzijn.example",
        "website": "https://amersfoort-welzijn.example/srd",
        "phone": "033 460 70 80",
        "locations": [
            ("Stadhuisplein Amersfoort", "Stadhuisplein 7", "3811 LM", "Amersfoort",
             "Amersfoort", 52.1556, 5.3880, [(WEEKDAYS, "09:00", "12:00")]),
        ],
        "services": [
            {
                "name": "Sociaal raadslieden Amersfoort",
                "description": "Hulp bij formulieren, bezwaar en vragen over uitkeringen.",
                "eligibility": "Voor inwoners van Amersfoort en Leusden.",
                "application": "Bel voor een afspraak.",
                "fees": "Gratis.",
                "themes": ["Informatievoorziening", "Bezwaar en klachten"],
                "areas": [("gemeente", "Amersfoort"), ("gemeente", "Leusden")],
                "languages": ["nl"],
                "ages": (None, None),
                "checked_days_ago": None,
            },
        ],
    },
    {
        "name": "UWV Klantcontact (voorbeeld)",
        "description": "Telefonische hulp bij vragen over WW, WIA, Wajong en andere "
        "uitkeringen van UWV.",
        "email": "",
        "website": "https://uwv.example",
        "phone": "088 898 20 01",
        "locations": [
            ("Telefoon en chat", None, None, None, None, None, None,
             [(WEEKDAYS, "08:00", "17:00")]),
        ],
        "services": [
            {
                "name": "Vragen over uw uitkering",
                "description": "Bel of chat met UWV over uw uitkering, betaling, "
                "inkomstenopgave of re-integratie.",
                "eligibility": "Voor iedereen met een uitkering van UWV.",
                "application": "Bel het telefoonnummer of chat via Mijn UWV.",
                "fees": "Gratis, u betaalt alleen uw gewone belkosten.",
                "themes": ["Betaling", "Re-integratie en werk", "Bereikbaarheid"],
                "areas": [("landelijk", None)],
                "languages": ["nl", "en"],
                "ages": (None, None),
                "checked_days_ago": 30,
            },
        ],
    },
    {
        "name": "Formulierenhulp Zeist",
        "description": "Vrijwilligers helpen met formulieren en DigiD.",
        "email": "formulierenhulp@zeist-samen.example",
        "website": "https://zeist-samen.example/formulierenhulp",
        "phone": "030 699 11 22",
        "locations": [
            ("Bibliotheek Zeist", "Markt 2", "3701 JZ", "Zeist", "Zeist", 52.0890, 5.2330,
             [("TU", "13:00", "16:00"), ("SA", "10:00", "12:00")]),
        ],
        "services": [
            {
                "name": "Hulp bij formulieren en DigiD",
                "description": "Hulp bij het invullen van formulieren, aanvragen via internet "
                "en het aanvragen of gebruiken van DigiD.",
                "eligibility": "Voor iedereen in de provincie Utrecht.",
                "application": "Kom langs tijdens het inloopspreekuur.",
                "fees": "Gratis.",
                "themes": ["Digitalisering en DigiD", "Informatievoorziening"],
                "areas": [("provincie", "Utrecht")],
                "languages": ["nl", "en", "pl"],
                "ages": (None, None),
                "checked_days_ago": 100,
            },
        ],
    },
    {
        "name": "Voedselbank Rotterdam (voorbeeld)",
        "description": "Voedselpakketten voor huishoudens die even niet rondkomen.",
        "email": "aanmelden@voedselbank-rotterdam.example",
        "website": "https://voedselbank-rotterdam.example",
        "phone": "010 420 33 44",
        "locations": [
            ("Uitgiftepunt Zuid", "Pretorialaan 60", "3072 EN", "Rotterdam", "Rotterdam",
             51.9010, 4.4960, [("FR", "13:00", "16:00")]),
        ],
        "services": [
            {
                "name": "Voedselpakket",
                "description": "Elke week een voedselpakket, voor een periode van drie jaar "
                "of korter.",
                "eligibility": "Voor huishoudens die na vaste lasten weinig leefgeld overhouden. "
                "Aanmelden gaat via een hulpverlener.",
                "application": "Laat een hulpverlener (bijvoorbeeld schuldhulp) u aanmelden.",
                "fees": "Gratis.",
                "themes": ["Schulden"],
                "areas": [("gemeente", "Rotterdam")],
                "languages": ["nl", "en"],
                "ages": (18, None),
                "checked_days_ago": 400,
            },
        ],
    },
    {
        "name": "MEE Utrecht (voorbeeld)",
        "description": "Onafhankelijke cliëntondersteuning voor mensen met een beperking.",
        "email": "info@mee-utrecht.example",
        "website": "https://mee-utrecht.example",
        "phone": "030 236 30 00",
        "locations": [
            ("MEE kantoor Utrecht", "Kaap Hoorndreef 24", "3563 AT", "Utrecht", "Utrecht",
             52.1118, 5.1372, [(WEEKDAYS, "08:30", "17:00")]),
        ],
        "services": [
            {
                "name": "Onafhankelijke cliëntondersteuning",
                "description": "Een cliëntondersteuner helpt bij het keukentafelgesprek voor "
                "de Wmo, bij de Wajong en bij bezwaar.",
                "eligibility": "Voor mensen met een beperking en hun naasten.",
                "application": "Bel of mail ons; wij maken een afspraak bij u thuis.",
                "fees": "Gratis.",
                "themes": ["Zorg en ondersteuning (Wmo)", "Bezwaar en klachten"],
                "areas": [("provincie", "Utrecht")],
                "languages": ["nl"],
                "ages": (None, None),
                "checked_days_ago": 20,
            },
        ],
    },
    {
        "name": "Humanitas Thuisadministratie Arnhem (voorbeeld)",
        "description": "Vrijwilligers helpen thuis met de administratie.",
        "email": "thuisadministratie.arnhem@humanitas.example",
        "website": "https://humanitas.example/arnhem",
        "phone": "026 351 12 34",
        "locations": [
            ("Humanitas Arnhem", "Jansbinnensingel 8", "6811 AN", "Arnhem", "Arnhem",
             51.9830, 5.9060, [("MO,TH", "10:00", "14:00")]),
        ],
        "services": [
            {
                "name": "Thuisadministratie",
                "description": "Een vrijwilliger komt bij u thuis en helpt uw papieren te "
                "ordenen, rekeningen te betalen en overzicht te houden.",
                "eligibility": "Voor inwoners van Arnhem en Nijmegen die hulp nodig hebben "
                "met hun administratie.",
                "application": "Bel of mail om een kennismaking af te spreken.",
                "fees": "Gratis.",
                "themes": ["Schulden", "Informatievoorziening"],
                "areas": [("gemeente", "Arnhem"), ("gemeente", "Nijmegen")],
                "languages": ["nl", "tr"],
                "ages": (18, None),
                "checked_days_ago": 175,
                "status": "temporarily closed",
                "alert": "Door een tekort aan vrijwilligers tijdelijk geen nieuwe aanmeldingen.",
            },
        ],
    },
]  # fmt: skip


def _id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def seed(today: date | None = None) -> int:
    """Create the demo directory once (nothing when there already is one); returns the
    number of services created."""
    from signalen.directory.search import index_services
    from signalen.directory.services import LANGUAGE_NAMES, local_today

    if db.session.scalar(select(func.count()).select_from(Organization)):
        return 0
    today = today or local_today()
    themes = {theme.name: theme for theme in db.session.scalars(select(Theme))}
    municipalities = {m.name: m for m in db.session.scalars(select(Municipality))}
    created: list[uuid.UUID] = []
    for data in ORGANIZATIONS:
        name = data["name"]
        organization = Organization(
            id=_id(name),
            name=name,
            description=data["description"],
            email=data["email"],
            website=data["website"],
        )
        db.session.add(organization)
        db.session.add(
            Phone(id=_id(name, "phone"), organization_id=organization.id, number=data["phone"])
        )
        db.session.add(
            Contact(
                id=_id(name, "contact"),
                organization_id=organization.id,
                name="Coördinator",
                title="Coördinator vrijwilligers",
                email=data["email"],
            )
        )
        locations = []
        for loc_name, street, postcode, city, gemeente, lat, lon, hours in data["locations"]:
            location = Location(
                id=_id(name, loc_name),
                organization=organization,
                name=loc_name,
                location_type="physical" if street else "virtual",
                url="" if street else data["website"],
                latitude=lat,
                longitude=lon,
                municipality=municipalities.get(gemeente) if gemeente else None,
            )
            if street:
                location.addresses.append(
                    Address(
                        id=_id(name, loc_name, "address"),
                        address_1=street,
                        postal_code=postcode,
                        city=city,
                        state_province=municipalities[gemeente].province
                        if gemeente in municipalities
                        else "",
                    )
                )
            for index, (days, opens, closes) in enumerate(hours):
                db.session.add(
                    Schedule(
                        id=_id(name, loc_name, "schedule", str(index)),
                        location=location,
                        freq="WEEKLY",
                        byday=days,
                        opens_at=_time(opens),
                        closes_at=_time(closes),
                    )
                )
            locations.append(location)
        for spec in data["services"]:
            ago = spec["checked_days_ago"]
            service = Service(
                id=_id(name, spec["name"]),
                organization=organization,
                name=spec["name"],
                description=spec["description"],
                eligibility_description=spec["eligibility"],
                application_process=spec["application"],
                fees_description=spec["fees"],
                url=data["website"],
                email=data["email"],
                status=spec.get("status", "active"),
                alert=spec.get("alert", ""),
                minimum_age=spec["ages"][0],
                maximum_age=spec["ages"][1],
                assured_date=None if ago is None else today - timedelta(days=ago),
                assurer_email="" if ago is None else "coordinator@utrecht.signalen.example",
                themes=[themes[t] for t in spec["themes"] if t in themes],
            )
            for code in spec["languages"]:
                service.languages.append(
                    Language(id=_id(name, spec["name"], code), code=code, name=LANGUAGE_NAMES[code])
                )
            for kind, value in spec["areas"]:
                municipality = municipalities.get(value) if kind == "gemeente" else None
                if kind == "gemeente" and municipality is None:
                    continue
                service.service_areas.append(
                    ServiceArea(
                        id=_id(name, spec["name"], kind, value or ""),
                        kind=kind,
                        municipality=municipality,
                        province=value if kind == "provincie" else "",
                        name=value or "Nederland",
                    )
                )
            for location in locations:
                service.service_at_locations.append(
                    ServiceAtLocation(id=_id(name, spec["name"], location.name), location=location)
                )
            service.phones.append(
                Phone(
                    id=_id(name, spec["name"], "phone"),
                    organization_id=organization.id,
                    number=data["phone"],
                )
            )
            db.session.add(service)
            created.append(service.id)
    db.session.commit()
    index_services(created)
    return len(created)
