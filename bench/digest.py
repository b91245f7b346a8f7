"""Benchmark the signaleringsrapportage: digest generation and the digest feed.

Builds a throw-away SQLite instance with ``--size`` generated signals (bulk inserts through
SQLAlchemy Core; the search index is not filled, the digest does not use it), of which
``--in-quarter`` fall in the last complete quarter, plus meetings with outcomes and
agreements and referrals to the sociale kaart. Then it times the real service that creates
the quarter's digest (``digests.services.create_digest``: SQL aggregates over the period and
the period before, stored as a draft), publishes it with four earlier quarters, serves the app
with waitress on a loopback port and times ``/feeds/digests.atom`` over HTTP: the first
request (cold) and conditional GETs answered with 304 Not Modified. The feed of a theme
(public signals, read from the database) is timed the same way as extra lines.

    .venv/bin/python bench/digest.py                      # 100,000 signals, 10,000 in the quarter
    .venv/bin/python bench/digest.py --size 5000 --in-quarter 500   # a quick check
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from sqlalchemy import insert
from waitress.server import create_server

from signalen import create_app
from signalen.auth.models import Role
from signalen.auth.services import create_user
from signalen.demo.corpus import generate
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.extensions import db
from signalen.meetings.models import Agreement, Meeting, MeetingItem
from signalen.organisations.services import create_organisation
from signalen.referrals.models import Outcome, Referral, referral_theme
from signalen.search import services as search
from signalen.signals.models import Signal, signal_scheme, signal_theme
from signalen.taxonomy.services import NameIndex, seed_taxonomies

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CHUNK = 10_000
RUNS = 3
FEED_RUNS = 50
REFERRALS = 3_000


def random_moment(rng: random.Random, start: date, end: date) -> datetime:
    """A moment between ``start`` 00:00 and ``end`` 23:59 Dutch time (as UTC)."""
    span = ((end - start).days + 1) * 86_400 - 7_200  # stay clear of DST-shifted edges
    local = datetime.combine(start, datetime.min.time(), AMSTERDAM) + timedelta(
        seconds=rng.randrange(span)
    )
    return local.astimezone(UTC)


def fill(size: int, in_quarter: int, period: periods.Period, organisation_ids: list[int]) -> None:
    """Bulk-insert generated signals with their themes and schemes."""
    names = NameIndex.load()
    rng = random.Random(7)
    earliest = period.start - timedelta(days=730)
    before_end = period.start - timedelta(days=1)
    signal_rows: list[dict] = []
    theme_rows: list[dict] = []
    scheme_rows: list[dict] = []
    next_id = 1

    def flush() -> None:
        if signal_rows:
            db.session.execute(insert(Signal.__table__), signal_rows)
            db.session.execute(insert(signal_theme), theme_rows)
            db.session.execute(insert(signal_scheme), scheme_rows)
            signal_rows.clear()
            theme_rows.clear()
            scheme_rows.clear()

    for number, item in enumerate(generate(size, until=period.end)):
        if number < in_quarter:
            created = random_moment(rng, period.start, period.end)
        else:
            created = random_moment(rng, earliest, before_end)
        agency, agency_municipality = names.agency(item.agency)
        municipality = names.municipalities.get(item.municipality.casefold())
        visibility = ("netwerk", "netwerk", "openbaar", "intern")[number % 4]
        signal_rows.append(
            {
                "id": next_id,
                "title": item.title,
                "description": item.description,
                "occurred_on": min(item.occurred_on, created.date()),
                "channel": item.channel,
                "impact": item.impact,
                "status": ("nieuw", "in_behandeling", "besproken", "opgelost")[number % 4],
                "close_reason": None,
                "visibility": visibility,
                "public_approved_at": created if visibility == "openbaar" else None,
                "agency_id": agency.id if agency else None,
                "agency_municipality_id": agency_municipality.id if agency_municipality else None,
                "municipality_id": municipality.id if municipality else None,
                "report_count": item.report_count,
                "organisation_id": organisation_ids[number % len(organisation_ids)],
                "created_at": created,
                "updated_at": created,
            }
        )
        theme_rows.append(
            {"signal_id": next_id, "theme_id": names.themes[item.theme.casefold()].id}
        )
        scheme_rows.append(
            {"signal_id": next_id, "scheme_id": names.schemes[item.scheme.casefold()].id}
        )
        next_id += 1
        if len(signal_rows) >= CHUNK:
            flush()
    flush()
    db.session.commit()


def add_meetings(
    period: periods.Period, organisation_id: int, signals: int, count: int = 20
) -> None:
    """Meetings before and in the period, each with discussed signals and agreements."""
    rng = random.Random(11)
    for number in range(count):
        held_on = period.end - timedelta(days=30 * number)
        meeting = Meeting(
            title=f"Overleg {number + 1}", held_on=held_on, organisation_id=organisation_id
        )
        db.session.add(meeting)
        for position in range(25):
            item = MeetingItem(
                meeting=meeting,
                position=position,
                signal_id=rng.randrange(1, min(signals, 20_000) + 1),
                discussion="Besproken.",
                discussed_at=datetime.combine(held_on, datetime.min.time(), UTC),
            )
            db.session.add(item)
            db.session.add(
                Agreement(
                    item=item,
                    description="Uitvoerder zoekt het uit.",
                    owner="UWV",
                    due_on=held_on + timedelta(days=30),
                    done_at=datetime.now(UTC) if position % 2 else None,
                )
            )
    db.session.commit()


def add_referrals(
    period: periods.Period, organisation_id: int, signals: int, count: int = REFERRALS
) -> None:
    """Referrals over the year before the period end, a third of them in the period."""
    rng = random.Random(13)
    themes = sorted({theme.id for theme in NameIndex.load().themes.values()})
    outcomes = [None, *(outcome.value for outcome in Outcome)]
    rows, links = [], []
    for number in range(1, count + 1):
        if number % 3 == 0:
            day = period.start + timedelta(days=rng.randrange(period.days))
        else:
            day = period.start - timedelta(days=rng.randrange(1, 365))
        rows.append(
            {
                "id": number,
                "organisation_id": organisation_id,
                "signal_id": rng.randrange(1, min(signals, 20_000) + 1) if number % 2 else None,
                "service_name": f"Dienst {number % 40}",
                "organization_name": f"Organisatie {number % 15}",
                "referred_on": day,
                "reason": "Hulp nodig.",
                "warm_handover": number % 5 == 0,
                "outcome": rng.choice(outcomes),
            }
        )
        links += [{"referral_id": number, "theme_id": t} for t in rng.sample(themes, 2)]
    db.session.execute(insert(Referral.__table__), rows)
    db.session.execute(insert(referral_theme), links)
    db.session.commit()


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message]:
    """GET a URL of the local test server: (status, headers)."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http://127.0.0.1)
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            response.read()
            return response.status, response.headers
    except urllib.error.HTTPError as error:  # 304 comes as an "error" from urllib
        error.read()
        return error.code, error.headers


