"""Doorverwijzingen: "op maat" ranking, the referral form with the privacy guard, permissions,
outcomes, the follow-up list, the figures for the digest and the demo seed."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.core import dates
from signalen.core.dates import local_today
from signalen.demo import referrals as demo_referrals
from signalen.directory.models import Language, Organization, Schedule, Service, ServiceArea
from signalen.extensions import db
from signalen.referrals import figures as referral_figures
from signalen.referrals import matching, queries, services
from signalen.referrals.models import Outcome, Referral
from signalen.signals.models import Visibility
from tests.conftest import login, post_form
from tests.web.test_signals import everything_stored

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 11, 25)  # a Wednesday
WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=AMSTERDAM)
SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=AMSTERDAM)
PHONE = "06-12345678"
HIGH_RECOVERY = "Terugvordering/Hoge terugvordering"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def make_service(app, taxonomy):
    """A service on the sociale kaart, written as real rows."""

    def make(
        name: str,
        *,
        themes: tuple[str, ...] = (),
        areas: tuple[tuple[str, str | None], ...] = (("landelijk", None),),
        ages: tuple[int | None, int | None] = (None, None),
        status: str = "active",
        checked_days_ago: int | None = 10,
        hours: bool = False,
        languages: tuple[str, ...] = (),
        today: date | None = None,
    ) -> Service:
        today = today or local_today()
        service = Service(
            organization=Organization(name=f"Organisatie van {name}"),
            name=name,
            status=status,
            minimum_age=ages[0],
            maximum_age=ages[1],
            assured_date=None
            if checked_days_ago is None
            else today - timedelta(days=checked_days_ago),
            themes=[taxonomy.themes[theme.casefold()] for theme in themes],
        )
        for kind, value in areas:
            if kind == "gemeente":
                area = ServiceArea(
                    kind=kind, municipality=taxonomy.municipalities[value.casefold()], name=value
                )
            elif kind == "provincie":
                area = ServiceArea(kind=kind, province=value, name=value)
            else:
                area = ServiceArea(kind="landelijk", name="Nederland")
            service.service_areas.append(area)
        service.languages = [Language(code=code, name=code) for code in languages]
        if hours:
            service.schedules.append(
                Schedule(
                    freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at=time(9), closes_at=time(17)
                )
            )
        db.session.add(service)
        db.session.commit()
        return service

    return make


@pytest.fixture
def kaart(make_service):
    """Services around a knelpunt about a high recovery (terugvordering) in Utrecht."""
    return {
        "exact_utrecht": make_service(
            "Bezwaarhulp Utrecht",
            themes=(HIGH_RECOVERY,),
            areas=(("gemeente", "Utrecht"),),
            ages=(18, None),
            hours=True,
        ),
        "main_theme_utrecht": make_service(
            "Schuldhulp Utrecht", themes=("Terugvordering",), areas=(("gemeente", "Utrecht"),)
        ),
        "exact_national": make_service("Landelijke terugvorderingslijn", themes=(HIGH_RECOVERY,)),
        "sibling_province": make_service(
            "Beslaghulp provincie",
            themes=("Terugvordering/Beslag en verrekening",),
            areas=(("provincie", "Utrecht"),),
        ),
        "temporarily_closed": make_service(
            "Tijdelijk dicht loket",
            themes=(HIGH_RECOVERY,),
            areas=(("gemeente", "Utrecht"),),
            status="temporarily closed",
        ),
        "rotterdam": make_service(
            "Alleen Rotterdam", themes=(HIGH_RECOVERY,), areas=(("gemeente", "Rotterdam"),)
        ),
        "young": make_service(
            "Jongerenloket Utrecht",
            themes=(HIGH_RECOVERY,),
            areas=(("gemeente", "Utrecht"),),
            ages=(16, 23),
        ),
        "other_theme": make_service(
            "DigiD-hulp Utrecht",
            themes=("Digitalisering en DigiD",),
            areas=(("gemeente", "Utrecht"),),
        ),
        "defunct": make_service(
            "Opgeheven loket",
            themes=(HIGH_RECOVERY,),
            areas=(("gemeente", "Utrecht"),),
            status="defunct",
        ),
        "inactive": make_service(
            "Slapend loket",
            themes=(HIGH_RECOVERY,),
            areas=(("gemeente", "Utrecht"),),
            status="inactive",
        ),
    }


def criteria(taxonomy, themes=(HIGH_RECOVERY,), municipality="Utrecht", age=30):
    return matching.MatchCriteria(
        theme_ids=tuple(taxonomy.themes[t.casefold()].id for t in themes),
        municipality_id=taxonomy.municipalities[municipality.casefold()].id
        if municipality
        else None,
        age=age,
    )


def names(suggestions) -> list[str]:
    return [suggestion.service.name for suggestion in suggestions]


# Ranking ------------------------------------------------------------------------------------


def test_ranking_fits_theme_area_age_and_opening(app, taxonomy, make_service):
    make_service("Bezwaarhulp Utrecht", themes=(HIGH_RECOVERY,), areas=(("gemeente", "Utrecht"),),
                 ages=(18, None), hours=True, today=TODAY)  # fmt: skip
    make_service("Schuldhulp Utrecht", themes=("Terugvordering",),
                 areas=(("gemeente", "Utrecht"),), today=TODAY)  # fmt: skip
    make_service("Landelijke terugvorderingslijn", themes=(HIGH_RECOVERY,), today=TODAY)
    make_service("Beslaghulp provincie", themes=("Terugvordering/Beslag en verrekening",),
                 areas=(("provincie", "Utrecht"),), today=TODAY)  # fmt: skip
    make_service("Tijdelijk dicht loket", themes=(HIGH_RECOVERY,), areas=(("gemeente", "Utrecht"),),
                 status="temporarily closed", today=TODAY)  # fmt: skip
    make_service("Alleen Rotterdam", themes=(HIGH_RECOVERY,),
                 areas=(("gemeente", "Rotterdam"),), today=TODAY)  # fmt: skip
    make_service("Jongerenloket Utrecht", themes=(HIGH_RECOVERY,),
                 areas=(("gemeente", "Utrecht"),), ages=(16, 23), today=TODAY)  # fmt: skip
    make_service("DigiD-hulp Utrecht", themes=("Digitalisering en DigiD",),
                 areas=(("gemeente", "Utrecht"),), today=TODAY)  # fmt: skip
    make_service("Opgeheven loket", themes=(HIGH_RECOVERY,), status="defunct", today=TODAY)
    make_service("Slapend loket", themes=(HIGH_RECOVERY,), status="inactive", today=TODAY)

    ranked = matching.suggest_services(
        criteria(taxonomy), at=WEDNESDAY_MORNING, today=TODAY, limit=None
    )

    assert names(ranked) == [
        "Bezwaarhulp Utrecht",  # same theme, in Utrecht, age fits, open now
        "Schuldhulp Utrecht",  # main theme of the knelpunt's sub-theme, in Utrecht
        "Landelijke terugvorderingslijn",  # same theme, landelijk
        "Beslaghulp provincie",  # sibling sub-theme, in the provincie
        "Tijdelijk dicht loket",  # would fit, but temporarily closed
    ]
    scores = [suggestion.score for suggestion in ranked]
    assert scores == sorted(scores, reverse=True)
    reasons = {s.service.name: s.reason_labels for s in ranked}
    assert reasons["Bezwaarhulp Utrecht"] == [
        "Zelfde thema: Hoge terugvordering",
        "Werkt in Utrecht",
        "Past bij de leeftijd",
        "Nu open",
    ]
    assert reasons["Schuldhulp Utrecht"][:2] == [
        "Zelfde hoofdthema: Terugvordering",
        "Werkt in Utrecht",
    ]
    assert "Openingstijden onbekend" in reasons["Schuldhulp Utrecht"]
    assert "Landelijk" in reasons["Landelijke terugvorderingslijn"]
    assert reasons["Beslaghulp provincie"][:2] == [
        "Zelfde hoofdthema: Terugvordering",
        "Werkt in provincie Utrecht",
    ]
    assert "Tijdelijk gesloten" in reasons["Tijdelijk dicht loket"]
    assert not any(s.call_ahead for s in ranked)

    # On Sunday the first one is closed, but it still fits best.
    sunday = matching.suggest_services(criteria(taxonomy), at=SUNDAY, today=TODAY)
    assert "Nu dicht" in sunday[0].reason_labels
    assert sunday[0].service.name == "Bezwaarhulp Utrecht"


def test_ranking_without_gemeente_age_or_themes(app, taxonomy, make_service):
    make_service("Landelijk", themes=(HIGH_RECOVERY,), today=TODAY)
    make_service("Alleen Rotterdam", themes=(HIGH_RECOVERY,),
                 areas=(("gemeente", "Rotterdam"),), today=TODAY)  # fmt: skip
    make_service("Jongeren", themes=("Schulden",), ages=(16, 23), today=TODAY)
    make_service("Zonder werkgebied", themes=(HIGH_RECOVERY,), areas=(), today=TODAY)

    # No gemeente: regional services stay, landelijk ones go first.
    no_place = matching.suggest_services(
        criteria(taxonomy, municipality=None, age=None), at=SUNDAY, today=TODAY
    )
    assert names(no_place) == ["Landelijk", "Alleen Rotterdam", "Zonder werkgebied"]
    assert "Werkt alleen in: Gemeente Rotterdam" in no_place[1].reason_labels
    assert "Werkgebied onbekend" in no_place[2].reason_labels

    # The main theme finds services with one of its sub-themes as well.
    main = matching.suggest_services(
        criteria(taxonomy, themes=("Terugvordering",), municipality=None, age=None),
        at=SUNDAY,
        today=TODAY,
    )
    assert "Zelfde hoofdthema: Terugvordering" in main[0].reason_labels
    assert "Jongeren" not in names(main)

    # Nothing known: every referable service, and the age limit only counts when an age is given.
    everything = matching.suggest_services(
        matching.MatchCriteria(), at=SUNDAY, today=TODAY, limit=None
    )
    assert len(everything) == 4
    too_old = matching.suggest_services(
        matching.MatchCriteria(age=40), at=SUNDAY, today=TODAY, limit=None
    )
    assert "Jongeren" not in names(too_old)
    assert matching.suggest_services(matching.MatchCriteria(), today=TODAY, limit=2).__len__() == 2


def test_language_and_opening_decide_between_equal_fits(app, taxonomy, make_service):
    """Equal fits go by name; the client's language, then being open now, moves one up."""
    make_service("A-loket", themes=(HIGH_RECOVERY,), languages=("nl",), today=TODAY)
    make_service("B-loket", themes=(HIGH_RECOVERY,), languages=("nl", "ar"), today=TODAY)
    make_service("C-loket", themes=(HIGH_RECOVERY,), hours=True, today=TODAY)
    plain = criteria(taxonomy, municipality=None, age=None)

    assert names(matching.suggest_services(plain, at=SUNDAY, today=TODAY)) == [
        "C-loket",  # has opening hours (closed now), the others have none
        "A-loket",
        "B-loket",
    ]
    assert names(matching.suggest_services(plain, at=WEDNESDAY_MORNING, today=TODAY)) == [
        "C-loket",
        "A-loket",
        "B-loket",
    ]
    arabic = matching.MatchCriteria(theme_ids=plain.theme_ids, language="ar")
    ranked = matching.suggest_services(arabic, at=SUNDAY, today=TODAY)
    assert names(ranked) == ["B-loket", "C-loket", "A-loket"]
    assert "Helpt ook in het Arabisch" in ranked[0].reason_labels
    assert "Geen hulp in het Arabisch bekend" in ranked[2].reason_labels  # still suggested
    # Open now weighs less than the client's language.
    ranked = matching.suggest_services(arabic, at=WEDNESDAY_MORNING, today=TODAY)
    assert names(ranked)[:2] == ["B-loket", "C-loket"]
    assert "Nu open" in ranked[1].reason_labels
    dutch = matching.MatchCriteria(theme_ids=plain.theme_ids, language="nl")
    assert names(matching.suggest_services(dutch, at=SUNDAY, today=TODAY)) == names(
        matching.suggest_services(plain, at=SUNDAY, today=TODAY)
    )


