from datetime import UTC, date, datetime

from signalen.core.dates import local_moment, local_today


def test_the_dutch_date_runs_ahead_of_utc_around_midnight():
    assert local_today(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert local_today(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == date(2026, 7, 2)
    assert local_today(datetime(2026, 7, 1, 21, 30, tzinfo=UTC)) == date(2026, 7, 1)


def test_a_naive_moment_counts_as_utc():
    assert local_moment(datetime(2026, 1, 15, 12, 0)).hour == 13
    assert local_moment(datetime(2026, 7, 15, 12, 0)).hour == 14