def feed_timings(url: str) -> tuple[float, float]:
    """(ms of the first GET, median ms of conditional GETs answered 304) over HTTP."""
    start = time.perf_counter()
    status, headers = http_get(url)
    cold = (time.perf_counter() - start) * 1000
    assert status == 200, (url, status)
    conditional = {"If-None-Match": headers["ETag"], "If-Modified-Since": headers["Last-Modified"]}
    times = []
    for _ in range(FEED_RUNS):
        start = time.perf_counter()
        status, _headers = http_get(url, conditional)
        times.append((time.perf_counter() - start) * 1000)
        assert status == 304, (url, status)
    return cold, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="signals in the database")
    parser.add_argument("--in-quarter", type=int, default=10_000, help="signals in the quarter")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="signalen-bench-digest-")
    # The signals bypass the index on purpose: no healing thread that would index them.
    app = create_app(
        {"INSTANCE_PATH": instance, "RATELIMIT_ENABLED": False, "SEARCH_HEAL_INTERVAL": 0}
    )
    with app.app_context():
        upgrade()
        seed_taxonomies()
        search.wait_until_ready()
        organisations = [create_organisation(f"Benchmark Helpdesk {n}") for n in range(1, 5)]
        coordinator = create_user(
            None,
            "bench-coordinator@example.org",
            "Bench",
            Role.COORDINATOR,
            organisations[0],
            password="bench-wachtwoord",
        )
        period = periods.last_complete_period("kwartaal", date.today())

        start = time.perf_counter()
        fill(args.size, args.in_quarter, period, [o.id for o in organisations])
        add_meetings(period, organisations[0].id, args.size)
        add_referrals(period, organisations[0].id, args.size)
        print(
            f"database: {args.size} signals ({args.in_quarter} in {period.label}), "
            f"{REFERRALS} referrals, in {time.perf_counter() - start:.1f} s"
        )

        times = []
        digest = None
        for _ in range(RUNS):
            start = time.perf_counter()
            digest = digests.create_digest(period, coordinator)
            times.append(time.perf_counter() - start)
        totals = digest.figures["totals"]
        assert totals["signals"] == args.in_quarter, totals
        print(
            f"digest {period.label}: {totals['signals']} signals, {totals['clients']} meldingen, "
            f"{digest.figures['referrals']['total']} referrals; "
            f"runs {', '.join(f'{t:.2f}' for t in times)} s "
            f"(median {statistics.median(times):.2f} s)"
        )
        digests.publish(digest, coordinator)
        # A feed with some history: the four quarters before it, published too.
        earlier = period
        for _ in range(4):
            start = earlier.previous().start
            earlier = periods.parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")
            digests.publish(digests.create_digest(earlier, coordinator), coordinator)
        theme_id = NameIndex.load().themes["betaling"].id

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    feed = feed_timings(f"{base}/feeds/digests.atom")
    theme = feed_timings(f"{base}/feeds/thema/{theme_id}.atom")
    server.close()

    print(f"theme feed /feeds/thema/{theme_id}.atom: cold {theme[0]:.1f} ms, 304 {theme[1]:.2f} ms")
    print(f"digest_s={statistics.median(times):.2f}")
    print(f"feed_cold_ms={feed[0]:.1f}")
    print(f"feed_304_ms={feed[1]:.2f}")


if __name__ == "__main__":
    main()