def test_a_closer_area_beats_an_extra_theme_and_closed_goes_down(app, taxonomy, make_service):
    make_service(
        "Landelijk breed",
        themes=(HIGH_RECOVERY, "Schulden", "Betaling"),
        today=TODAY,
    )
    make_service("Utrecht smal", themes=(HIGH_RECOVERY,), areas=(("gemeente", "Utrecht"),),
                 today=TODAY)  # fmt: skip
    make_service("Utrecht dicht", themes=(HIGH_RECOVERY,), areas=(("gemeente", "Utrecht"),),
                 status="temporarily closed", today=TODAY)  # fmt: skip
    wanted = criteria(taxonomy, themes=(HIGH_RECOVERY, "Schulden"), age=None)
    ranked = matching.suggest_services(wanted, at=SUNDAY, today=TODAY)
    assert names(ranked) == ["Utrecht smal", "Landelijk breed", "Utrecht dicht"]
    assert ranked[1].reason_labels[:2] == [
        "Zelfde thema: Hoge terugvordering",
        "Zelfde thema: Schulden",
    ]
    # Without a gemeente the landelijk one fits better than the one that only works in Utrecht.
    anywhere = criteria(taxonomy, themes=(HIGH_RECOVERY, "Schulden"), municipality=None, age=None)
    assert names(matching.suggest_services(anywhere, at=SUNDAY, today=TODAY))[0] == (
        "Landelijk breed"
    )


