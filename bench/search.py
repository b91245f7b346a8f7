"""Benchmark the information bank: bulk import, search with facets and highlights, intake.

Builds a throw-away instance with a generated corpus of realistic Dutch signals, imports it
through the real CSV import (privacy guard on every row, one transaction, bulk indexing),
then times a fixed set of searches through the real search service and the same queries
on an SQLite FTS5 table built from the same corpus, and finally times single intakes
(privacy guard + similar signals + store + index).

    .venv/bin/python bench/search.py --size 100000
    .venv/bin/python bench/search.py --engine postgresql --size 100000 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/test

With ``--engine postgresql`` the site runs on a throw-away schema of that database (dropped
at the end; ``--keep`` keeps it and ``--schema NAME`` measures a kept one again without
loading). ``--bulk`` loads the signals with bulk inserts and builds the index with
``signalen reindex`` instead of the CSV import (which checks every row, ~450 rows/s): the
way to reach 1,000,000 signals; ``import_per_s`` is then the rebuild's rate.

``first_search_ms`` is the first search of a second app started on the same data (a
restart), after its background warm-up (``warm_up_s``); ``max_rss_mb`` the peak memory of
this process.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import upgrade

from signalen import create_app
from signalen.auth.models import Role, User
from signalen.auth.services import create_user
from signalen.demo.corpus import generate
from signalen.demo.history import HistorySignal, insert_history
from signalen.extensions import db
from signalen.infobank.filters import SearchFilters
from signalen.infobank.services import run_search
from signalen.organisations.services import create_organisation
from signalen.search import services as search
from signalen.signals import importing, services
from signalen.signals.models import Channel
from signalen.taxonomy.services import seed_taxonomies

QUERIES = [
    "terugvordering",
    "zorgtoeslag terugvordering",
    "niet bereikbaar",
    "uitkering te laat",
    "DigiD",
    "beslag beslagvrije voet",
    "kostendelersnorm mantelzorg",
    "wmo huishoudelijke hulp",
    "brief niet begrijpen",
    "kinderbijslag gestopt",
]
REPEAT = 5


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def corpus_csv(size: int) -> str:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(importing.COLUMNS)
    for item in generate(size):
        writer.writerow(
            [
                item.title,
                item.description,
                item.occurred_on.isoformat(),
                item.channel,
                item.theme,
                item.scheme,
                item.agency if item.agency != "Gemeente" else f"Gemeente {item.municipality}",
                item.municipality,
                item.report_count,
                item.impact,
                "netwerk",
            ]
        )
    return output.getvalue()


def build_fts5(text: str) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(title, body, theme UNINDEXED, agency UNINDEXED, "
        "municipality UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
    )
    reader = csv.DictReader(io.StringIO(text))
    connection.executemany(
        "INSERT INTO doc VALUES (?, ?, ?, ?, ?)",
        (
            (r["titel"], r["omschrijving"], r["thema"], r["uitvoerder"], r["gemeente"])
            for r in reader
        ),
    )
    connection.commit()
    return connection


def fts5_query(connection: sqlite3.Connection, words: str) -> None:
    match = " ".join(f'"{w}"*' for w in words.split())
    connection.execute(
        "SELECT rowid, highlight(doc, 0, '<mark>', '</mark>'), "
        "snippet(doc, 1, '<mark>', '</mark>', '…', 24) FROM doc WHERE doc MATCH ? "
        "ORDER BY rank LIMIT 20",
        (match,),
    ).fetchall()
    connection.execute("SELECT count(*) FROM doc WHERE doc MATCH ?", (match,)).fetchone()
    for column in ("theme", "agency", "municipality"):
        connection.execute(
            f"SELECT {column}, count(*) FROM doc WHERE doc MATCH ? GROUP BY {column}",  # noqa: S608
            (match,),
        ).fetchall()


def csv_import(text: str, size: int, user) -> float:
    """The real import: every row checked (privacy guard), stored and indexed in bulk."""
    start = time.perf_counter()
    header, rows = importing.read_rows(text)
    report = importing.check_rows(header, rows, importing.guess_mapping(header))
    assert report.ok, report.problems[:5]
    checked = time.perf_counter()
    importing.commit_import(report, user, user.organisation_id)
    imported = time.perf_counter()
    print(
        f"import: {size} signals in {imported - start:.1f} s "
        f"(checks {checked - start:.1f} s, store + index {imported - checked:.1f} s)"
    )
    return imported - start


def bulk_load(text: str, size: int, user) -> float:
    """The same signals inserted without checks, then indexed by a rebuild (``reindex``)."""
    del text
    start = time.perf_counter()
    history = [
        HistorySignal(
            item=item,
            organisation=0,
            day=item.occurred_on,
            created=datetime.combine(item.occurred_on, datetime.min.time(), tzinfo=UTC),
            dated=True,
            template=0,
        )
        for item in generate(size)
    ]
    insert_history(history, [user.organisation_id])
    stored = time.perf_counter()
    search.rebuild()
    indexed = time.perf_counter()
    print(
        f"bulk load: {size} signals stored in {stored - start:.1f} s, "
        f"indexed (reindex) in {indexed - stored:.1f} s"
    )
    return indexed - stored


def timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="number of signals")
    parser.add_argument("--intakes", type=int, default=50)
    parser.add_argument(
        "--bulk", action="store_true", help="bulk inserts + reindex instead of the CSV import"
    )
    parser.add_argument("--engine", choices=("whoosh", "postgresql"), default="whoosh")
    parser.add_argument(
        "--database",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL database for --engine postgresql (a throw-away schema is used)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the PostgreSQL schema (its name is printed)"
    )
    parser.add_argument(
        "--schema", help="reuse this kept schema as it is (no loading; implies --keep)"
    )
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="signalen-bench-")
    # No healing thread: it would find the bulk-loaded rows (which bypass the outbox) and
    # index them itself during the reindex, and its comparison every minute would land in
    # a random search's time.
    config = {
        "INSTANCE_PATH": instance,
        "RATELIMIT_ENABLED": False,
        "SEARCH_ENGINE": args.engine,
        "SEARCH_HEAL_INTERVAL": 0,
    }
    schema = args.schema
    args.keep = args.keep or bool(schema)
    if args.engine == "postgresql":
        if not schema:
            schema = f"signalen_bench_{uuid.uuid4().hex[:10]}"
            with sa.create_engine(args.database).begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in args.database else "?"
        config["SQLALCHEMY_DATABASE_URI"] = (
            f"{args.database}{separator}options=-csearch_path%3D{schema}"
        )
    try:
        run(args, config)
    finally:
        if schema and args.keep:
            print(f"schema={schema}")
        elif schema:
            with sa.create_engine(args.database).begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def run(args: argparse.Namespace, config: dict) -> None:
    app = create_app(config)
    with app.app_context():
        upgrade()
        seed_taxonomies()
        search.wait_until_ready()
        user = db.session.scalar(sa.select(User).filter_by(email="bench@example.org"))
        if user is None:
            organisation = create_organisation("Benchmark Helpdesk")
            user = create_user(
                None,
                "bench@example.org",
                "Bench",
                Role.VOLUNTEER,
                organisation,
                password="bench-wachtwoord",
            )
            text = "" if args.bulk else corpus_csv(args.size)
            import_seconds = (bulk_load if args.bulk else csv_import)(text, args.size, user)
            assert search.document_count() == args.size
        else:
            organisation, text, import_seconds = user.organisation, "", float("nan")

        # A restart: a second app on the same data. Whoosh warms its arrays in the background
        # at start; the first search is timed once that is done (the goal), and how
        # long the warm-up took is printed too.
        restarted = create_app(config)
        restarted_engine = restarted.extensions[search.EXTENSION].engine
        warm_start = time.perf_counter()
        while getattr(restarted_engine, "warming", lambda: False)():
            time.sleep(0.01)
        warm_up_s = time.perf_counter() - warm_start
        with restarted.app_context():
            first_user = db.session.get(type(user), user.id)
            first_search_ms = timed(run_search, SearchFilters(q=QUERIES[0]), first_user)
            db.session.remove()

        search_times: list[float] = []
        for _ in range(REPEAT):
            for words in QUERIES:
                filters = SearchFilters(q=words)
                search_times.append(timed(run_search, filters, user))
        fts = build_fts5(text or corpus_csv(args.size))
        fts_times = [timed(fts5_query, fts, words) for _ in range(REPEAT) for words in QUERIES]

        intake_times = []
        for number, item in enumerate(generate(args.intakes, seed=99)):
            data = services.SignalInput(
                title=f"{item.title} {number}", description=item.description, channel=Channel.PHONE
            )

            def intake(data=data) -> None:
                cleaned = services.guard_privacy(services.clean_input(data), False)
                search.similar(f"{cleaned.title}\n{cleaned.description}", None, limit=5)
                services.create_signal(cleaned, user, organisation.id)

            intake_times.append(timed(intake))

    search_p50, search_p95 = statistics.median(search_times), percentile(search_times, 0.95)
    fts_p50, fts_p95 = statistics.median(fts_times), percentile(fts_times, 0.95)
    intake_p50, intake_p95 = statistics.median(intake_times), percentile(intake_times, 0.95)
    print(
        f"search ({args.engine}, facets + highlights, {len(search_times)} runs): "
        f"p50 {search_p50:.1f} ms, p95 {search_p95:.1f} ms"
    )
    print(
        f"SQLite FTS5 (same queries, snippets + 3 facet GROUP BYs): "
        f"p50 {fts_p50:.1f} ms, p95 {fts_p95:.1f} ms"
    )
    print(
        f"intake (guard + similar + store + index, {len(intake_times)} runs): "
        f"p50 {intake_p50:.1f} ms, p95 {intake_p95:.1f} ms"
    )
    print(f"search_p95_ms={search_p95:.1f}")
    print(f"fts5_p95_ms={fts_p95:.1f}")
    print(f"search_p95_ratio_vs_fts5={search_p95 / fts_p95:.2f}")
    print(f"import_per_s={args.size / import_seconds:.0f}")
    print(f"intake_p95_ms={intake_p95:.1f}")
    print(f"engine={args.engine}")
    print(f"warm_up_s={warm_up_s:.1f}")
    print(f"first_search_ms={first_search_ms:.1f}")
    print(f"max_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
