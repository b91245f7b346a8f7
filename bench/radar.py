"""Benchmark the signaalradar: does it find injected rises, how often does it cry wolf, how fast.

Builds a throw-away SQLite instance with the history generator of the demo
(``signalen.demo.history``): ``--size`` knelpunten over ``--weeks`` weeks from
``--organisations`` organisations, with seasons and week-to-week noise. At ``--dates`` Sundays
(five weeks apart, so windows do not overlap) it injects rises of known size into sub-themes
and gemeenten (1.5× to 4×), then runs the real radar (``radar.services.detect``) at each of
those dates and compares:

- ``recall``: the share of injected rises of 2× or more with at least 8 meldingen in the
  window that the radar reports at their date (the goal is 0.9 or more);
- ``false_alarms_per_100_series``: rises reported in series that got no injected knelpunt,
  per 100 such series tested (the goal is at most 1);
- ``radar_s``: one full run (counts and new words over the texts of the whole network) at
  the last date, median of three (the goal is under 2 s at 100,000 signals).

The timed runs are the radar alone: the app's background threads (the privacy guard's name
model loading, the search index healing and rebuilding 100,000 documents) are off here, as
they compete for the same interpreter; ``radar_cpu_s`` is the process's CPU time of a run,
the figure that does not depend on what else the (shared) machine does.

    .venv/bin/python bench/radar.py                       # 100,000 signals, 20 organisations
    .venv/bin/python bench/radar.py --size 10000 --dates 4  # a quick check
    .venv/bin/python bench/radar.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import threading
import time
from datetime import date, timedelta

from flask_migrate import upgrade
from sqlalchemy import MetaData, text

from signalen import create_app
from signalen.demo.corpus import MUNICIPALITIES
from signalen.demo.history import (
    ALL_TEMPLATES,
    TEMPLATES,
    HistoryRise,
    generate_history,
    insert_history,
)
from signalen.extensions import db
from signalen.organisations.services import create_organisation
from signalen.radar import services
from signalen.taxonomy.services import NameIndex, seed_taxonomies

FACTORS = (1.5, 2.0, 2.0, 3.0, 4.0)


def plan_rises(rng: random.Random, dates: list[date], per_date: int) -> list[HistoryRise]:
    """Per date a few sub-themes and a gemeente, each its own size; the rare kind sometimes."""
    rises = []
    for number, end in enumerate(dates):
        templates = rng.sample(range(len(TEMPLATES)), per_date - 1)
        if number % 3 == 0:
            templates[0] = len(ALL_TEMPLATES) - 1  # the rare kind becomes common
        for template in templates:
            rises.append(HistoryRise("subthema", template, end, rng.choice(FACTORS)))
        rises.append(HistoryRise("gemeente", rng.choice(MUNICIPALITIES), end, rng.choice(FACTORS)))
    return rises


def series_key(rise: HistoryRise, names: NameIndex) -> str:
    if rise.kind == "subthema":
        main, sub = ALL_TEMPLATES[int(rise.target)][:2]
        return f"subthema:{names.themes[f'{main}/{sub}'.casefold()].id}"
    return f"gemeente:{names.municipalities[str(rise.target).casefold()].id}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=78)
    parser.add_argument("--dates", type=int, default=9)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument(
        "--rises-per-date", type=int, default=4, help="sub-themes + one gemeente per date"
    )
    parser.add_argument(
        "--database-url",
        help="an empty database to fill (its tables are dropped first); default a new SQLite file",
    )
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="signalen-bench-radar-")
    app = create_app(
        {
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_DATABASE_URI": args.database_url or f"sqlite:///{instance}/bench.db",
            "SECRET_KEY": "bench",
            "SERVER_NAME": "localhost",
            "SEARCH_HEAL_INTERVAL": 0,
            "PRIVACY_NAMES_PRELOAD": False,
        }
    )
    rng = random.Random(args.seed)
    today = date.today()
    until = today - timedelta(days=today.weekday() + 1)  # last Sunday
    dates = sorted(until - timedelta(weeks=5 * i) for i in range(args.dates))
    rises = plan_rises(rng, dates, args.rises_per_date)
    with app.app_context(), app.test_request_context():
        if args.database_url:
            _empty(db.engine)
        upgrade()
        seed_taxonomies()
        organisations = [
            create_organisation(f"Organisatie {i + 1}").id for i in range(args.organisations)
        ]
        started = time.perf_counter()
        history = generate_history(
            args.size,
            organisations=args.organisations,
            weeks=args.weeks,
            until=until,
            rises=rises,
            seed=args.seed,
        )
        insert_history(history, organisations)
        print(
            f"{len(history)} knelpunten ({sum(h.injected for h in history)} injected) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        names = NameIndex.load()
        found_goal = goal = found_all = 0
        false_alarms = stable_tested = 0
        for end in dates:
            result = services.detect(end, 4, viewer=None, words=False)
            flagged = {rise.key: rise for rise in result.all_rises}
            injected_here = [r for r in rises if r.end == end]
            touched = _touched_series(history, end, names)
            for rise in injected_here:
                key = series_key(rise, names)
                recent = _recent_meldingen(history, rise, end)
                hit = key in flagged
                found_all += hit
                if rise.factor >= 2 and recent >= 8:
                    goal += 1
                    found_goal += hit
                print(
                    f"  {end} {key:<16} ×{rise.factor:<3} window={recent:>5} "
                    f"{'found' if hit else 'MISSED'}"
                )
            stable = result.series_tested - len(touched)
            alarms = [k for k in flagged if k not in touched]
            false_alarms += len(alarms)
            stable_tested += stable
            print(f"  {end}: {len(flagged)} rises, false alarms {alarms}")
        # The generated history (115,000 Python objects) is not part of a run: without it the
        # garbage collector does not walk it during the timed runs, as in a served process.
        size = len(history)
        del history
        gc.collect()
        busy = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        print(f"other threads while timing: {busy or 'none'}")
        timings, cpu = [], []
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.process_time()
            services.detect(dates[-1], 4, viewer=services.ALL)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        counts_only = []
        for _ in range(3):
            started = time.perf_counter()
            services.detect(dates[-1], 4, viewer=None, words=False)
            counts_only.append(time.perf_counter() - started)
    print(f"size={size}")
    print(f"rises_goal={goal}")
    print(f"recall={found_goal / max(goal, 1):.3f}")
    print(f"recall_all_sizes={found_all / max(len(rises), 1):.3f}")
    print(f"stable_series_tested={stable_tested}")
    print(f"false_alarms_per_100_series={100 * false_alarms / max(stable_tested, 1):.2f}")
    print(f"radar_first_s={timings[0]:.3f}")
    print(f"radar_s={statistics.median(timings):.3f}")
    print(f"radar_cpu_first_s={cpu[0]:.3f}")
    print(f"radar_cpu_s={statistics.median(cpu):.3f}")
    print(f"radar_counts_only_s={statistics.median(counts_only):.3f}")


def _empty(engine) -> None:
    """Drop every table (and PostgreSQL type) of the bench database given."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            existing = MetaData()
            existing.reflect(bind=connection)
            existing.drop_all(bind=connection)


