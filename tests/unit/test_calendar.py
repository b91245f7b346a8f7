"""Month and period arithmetic (``dateutil.relativedelta``) and the one time-zone setting."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask

from signalen.config import DEFAULTS
from signalen.core.dates import add_months, local_today, local_zone, months_between, zone_name
from signalen.digests.forms import period_choices
from signalen.digests.periods import Period, bounds, parse_period


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # the 31st: the last day of a short month
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 15), -3, date(2025, 12, 15)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 5, 31), -12, date(2025, 5, 31)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_months_between_counts_whole_months_and_agrees_with_add_months():
    assert months_between(date(2026, 3, 20), date(2026, 11, 25)) == 8
    assert months_between(date(2026, 3, 26), date(2026, 11, 25)) == 7
    assert months_between(date(2026, 11, 25), date(2026, 3, 1)) == 0
    assert months_between(date(2026, 1, 15), date(2026, 1, 15)) == 0
    for start in (date(2026, 1, 31), date(2026, 8, 31), date(2024, 2, 29), date(2026, 6, 1)):
        for months in (1, 6, 13, 25):
            assert months_between(start, add_months(start, months)) == months


@pytest.mark.parametrize(
    ("label", "previous"),
    [
        ("2026-Q1", (date(2025, 10, 1), date(2025, 12, 31))),
        ("2026-Q3", (date(2026, 4, 1), date(2026, 6, 30))),
        ("2026-H1", (date(2025, 7, 1), date(2025, 12, 31))),
        ("2026-01", (date(2025, 12, 1), date(2025, 12, 31))),
        ("2026-03", (date(2026, 2, 1), date(2026, 2, 28))),
        ("2025", (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_the_period_before(app, label, previous):
    with app.app_context():
        before = parse_period(label).previous()
    assert (before.start, before.end) == previous


def test_a_free_period_is_compared_with_as_many_days_before_it():
    period = Period(date(2026, 3, 10), date(2026, 3, 19), "2026-03-10/2026-03-19")
    before = period.previous()
    assert (before.start, before.end) == (date(2026, 2, 28), date(2026, 3, 9))


def test_the_periods_to_choose_from_step_back_over_the_new_year(app):
    with app.test_request_context():
        labels = [label for label, _title in period_choices(date(2026, 1, 15))]
    assert labels[:-1] == [
        *("2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2"),
        *("2026-H1", "2025-H2"),
        *("2026-01", "2025-12", "2025-11", "2025-10", "2025-09", "2025-08"),
    ]


def test_one_time_zone_setting_for_days_periods_and_search():
    """A site elsewhere sets BABEL_DEFAULT_TIMEZONE once: today's date, a digest's period
    and the search index's dates all follow it (Europe/Amsterdam by default)."""
    assert zone_name() == DEFAULTS["BABEL_DEFAULT_TIMEZONE"] == "Europe/Amsterdam"
    moment = datetime(2026, 7, 2, 2, 30, tzinfo=UTC)  # 04:30 in Amsterdam, 22:30 in Curaçao
    assert local_today(moment) == date(2026, 7, 2)

    site = Flask(__name__)
    site.config["BABEL_DEFAULT_TIMEZONE"] = "America/Curacao"
    with site.app_context():
        assert str(local_zone()) == "America/Curacao"
        assert local_today(moment) == date(2026, 7, 1)
        start, end = bounds(Period(date(2026, 7, 1), date(2026, 7, 1), "2026-07-01/2026-07-01"))
    assert (start, end) == (
        datetime(2026, 7, 1, 4, 0, tzinfo=UTC),
        datetime(2026, 7, 2, 4, 0, tzinfo=UTC),
    )


def test_the_search_index_uses_the_same_zone(app_factory):
    from signalen.search.services import _extension

    app = app_factory(BABEL_DEFAULT_TIMEZONE="America/Curacao")
    assert str(_extension(app).engine.zone) == "America/Curacao"