def test_overdue_verification_is_marked_to_call_ahead(app, taxonomy, make_service):
    make_service("Vers gecontroleerd", themes=(HIGH_RECOVERY,), checked_days_ago=20, today=TODAY)
    stale = make_service("Oude gegevens", themes=(HIGH_RECOVERY,), today=TODAY)
    stale.assured_date = date(2026, 3, 20)  # review every 6 months: due 2026-09-20
    make_service("Nooit gecontroleerd", themes=(HIGH_RECOVERY,), checked_days_ago=None, today=TODAY)
    db.session.commit()

    ranked = matching.suggest_services(
        criteria(taxonomy, municipality=None, age=None), at=SUNDAY, today=TODAY
    )
    by_name = {s.service.name: s for s in ranked}
    assert ranked[0].service.name == "Vers gecontroleerd"  # equal fit: the checked one first
    assert not by_name["Vers gecontroleerd"].call_ahead
    assert by_name["Oude gegevens"].call_ahead
    assert by_name["Oude gegevens"].months_unchecked == 8
    assert "Al 8 maanden niet gecontroleerd" in by_name["Oude gegevens"].reason_labels
    assert by_name["Nooit gecontroleerd"].call_ahead
    assert "Nog nooit gecontroleerd" in by_name["Nooit gecontroleerd"].reason_labels