def _touched_series(history, end: date, names: NameIndex) -> set[str]:
    """Every series that holds an injected knelpunt in the window ending ``end``."""
    start = end - timedelta(weeks=4)
    touched: set[str] = set()
    for signal in history:
        if signal.injected and start < signal.day <= end:
            item = signal.item
            theme = names.themes[item.theme.casefold()]
            agency, agency_municipality = names.agency(item.agency)
            municipality = names.municipalities.get(item.municipality.casefold())
            if agency is not None and agency.is_municipal:
                agency_municipality = municipality
            agency_key = f"{agency.id}-{agency_municipality.id if agency_municipality else 0}"
            main = theme.parent_id or theme.id
            touched |= {
                f"thema:{main}",
                f"subthema:{theme.id}",
                f"uitvoerder:{agency_key}",
                f"thema_uitvoerder:{main}-{agency_key}",
                f"regeling:{names.schemes[item.scheme.casefold()].id}",
                f"gemeente:{municipality.id}",
            }
    return touched


def _recent_meldingen(history, rise: HistoryRise, end: date) -> int:
    """Meldingen of the rise's series in its window (usual plus injected)."""
    start = end - timedelta(weeks=rise.weeks)
    total = 0
    for signal in history:
        if not start < signal.day <= end:
            continue
        if (rise.kind == "subthema" and signal.template == rise.target) or (
            rise.kind == "gemeente" and signal.item.municipality == rise.target
        ):
            total += signal.item.report_count
    return total


if __name__ == "__main__":
    main()
