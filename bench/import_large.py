"""Benchmark the CLI import of a large spreadsheet: 500,000 rows, streamed in batches.

Builds a throw-away instance, writes a generated CSV as a helpdesk keeps it (own spellings
such as "Participatiewet" and "midden" that the import reconciles), then runs the real
steps of ``signalen import-signals``: first pass (distinct values, reconciled), second pass
(every row through the checks and the privacy guard, inserted in batches inside one
transaction, committed at the end), and then the search indexing of the new rows. Prints
rows/s per phase, and every 50,000 rows on the way.

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
from signalen.privacy.services import find_personal_data
from signalen.search import outbox
from signalen.search import services as search
from signalen.signals import importing, reconciling
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
        organisation_id = create_organisation("Benchmark Helpdesk").id
        raw = path.read_bytes()
        find_personal_data("Warm de privacycontrole op met Jan Jansen.")  # model load: once
        begin = time.perf_counter()
        table = importing.open_table(raw)
        mapping = importing.guess_mapping(table.header)
        values = reconciling.collect_values(
            table.header, (cells for _n, cells in table.rows), mapping
        )
        reconciliation = reconciling.reconcile(values, organisation_id)
        value_map = {
            **reconciliation.applied,
            **{u.key: u.preselected for u in reconciliation.unknown if u.preselected},
        }
        first_pass = time.perf_counter() - begin
        print(f"first pass (distinct values): {first_pass:.1f} s, mapped: {value_map}", flush=True)
        done = [0]
        started = time.perf_counter()

        def progress(count: int) -> None:
            done[0] += count
            if done[0] % 50_000 == 0:
                rate = done[0] / (time.perf_counter() - started)
                print(f"  {done[0]} rows checked and stored, {rate:.0f} rows/s", flush=True)

        real_drain = outbox.drain
        drained: list[float] = []

        def timed_drain(*a, **k):
            at = time.perf_counter()
            result = real_drain(*a, **k)
            drained.append(time.perf_counter() - at)
            return result

        importing.outbox.drain = timed_drain
        table = importing.open_table(raw)
        report = importing.import_streaming(
            table.rows, table.header, mapping, organisation_id, value_map=value_map,
            progress=progress,
        )  # fmt: skip
        assert report.ok, report.problems[:5]
        total = time.perf_counter() - begin
        index_seconds = sum(drained)
        store_seconds = total - first_pass - index_seconds
        print(
            f"check + store: {report.created} rows in {store_seconds:.1f} s "
            f"({report.created / store_seconds:.0f} rows/s)"
        )
        index_rate = args.size / max(index_seconds, 1e-9)
        print(f"indexing: {index_seconds:.1f} s ({index_rate:.0f} rows/s)")
        print(f"total: {total:.1f} s ({args.size / total:.0f} rows/s)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
