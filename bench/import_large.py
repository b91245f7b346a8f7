"""Benchmark the CLI import of a large spreadsheet: 500,000 rows, streamed in batches.

Builds a throw-away instance, writes a generated CSV as a helpdesk keeps it (own spellings
such as "Participatiewet" and "midden" that the import reconciles), then runs the real
``signalen import-signals`` command: first pass (distinct values), second pass (every row
through the checks and the privacy guard, inserted in batches inside one transaction,
committed at the end), and then the search indexing of the new rows. Prints rows/s per phase.

    .venv/bin/python bench/import_large.py --size 500000
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from signalen import create_app
from signalen.demo.corpus import generate
from signalen.organisations.services import create_organisation
from signalen.search import outbox
from signalen.search import services as search
from signalen.signals import importing
from signalen.taxonomy.services import seed_taxonomies

OWN_SPELLINGS = {"Participatiewet (bijstand)": "Participatiewet", "middel": "midden"}


def write_csv(path: Path, size: int) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(importing.COLUMNS)
        for item in generate(size):
            agency = item.agency if item.agency != "Gemeente" else f"Gemeente {item.municipality}"
            row = [
                item.title, item.description, item.occurred_on.isoformat(), item.channel,
                item.theme, item.scheme, agency, item.municipality, item.report_count,
                item.impact, "netwerk",
            ]  # fmt: skip
            writer.writerow([OWN_SPELLINGS.get(str(cell), cell) for cell in row])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500_000, help="number of rows")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="signalen-bench-import-")
    path = Path(instance) / "knelpunten.csv"
    write_csv(path, args.size)
    print(f"file: {args.size} rows, {path.stat().st_size / 1e6:.1f} MB")
    app = create_app({"INSTANCE_PATH": instance, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_taxonomies()
        search.wait_until_ready()
        create_organisation("Benchmark Helpdesk")
        drained: list[float] = []
        real_drain = outbox.drain

        def timed_drain(*a, **k):
            start = time.perf_counter()
            result = real_drain(*a, **k)
            drained.append(time.perf_counter() - start)
            return result

        importing.outbox.drain = timed_drain
        start = time.perf_counter()
        result = app.test_cli_runner().invoke(
            args=["import-signals", str(path), "--organisation", "Benchmark Helpdesk"]
        )
        total = time.perf_counter() - start
        print(result.output[-2000:])
        assert result.exit_code == 0, result.output[-2000:]
        index_seconds = sum(drained)
        store_seconds = total - index_seconds
        print(
            f"check + store: {args.size} rows in {store_seconds:.1f} s "
            f"({args.size / store_seconds:.0f} rows/s)"
        )
        index_rate = args.size / max(index_seconds, 1e-9)
        print(f"indexing: {index_seconds:.1f} s ({index_rate:.0f} rows/s)")
        print(f"total: {total:.1f} s ({args.size / total:.0f} rows/s)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
