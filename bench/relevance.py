"""Benchmark search relevance and what it costs: the judged set and the search p95.

First the judged relevance set (``tests/data/relevance/``: queries a coordinator or volunteer
would type, with the knelpunten that should be found) is loaded into a throw-away instance and
scored: recall@20, nDCG@10 and MRR. Then the generated corpus of ``bench/search.py`` is
imported through the real CSV import, and the same ten searches as there are timed (p50/p95),
so a relevance gain never hides a speed loss; the size of the index on disk is printed too.
On a shared machine wall-clock times swing with the load of others, so the p95 of the CPU time
the searching thread used is printed as well.

    .venv/bin/python bench/relevance.py --size 100000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from search import QUERIES, REPEAT, corpus_csv, percentile, timed

from signalen import create_app
from signalen.auth.models import Role
from signalen.auth.services import create_user
from signalen.demo.judged import JUDGED_SET, load_judged_corpus
from signalen.infobank.filters import SearchFilters
from signalen.infobank.services import run_search
from signalen.organisations.services import create_organisation
from signalen.search import services as search
from signalen.search.documents import SearchQuery
from signalen.search.evaluation import read_queries, score
from signalen.signals import importing
from signalen.taxonomy.services import seed_taxonomies


def _instance(name: str):
    """A fresh app with a migrated database, the taxonomy and one coordinator."""
    instance = tempfile.mkdtemp(prefix=f"signalen-bench-{name}-")
    app = create_app({"INSTANCE_PATH": instance, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        seed_taxonomies()
        search.wait_until_ready()
    return app, Path(instance)


def _user(name: str):
    organisation = create_organisation(f"Benchmark {name}")
    return create_user(
        None, f"{name}@example.org", name, Role.COORDINATOR, organisation, password="bench-ww-123"
    )


def judged_scores(show_misses: bool) -> None:
    app, _path = _instance("judged")
    with app.app_context():
        keys = load_judged_corpus(_user("judged"))

        def run(text: str) -> list[str]:
            query = SearchQuery(text=text, kinds=["signal"], per_page=20)
            return [keys[hit.id] for hit in search.search(query, None).hits]

        queries = read_queries(JUDGED_SET)
        scores = score(queries, run)
    print(f"judged set: {len(queries)} queries over {len(keys)} knelpunten")
    if show_misses:
        for text, missing in scores.misses:
            print(f"  not in the first 10 for {text!r}: {' '.join(missing)}")
    print(f"recall_at_20={scores.recall_at_20:.3f}")
    print(f"ndcg_at_10={scores.ndcg_at_10:.3f}")
    print(f"mrr={scores.mrr:.3f}")


def search_speed(size: int) -> None:
    app, path = _instance("speed")
    with app.app_context():
        user = _user("speed")
        text = corpus_csv(size)
        start = time.perf_counter()
        header, rows = importing.read_rows(text)
        report = importing.check_rows(header, rows, importing.guess_mapping(header))
        assert report.ok, report.problems[:5]
        importing.commit_import(report, user, user.organisation_id)
        seconds = time.perf_counter() - start
        assert search.document_count() == size
        times, cpu_times = [], []
        for _ in range(REPEAT):
            for words in QUERIES:
                cpu_start = time.thread_time()
                times.append(timed(run_search, SearchFilters(q=words), user))
                cpu_times.append((time.thread_time() - cpu_start) * 1000)
    index_bytes = sum(f.stat().st_size for f in (path / "search-index").rglob("*") if f.is_file())
    print(f"corpus: {size} signals imported in {seconds:.1f} s")
    print(
        f"search (facets + highlights, {len(times)} runs): "
        f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms"
    )
    print(f"import_per_s={size / seconds:.0f}")
    print(f"index_mb={index_bytes / 1e6:.1f}")
    print(f"search_p95_ms={percentile(times, 0.95):.1f}")
    print(f"search_cpu_p95_ms={percentile(cpu_times, 0.95):.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="signals for the p95")
    parser.add_argument("--misses", action="store_true", help="list what the judged set misses")
    parser.add_argument("--skip-speed", action="store_true", help="only the judged set")
    args = parser.parse_args()
    judged_scores(args.misses)
    if not args.skip_speed:
        search_speed(args.size)


if __name__ == "__main__":
    main()
