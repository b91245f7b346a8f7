"""One date format for people: "3 december 2026" and "3 december 2026, 07:41" (Dutch time);
ISO only in machine fields."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser

from flask_babel import force_locale

from signalen.auth.models import Role
from signalen.core.templating import human_date, local_datetime
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.extensions import db
from signalen.meetings import services as meetings
from signalen.signals import services as signal_services
from signalen.signals.models import Visibility
from tests.conftest import login
from tests.web import test_referrals

make_service = test_referrals.make_service  # a service on the sociale kaart (fixture)

ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:")
MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
HUMAN_DATE = rf"\d{{1,2}} ({MONTHS}) \d{{4}}"


class _VisibleText(HTMLParser):
    """The text a person sees: no scripts, styles or attribute values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_the_filter_pair_in_dutch_and_english(app):
    with app.test_request_context():
        # 07:41 in Amsterdam is 06:41 UTC in winter, 05:41 UTC in summer.
        assert local_datetime(datetime(2026, 12, 3, 6, 41)) == "3 december 2026, 07:41"
        assert local_datetime(datetime(2026, 7, 3, 5, 41, tzinfo=UTC)) == "3 juli 2026, 07:41"
        # Just before midnight UTC it is already the next day in the Netherlands.
        assert human_date(datetime(2026, 12, 3, 23, 30)) == "4 december 2026"
        assert human_date(date(2026, 12, 3)) == "3 december 2026"
        assert human_date(None) == local_datetime(None) == ""
        with force_locale("en"):
            assert human_date(date(2026, 12, 3)) == "December 3, 2026"
            assert local_datetime(datetime(2026, 12, 3, 6, 41)) == "December 3, 2026, 07:41"
        rendered = app.jinja_env.from_string(
            "{{ d|format_date }} | {{ m|local_datetime }} | {{ d|format_date('EEEE d MMMM') }}"
        ).render(d=date(2026, 12, 7), m=datetime(2026, 12, 3, 6, 41))
        assert rendered == "7 december 2026 | 3 december 2026, 07:41 | maandag 7 december"


def test_key_pages_show_human_dates_and_no_iso(app, client, make_signal, make_user, make_service):
    coordinator = make_user(Role.COORDINATOR)
    signal = make_signal(
        title="Lange wachttijd bij de telefoon",
        visibility=Visibility.PUBLIC,
        user=coordinator,
    )
    signal_services.approve_public(signal, coordinator)
    signal.occurred_on = date(2026, 10, 1)
    signal.created_at = datetime(2026, 10, 2, 6, 41, tzinfo=UTC)
    db.session.commit()
    digest = digests.create_digest(periods.parse_period("2026-Q3"), coordinator)
    digests.publish(digest, coordinator)
    meeting = meetings.create_meeting(
        meetings.MeetingInput(
            title="Signaleringsoverleg Werkplein",
            held_on=date(2026, 12, 17),
            starts_at=time(14, 0),
            participants="Cliëntenraad Zwolle",
        ),
        coordinator,
    )
    service = make_service("Juridisch Loket", hours=True)
    login(client, coordinator)
    pages = {
        f"/signalen/{signal.id}": ["1 oktober 2026", "2 oktober 2026, 08:41"],
        f"/rapportages/{digest.id}": ["1 juli 2026", "30 september 2026"],
        f"/overleg/{meeting.id}": ["17 december 2026"],
        f"/sociale-kaart/dienst/{service.id}": [],
    }
    for path, expected in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.get_data(as_text=True))
        assert re.search(HUMAN_DATE, text), path
        for human in expected:
            assert human in text, (path, human)
        assert not ISO_MOMENT.search(text), (path, ISO_MOMENT.search(text))
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), path