def test_months_between():
    assert dates.months_between(date(2026, 3, 20), date(2026, 11, 25)) == 8
    assert dates.months_between(date(2026, 3, 26), date(2026, 11, 25)) == 7
    assert dates.months_between(date(2026, 11, 25), date(2026, 3, 1)) == 0


# The form ---------------------------------------------------------------------------------


def referral_form(signal_id=None, **fields) -> tuple[str, dict]:
    path = (
        f"/doorverwijzingen/nieuw?signaal={signal_id}" if signal_id else "/doorverwijzingen/nieuw"
    )
    data = {
        "reason": "Hulp nodig bij bezwaar tegen de terugvordering.",
        "advice": "Brief meenemen.",
        "municipality": "",
        "age": "",
        "follow_up_on": "",
        "other_service": "",
        "action": "opslaan",
        **fields,
    }
    return path, data


def test_volunteer_refers_from_a_signal_with_ranked_suggestions(
    client, login_as, make_signal, kaart, taxonomy
):
    volunteer = login_as(Role.VOLUNTEER)
    signal = make_signal(user=volunteer, themes=(HIGH_RECOVERY,), municipality="Utrecht")

    detail = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert f'href="/doorverwijzingen/nieuw?signaal={signal.id}"' in detail

    page = client.get(f"/doorverwijzingen/nieuw?signaal={signal.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Doorverwijzen" in html and signal.title in html
    suggested = re.findall(r'<label for="service-\d+"><strong>([^<]+)</strong>', html)
    assert suggested[:4] == [
        "Bezwaarhulp Utrecht",
        "Jongerenloket Utrecht",  # no age given yet: age limits do not exclude
        "Schuldhulp Utrecht",
        "Landelijke terugvorderingslijn",
    ]
    for hidden in ("Alleen Rotterdam", "DigiD-hulp Utrecht", "Opgeheven loket", "Slapend loket"):
        assert hidden not in suggested
    assert "Zelfde thema: Hoge terugvordering" in html
    assert "Werkt in Utrecht" in html
    assert "Laatst gecontroleerd op" in html  # on every suggestion
    # The signal's themes and gemeente are filled in; a follow-up date is proposed.
    utrecht = taxonomy.municipalities["utrecht"].id
    assert f'<option selected value="{utrecht}">' in html
    follow_up = (local_today() + timedelta(days=14)).isoformat()
    assert f'value="{follow_up}"' in html

    path, data = referral_form(
        signal.id,
        service=str(kaart["exact_utrecht"].id),
        themes=str(taxonomy.themes[HIGH_RECOVERY.casefold()].id),
        municipality=str(utrecht),
        age="34",
        warm_handover="y",
        follow_up_on=follow_up,
    )
    response = post_form(client, path, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = db.session.scalar(select(Referral))
    assert response.headers["Location"] == f"/doorverwijzingen/{referral.id}"
    assert referral.organisation_id == volunteer.organisation_id
    assert referral.created_by_id == volunteer.id
    assert referral.signal_id == signal.id
    assert referral.service_id == kaart["exact_utrecht"].id
    assert referral.service_name == "Bezwaarhulp Utrecht"
    assert referral.organization_name == "Organisatie van Bezwaarhulp Utrecht"
    assert [t.name for t in referral.themes] == ["Hoge terugvordering"]
    assert referral.municipality.name == "Utrecht"
    assert referral.age_group == "27-66"  # the age itself is not kept
    assert referral.warm_handover is True
    assert referral.follow_up_on.isoformat() == follow_up
    assert referral.referred_on == local_today()
    assert referral.outcome is None

    shown = client.get(f"/doorverwijzingen/{referral.id}").get_data(as_text=True)
    assert "Bezwaarhulp Utrecht" in shown and "Hulp nodig bij bezwaar" in shown
    assert "Nog geen uitkomst" in shown
    # The signal page lists it.
    detail = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert f'href="/doorverwijzingen/{referral.id}"' in detail


def test_search_button_refreshes_suggestions_and_keeps_the_text(client, login_as, kaart, taxonomy):
    login_as(Role.VOLUNTEER)
    page = client.get("/doorverwijzingen/nieuw")
    assert page.status_code == 200
    path, data = referral_form(
        themes=str(taxonomy.themes[HIGH_RECOVERY.casefold()].id),
        municipality=str(taxonomy.municipalities["rotterdam"].id),
        age="20",
        reason="Tekst die blijft staan.",
        action="zoeken",
    )
    response = post_form(client, path, data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    suggested = re.findall(r'<label for="service-\d+"><strong>([^<]+)</strong>', html)
    assert suggested[0] == "Alleen Rotterdam"
    assert "Bezwaarhulp Utrecht" not in suggested
    assert "Tekst die blijft staan." in html
    response = post_form(client, path, {**data, "language": "tr"})
    assert "Geen hulp in het Turks bekend" in response.get_data(as_text=True)
    assert '<option selected value="tr">' in response.get_data(as_text=True)
    assert "Controleer het formulier" not in html
    assert count(Referral) == 0


def test_referral_without_signal_and_with_another_service(client, login_as, kaart, taxonomy):
    login_as(Role.VOLUNTEER)
    path, data = referral_form(
        service="anders",
        other_service=str(kaart["other_theme"].id),
        themes=str(taxonomy.themes["digitalisering en digid"].id),
        reason="Cliënt kan niet inloggen.",
    )
    response = post_form(client, path, data)
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert referral.signal_id is None
    assert referral.service_name == "DigiD-hulp Utrecht"
    assert [t.name for t in referral.themes] == ["Digitalisering en DigiD"]
    assert referral.age_group is None
    page = client.get(f"/doorverwijzingen/{referral.id}").get_data(as_text=True)
    assert "contact zonder knelpunt" in page


BAD_INPUT = [
    ({"service": ""}, "Kies een dienst."),
    ({"service": "geen-uuid"}, "staat niet (meer) op de sociale kaart"),
    ({"service": "defunct"}, "staat niet (meer) op de sociale kaart"),
    ({"service": "inactive"}, "staat niet (meer) op de sociale kaart"),
    ({"reason": ""}, "Schrijf op waarom u doorverwijst."),
    ({"reason": "x" * 2001}, "hoogstens 2000 tekens"),
    ({"follow_up_on": "2001-01-01"}, "De opvolgdatum ligt in het verleden."),
    ({"follow_up_on": "2099-01-01"}, "Kies een opvolgdatum binnen een jaar."),
    ({"follow_up_on": "31-02-2026"}, "Vul een datum in als jjjj-mm-dd"),
    ({"age": "200"}, "Vul een leeftijd in jaren in."),
    ({"themes": "999999"}, "Kies een thema uit de lijst."),
    ({"municipality": "999999"}, "Kies een gemeente uit de lijst."),
]


def test_bad_input_is_refused_and_stores_nothing(client, login_as, kaart):
    login_as(Role.VOLUNTEER)
    for fields, message in BAD_INPUT:
        if fields.get("service") in kaart:
            fields = {**fields, "service": str(kaart[fields["service"]].id)}
        fields = {"service": str(kaart["exact_national"].id), **fields}
        path, data = referral_form(**fields)
        response = post_form(client, path, data)
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
        assert count(Referral) == 0


def test_personal_data_in_the_text_is_refused_or_redacted(client, login_as, kaart):
    login_as(Role.VOLUNTEER)
    path, data = referral_form(
        service=str(kaart["exact_national"].id),
        reason=f"Cliënt is bereikbaar op {PHONE} voor de afspraak.",
        advice="BSN 111222333 doorgegeven aan de dienst.",
    )
    response = post_form(client, path, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Er staan persoonsgegevens in de tekst" in html
    assert "telefoonnummer" in html and "[TELEFOON]" in html and "[BSN]" in html
    assert count(Referral) == 0
    assert PHONE not in everything_stored() and "111222333" not in everything_stored()

    response = post_form(client, path, {**data, "accept_redaction": "y"})
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert referral.reason == "Cliënt is bereikbaar op [TELEFOON] voor de afspraak."
    assert referral.advice == "BSN [BSN] doorgegeven aan de dienst."
    stored = everything_stored()
    assert PHONE not in stored and "111222333" not in stored


def test_html_in_the_text_is_escaped(client, login_as, kaart):
    login_as(Role.VOLUNTEER)
    path, data = referral_form(
        service=str(kaart["exact_national"].id), reason="<script>alert(1)</script> hulp"
    )
    # A null byte is refused as a whole (tests/web/test_hostile_input.py); nothing is stored.
    refused = post_form(client, path, {**data, "reason": "hulp\x00"})
    assert refused.status_code == 400
    assert db.session.scalar(select(Referral)) is None
    assert post_form(client, path, data).status_code == 302
    referral = db.session.scalar(select(Referral))
    page = client.get(f"/doorverwijzingen/{referral.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


# Permissions --------------------------------------------------------------------------------


def make_referral(user, service, **fields) -> Referral:
    data = services.ReferralInput(
        service_id=service.id,
        reason=fields.pop("reason", "Hulp bij bezwaar."),
        **fields,
    )
    return services.create_referral(data, user)


def test_other_organisations_get_404_and_readers_only_read(
    app, client, make_user, make_signal, kaart
):
    volunteer = make_user(Role.VOLUNTEER)
    signal = make_signal(user=volunteer)
    referral = make_referral(volunteer, kaart["exact_national"], signal_id=signal.id)
    path = f"/doorverwijzingen/{referral.id}"

    # Anonymous: to the login page.
    assert client.get(path).status_code == 302
    assert client.get("/doorverwijzingen/").status_code == 302

    # Another organisation's volunteer and coordinator: 404, and not in their lists.
    for role in (Role.VOLUNTEER, Role.COORDINATOR):
        stranger = make_user(role)
        client = app.test_client()
        login(client, stranger)
        assert client.get(path).status_code == 404
        assert (
            post_form(
                client, path + "/uitkomst", {"outcome": "onbekend"}, token_from="/doorverwijzingen/"
            ).status_code
            == 404
        )
        listing = client.get("/doorverwijzingen/").get_data(as_text=True)
        assert path not in listing
        assert path not in client.get(f"/signalen/{signal.id}").get_data(as_text=True)

    # A reader of the same organisation sees it but cannot create or record an outcome.
    reader = make_user(Role.READER, organisation=volunteer.organisation)
    client = app.test_client()
    login(client, reader)
    page = client.get(path)
    assert page.status_code == 200
    assert "Uitkomst opslaan" not in page.get_data(as_text=True)
    assert client.get("/doorverwijzingen/nieuw").status_code == 403
    signal_page = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert "/doorverwijzingen/nieuw" not in signal_page  # no "Doorverwijzen" button
    assert f'href="{path}"' in signal_page  # but the organisation's referral is listed
    assert (
        post_form(
            client, path + "/uitkomst", {"outcome": "onbekend"}, token_from="/doorverwijzingen/"
        ).status_code
        == 403
    )
    assert client.get("/doorverwijzingen/opvolgen").status_code == 403
    assert path in client.get("/doorverwijzingen/").get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.outcome is None

    # A beheerder sees every organisation's referrals.
    client = app.test_client()
    login(client, make_user(Role.ADMINISTRATOR))
    assert client.get(path).status_code == 200
    assert client.get("/doorverwijzingen/opvolgen").status_code == 200
    assert client.get("/doorverwijzingen/nieuw").status_code == 403  # no organisation


def test_signal_the_user_may_not_see_gives_404(client, login_as, make_user, make_signal, kaart):
    other = make_user(Role.VOLUNTEER)
    internal = make_signal(user=other, visibility=Visibility.INTERNAL)
    network = make_signal(user=other, title="Netwerkknelpunt", visibility=Visibility.NETWORK)
    volunteer = login_as(Role.VOLUNTEER)
    assert client.get(f"/doorverwijzingen/nieuw?signaal={internal.id}").status_code == 404
    assert client.get("/doorverwijzingen/nieuw?signaal=abc").status_code == 404
    path, data = referral_form(internal.id, service=str(kaart["exact_national"].id))
    assert post_form(client, path, data, token_from="/doorverwijzingen/").status_code == 404
    # Another organisation's network signal: the referral is the volunteer's own.
    path, data = referral_form(network.id, service=str(kaart["exact_national"].id))
    assert post_form(client, path, data).status_code == 302
    referral = db.session.scalar(select(Referral))
    assert referral.organisation_id == volunteer.organisation_id
    assert referral.signal_id == network.id


def test_service_refuses_creation_by_readers(app, make_user, kaart):
    from signalen.core.errors import ServiceError

    reader = make_user(Role.READER)
    with pytest.raises(ServiceError):
        make_referral(reader, kaart["exact_national"])
    assert count(Referral) == 0


# Outcomes and follow-up ------------------------------------------------------------------------


def test_volunteer_records_and_corrects_the_outcome(client, make_user, kaart):
    volunteer = make_user(Role.VOLUNTEER)
    colleague = make_user(Role.VOLUNTEER, organisation=volunteer.organisation)
    referral = make_referral(volunteer, kaart["exact_national"])
    path = f"/doorverwijzingen/{referral.id}"
    login(client, colleague)
    assert "Uitkomst opslaan" in client.get(path).get_data(as_text=True)

    response = post_form(
        client, path + "/uitkomst", {"outcome": "bereikt_geholpen", "note": "Bezwaar ingediend."},
        token_from=path,
    )  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.outcome is Outcome.HELPED
    assert referral.outcome_note == "Bezwaar ingediend."
    assert referral.outcome_recorded_by_id == colleague.id
    assert referral.outcome_recorded_at is not None
    assert "Bereikt en geholpen" in client.get(path).get_data(as_text=True)

    response = post_form(client, path + "/uitkomst", {"outcome": "niet_bereikt"}, token_from=path)
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.outcome is Outcome.NOT_REACHED

    for bad in ({"outcome": "misschien"}, {"outcome": ""}):
        response = post_form(client, path + "/uitkomst", bad, token_from=path)
        assert response.status_code == 422
    response = post_form(
        client, path + "/uitkomst", {"outcome": "onbekend", "note": f"Bel {PHONE}"},
        token_from=path,
    )  # fmt: skip
    assert response.status_code == 422
    assert "Er staan persoonsgegevens in de tekst" in response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.outcome is Outcome.NOT_REACHED
    assert PHONE not in everything_stored()
    response = post_form(
        client, path + "/uitkomst",
        {"outcome": "onbekend", "note": f"Bel {PHONE}", "accept_redaction": "y"},
        token_from=path,
    )  # fmt: skip
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.outcome_note == "Bel [TELEFOON]"


def test_coordinator_follow_up_list(app, client, make_user, kaart):
    coordinator = make_user(Role.COORDINATOR)
    volunteer = make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
    stranger = make_user(Role.VOLUNTEER)
    today = local_today()
    due = make_referral(volunteer, kaart["exact_national"], reason="Te laat")
    due_today = make_referral(volunteer, kaart["main_theme_utrecht"], reason="Vandaag")
    done = make_referral(volunteer, kaart["exact_national"], reason="Klaar")
    later = make_referral(volunteer, kaart["exact_national"], reason="Later")
    no_date = make_referral(volunteer, kaart["exact_national"], reason="Zonder datum")
    other = make_referral(stranger, kaart["exact_national"], reason="Ander")
    due.follow_up_on = today - timedelta(days=3)
    due_today.follow_up_on = today
    done.follow_up_on = today - timedelta(days=10)
    later.follow_up_on = today + timedelta(days=1)
    other.follow_up_on = today - timedelta(days=30)
    db.session.commit()
    services.record_outcome(done, Outcome.HELPED, volunteer)

    assert [r.id for r in queries.due_for_follow_up(coordinator, today)] == [due.id, due_today.id]
    assert queries.due_for_follow_up(volunteer, today) == []
    assert no_date.id not in [r.id for r in queries.due_for_follow_up(coordinator, today)]

    login(client, coordinator)
    page = client.get("/doorverwijzingen/opvolgen")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/doorverwijzingen/{due.id}#" in html and f"/doorverwijzingen/{due_today.id}#" in html
    assert "3 dagen te laat" in html
    for absent in (done, later, no_date, other):
        assert f"/doorverwijzingen/{absent.id}#" not in html
    client = app.test_client()
    login(client, volunteer)
    assert client.get("/doorverwijzingen/opvolgen").status_code == 403

    # Nothing known yet: ask again next week; a date in the past is refused.
    path = f"/doorverwijzingen/{due.id}"
    response = post_form(
        client, path + "/opvolgdatum", {"follow_up_on": "2001-01-01"}, token_from=path
    )
    assert response.status_code == 422
    assert "De opvolgdatum ligt in het verleden." in response.get_data(as_text=True)
    next_week = (today + timedelta(days=7)).isoformat()
    response = post_form(
        client, path + "/opvolgdatum", {"follow_up_on": next_week}, token_from=path
    )
    assert response.status_code == 302
    db.session.refresh(due)
    assert due.follow_up_on.isoformat() == next_week
    assert [r.id for r in queries.due_for_follow_up(coordinator, today)] == [due_today.id]
    reader = make_user(Role.READER, organisation=coordinator.organisation)
    client = app.test_client()
    login(client, reader)
    assert "Opvolgdatum wijzigen" not in client.get(path).get_data(as_text=True)
    response = post_form(client, path + "/opvolgdatum", {"follow_up_on": ""}, token_from=path)
    assert response.status_code == 403


def test_list_filters(client, make_user, kaart, taxonomy):
    volunteer = make_user(Role.VOLUNTEER)
    colleague = make_user(Role.VOLUNTEER, organisation=volunteer.organisation)
    recovery = taxonomy.themes[HIGH_RECOVERY.casefold()].id
    digid = taxonomy.themes["digitalisering en digid"].id
    first = make_referral(volunteer, kaart["exact_national"], theme_ids=[recovery])
    second = make_referral(colleague, kaart["other_theme"], theme_ids=[digid])
    services.record_outcome(second, Outcome.NOT_HELPED, colleague)
    login(client, volunteer)

    def listed(query: str) -> set[int]:
        html = client.get("/doorverwijzingen/" + query).get_data(as_text=True)
        return {int(i) for i in re.findall(r'href="/doorverwijzingen/(\d+)"', html)}

    assert listed("") == {first.id, second.id}
    assert listed("?uitkomst=open") == {first.id}
    assert listed("?uitkomst=bereikt_niet_geholpen") == {second.id}
    main_theme = taxonomy.themes["terugvordering"].id
    assert listed(f"?thema={main_theme}") == {first.id}  # sub-themes count under the main one
    assert listed("?mijn=1") == {first.id}
    today = local_today().isoformat()
    assert listed(f"?van={today}&tot={today}") == {first.id, second.id}
    assert listed("?tot=2001-01-01") == set()
    page = client.get("/doorverwijzingen/?uitkomst=raar&van=gisteren")
    assert page.status_code == 200
    assert "Deze uitkomst bestaat niet." in page.get_data(as_text=True)


# Figures for the digest -----------------------------------------------------------------------


def test_referral_figures_per_service_and_theme(app, make_user, kaart, taxonomy):
    volunteer = make_user(Role.VOLUNTEER)
    other = make_user(Role.VOLUNTEER)
    recovery = taxonomy.themes[HIGH_RECOVERY.casefold()].id
    digid = taxonomy.themes["digitalisering en digid"].id
    a = make_referral(volunteer, kaart["exact_national"], theme_ids=[recovery])
    b = make_referral(other, kaart["exact_national"], theme_ids=[recovery, digid])
    c = make_referral(volunteer, kaart["other_theme"], theme_ids=[digid], warm_handover=True)
    old = make_referral(volunteer, kaart["other_theme"], theme_ids=[digid])
    services.record_outcome(a, Outcome.HELPED, volunteer)
    services.record_outcome(b, Outcome.NOT_REACHED, other)
    today = local_today()
    old.referred_on = today - timedelta(days=400)
    db.session.commit()
    _ = c

    figures = referral_figures.referral_figures(today - timedelta(days=30), today)
    assert figures["total"] == 3
    assert figures["warm_handovers"] == 1
    assert figures["from_signals"] == 0
    assert figures["outcomes"] == {
        "bereikt_geholpen": 1,
        "bereikt_niet_geholpen": 0,
        "niet_bereikt": 1,
        "onbekend": 0,
        "open": 1,
    }
    assert figures["outcome_labels"]["bereikt_geholpen"] == "Bereikt en geholpen"
    assert [(row["service"], row["total"]) for row in figures["by_service"]] == [
        ("Landelijke terugvorderingslijn", 2),
        ("DigiD-hulp Utrecht", 1),
    ]
    national = figures["by_service"][0]
    assert national["service_id"] == str(kaart["exact_national"].id)
    assert national["organization"] == "Organisatie van Landelijke terugvorderingslijn"
    assert national["outcomes"]["bereikt_geholpen"] == 1
    assert national["outcomes"]["niet_bereikt"] == 1
    themes = {row["theme"]: row for row in figures["by_theme"]}
    assert themes["Terugvordering › Hoge terugvordering"]["total"] == 2
    assert themes["Terugvordering › Hoge terugvordering"]["main_theme"] == "Terugvordering"
    assert themes["Digitalisering en DigiD"]["total"] == 2
    assert themes["Digitalisering en DigiD"]["outcomes"]["open"] == 1
    # Inclusive end date; nothing in an empty period.
    assert referral_figures.referral_figures(old.referred_on, old.referred_on)["total"] == 1
    empty = referral_figures.referral_figures(date(2001, 1, 1), date(2001, 12, 31))
    assert empty["total"] == 0 and empty["by_service"] == [] and empty["by_theme"] == []
    # A service removed from the kaart keeps its name in the figures.
    db.session.delete(kaart["other_theme"])
    db.session.commit()
    again = referral_figures.referral_figures(today - timedelta(days=30), today)
    assert ("DigiD-hulp Utrecht", 1) in [(r["service"], r["total"]) for r in again["by_service"]]


def test_seed_demo_referrals(app, make_user, make_signal, taxonomy):
    from signalen.demo.directory import seed_demo_directory

    assert demo_referrals.seed_demo_referrals() == 0  # nothing to refer to yet
    seed_demo_directory()
    coordinator = make_user(Role.COORDINATOR)
    volunteer = make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
    for theme in ("Terugvordering/Hoge terugvordering", "Schulden", "Informatievoorziening"):
        make_signal(user=volunteer, themes=(theme,), municipality="Utrecht")
    created = demo_referrals.seed_demo_referrals(count=8)
    assert 2 <= created <= 8
    assert count(Referral) == created
    referrals = db.session.scalars(select(Referral)).all()
    assert all(r.signal_id and r.organisation_id == volunteer.organisation_id for r in referrals)
    assert len({r.outcome for r in referrals}) >= 2
    assert demo_referrals.seed_demo_referrals() == 0  # only once


def test_the_demo_has_a_sociale_kaart_and_referrals(app, client):
    """`signalen demo` shows the feature: the kaart, overdue services and referrals."""
    from signalen.demo.services import demo_logins

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert count(Service) == 9
    assert count(Referral) > 0
    coordinator = next(d for d in demo_logins() if d.role is Role.COORDINATOR)
    login(client, coordinator.email, coordinator.password)
    review = client.get("/sociale-kaart/te-controleren").get_data(as_text=True)
    assert "Sociaal raadslieden Amersfoort" in review.split('id="soon-title"')[0]
    listing = client.get("/doorverwijzingen/").get_data(as_text=True)
    assert re.search(r'href="/doorverwijzingen/\d+"', listing)
