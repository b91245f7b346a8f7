"""The search service: the only functions other packages call.

Packages register their document kinds with :func:`register_source` and hand over neutral
:class:`~signalen.search.documents.SearchDocument` objects; every read takes ``allowed``, the
access tokens of the caller (``None`` for a beheerder, who sees everything).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from signalen.config import DEFAULTS
from signalen.core.dates import zone_name
from signalen.search.documents import (
    INDEX_UNAVAILABLE,
    QUERY_TOO_LONG,
    SEARCH_FAILED,
    Allowed,
    IndexUnavailable,
    Progress,
    SearchDocument,
    SearchEngine,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from signalen.search.engine import WhooshEngine
from signalen.search.expansion import SynonymTable, shipped_groups

EXTENSION = "signalen_search"
DEFAULT_WRITER_TIMEOUT = DEFAULTS["SEARCH_WRITER_TIMEOUT"]
DEFAULT_MAX_QUERY_LENGTH = DEFAULTS["SEARCH_MAX_QUERY_LENGTH"]
# Drafts for similar() and suggest_categories() are cut here; the start says enough.
MAX_DRAFT_LENGTH = 20_000
# After a failed automatic rebuild, wait this long before trying again.
RETRY_AFTER_SECONDS = 300.0
# Synonym groups a beheerder added are read again after this long (other processes) or at
# once after a change in this process.
SYNONYMS_TTL_SECONDS = 30.0

SynonymLoader = Callable[[], Iterable[Sequence[str]]]


@dataclass
class Source:
    """How one document kind lists its documents and loads texts for highlighting.

    With ``load`` and ``model`` the kind takes part in the outbox and the healing: changes of
    ``model`` objects are recorded automatically (``key`` gives the record id of an object),
    ``load`` gives the documents of some record ids, and ``model`` rows matching ``live``
    (with their ``updated_at``) are compared with the index.
    """

    kind: str
    all_documents: Callable[[], Iterable[SearchDocument]]
    count: Callable[[], int]
    texts: Callable[[list[int]], dict[int, tuple[str, str]]]
    load: Callable[[list[int]], Iterable[SearchDocument]] | None = None
    model: Any = None
    live: Any = None
    key: Callable[[Any], int | None] | None = None


@dataclass
class SearchExtension:
    """Per-app state in ``app.extensions["signalen_search"]``: engine, sources, rebuild thread."""

    app: Flask
    engine: SearchEngine
    sources: dict[str, Source] = field(default_factory=dict)
    opened: bool = False
    failed_at: float | None = None
    synonym_loader: SynonymLoader | None = None
    _synonyms: tuple[float, SynonymTable] | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def load_texts(self, kind: str, ids: list[int]) -> dict[int, tuple[str, str]]:
        """(title, body) per id of ``kind`` from the source; nothing for an unknown kind."""
        source = self.sources.get(kind)
        return source.texts(ids) if source else {}

    def synonym_table(self) -> SynonymTable:
        """The shipped synonym groups and those a beheerder added (read at most every
        SYNONYMS_TTL_SECONDS)."""
        cached = self._synonyms
        if cached is not None and time.monotonic() - cached[0] < SYNONYMS_TTL_SECONDS:
            return cached[1]
        groups: list[Sequence[str]] = list(shipped_groups())
        if self.synonym_loader is not None:
            try:
                groups += list(self.synonym_loader())
            except Exception:  # the shipped list still helps when the database cannot
                self.app.logger.warning("Synonyms could not be read", exc_info=True)
        table = SynonymTable.build(groups)
        self._synonyms = (time.monotonic(), table)
        return table

    def rebuild(self, progress: Progress | None = None, only_if_missing: bool = False) -> int:
        """Rebuild from every registered source; see :func:`rebuild`."""
        sources = list(self.sources.values())
        total = sum(source.count() for source in sources)
        documents = chain.from_iterable(source.all_documents() for source in sources)
        count = self.engine.rebuild(documents, total, progress, only_if_missing=only_if_missing)
        self.failed_at = None
        return count

    def ensure_ready(self) -> None:
        """Make an unusable index usable: empty at once when there is nothing to index,
        otherwise rebuilt in a background thread (once; retried after a failure)."""
        if self.engine.available() or self.engine.rebuilding() or self.rebuild_running():
            return
        with self._lock, self.app.app_context():
            if self.rebuild_running() or self.engine.available() or self._failed_recently():
                return
            try:
                total = sum(source.count() for source in self.sources.values())
            except Exception as error:  # the database is not ready (yet): try at the next call
                self.app.logger.warning("Search index: cannot count documents yet: %s", error)
                return
            if total == 0:
                self.engine.create_empty()
                return
            self._thread = threading.Thread(
                target=self._rebuild_in_background, name="search-rebuild", daemon=True
            )
            self._thread.start()

    def _failed_recently(self) -> bool:
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER_SECONDS

    def rebuild_running(self) -> bool:
        """Whether this process's background rebuild is still running."""
        return self._thread is not None and self._thread.is_alive()

    def _rebuild_in_background(self) -> None:
        with self.app.app_context():
            try:
                count = self.rebuild(only_if_missing=True)
            except IndexUnavailable:
                self.app.logger.info("Search index: another process is rebuilding it")
            except Exception:
                self.failed_at = time.monotonic()
                self.app.logger.exception("Search index: rebuild failed")
            else:
                self.app.logger.info("Search index rebuilt with %d documents", count)

    def wait(self, timeout: float) -> bool:
        """Wait for this process's background rebuild; True when the index is usable."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.engine.available()


def init_app(app: Flask) -> None:
    """Open (or create) the index of ``app``; calling it again on the same app does nothing.

    The index lives in ``SEARCH_INDEX_PATH`` (default ``<instance>/search-index``). Register
    the sources first: when the index is missing or damaged it is then rebuilt from them in a
    background thread (one process rebuilds, the others report "degraded" until it is done),
    or created empty at once when they hold no documents.
    """
    extension = _extension(app)
    if extension.opened:
        return
    extension.opened = True
    from signalen.search.cli import search_migrate_command

    app.cli.add_command(search_migrate_command)
    state = extension.engine.open()
    if state != "ok":
        app.logger.warning("Search index is %s; it will be rebuilt", state)
        if extension.sources:
            extension.ensure_ready()
    elif app.config.get("SEARCH_WARM_AT_START", True):
        warm = getattr(extension.engine, "warm_in_background", None)
        if warm is not None:  # an engine with arrays of its own (Whoosh)
            warm()


def _extension(app: Flask | None = None) -> SearchExtension:
    """The search state of ``app`` (default: the current app), created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    extension = app.extensions.get(EXTENSION)
    if extension is None:
        path = app.config.get("SEARCH_INDEX_PATH") or Path(app.instance_path) / "search-index"
        engine = engine_class(app)(
            Path(path),
            writer_timeout=float(app.config.get("SEARCH_WRITER_TIMEOUT", DEFAULT_WRITER_TIMEOUT)),
            timezone=zone_name(app),
            synonyms=lambda: _extension(app).synonym_table(),
        )
        extension = app.extensions.setdefault(EXTENSION, SearchExtension(app=app, engine=engine))
    return extension


ENGINES = ("whoosh", "postgresql")


def engine_name(app: Flask) -> str:
    """``SEARCH_ENGINE`` ("whoosh", the default, or "postgresql"; env ``SIGNALEN_SEARCH_ENGINE``).

    Raises RuntimeError for an unknown name, or "postgresql" without a PostgreSQL database.
    Test apps on PostgreSQL without a ``SEARCH_ENGINE`` of their own take the one in
    ``SIGNALEN_TEST_SEARCH_ENGINE`` (config ``TEST_SEARCH_ENGINE``): the PostgreSQL run of the
    suite sets it to "postgresql", so one behaviour suite covers both engines.
    """
    database = str(app.config.get("SQLALCHEMY_DATABASE_URI") or "")
    name = app.config.get("SEARCH_ENGINE")
    if not name and app.testing and database.startswith("postgresql"):
        name = app.config.get("TEST_SEARCH_ENGINE")
    name = str(name or "whoosh").strip().lower()
    if name not in ENGINES:
        raise RuntimeError(f"SEARCH_ENGINE must be one of {', '.join(ENGINES)}, not {name!r}")
    if name == "postgresql" and not database.startswith("postgresql"):
        raise RuntimeError(
            'SEARCH_ENGINE = "postgresql" needs a PostgreSQL database; this site uses '
            f"{database.split(':', 1)[0] or 'none'}. Use the default Whoosh engine."
        )
    return name


def engine_class(app: Flask) -> type:
    """The engine class ``SEARCH_ENGINE`` names (see :func:`engine_name`)."""
    if engine_name(app) == "postgresql":
        from signalen.search.pg_engine import PostgresEngine

        return PostgresEngine
    return WhooshEngine


def register_synonyms(load: SynonymLoader) -> None:
    """Register where the synonym groups a beheerder added come from (lists of words or
    phrases); they are applied at query time together with the shipped list."""
    extension = _extension()
    extension.synonym_loader = load
    extension._synonyms = None


def synonyms_changed() -> None:
    """Read the synonym groups again at the next search (after a beheerder's change)."""
    _extension()._synonyms = None


def _ready_extension() -> SearchExtension:
    extension = _extension()
    extension.ensure_ready()
    return extension


def register_source(
    kind: str,
    all_documents: Callable[[], Iterable[SearchDocument]],
    count: Callable[[], int],
    texts: Callable[[list[int]], dict[int, tuple[str, str]]],
    *,
    load: Callable[[list[int]], Iterable[SearchDocument]] | None = None,
    model: Any = None,
    live: Any = None,
    key: Callable[[Any], int | None] | None = None,
) -> None:
    """Register document ``kind`` with the current app's search service (before init_app).

    ``all_documents`` lists every document (for rebuilds), ``count`` says how many there are,
    ``texts`` loads (title, body) per id for highlighting: the index does not store bodies.
    ``load``, ``model``, ``live`` and ``key`` (see :class:`Source`) make the kind durable:
    its changes go through the outbox and the healing compares it with the database.
    """
    extension = _extension()
    if model is not None and key is None:
        key = _default_key
    extension.sources[kind] = Source(kind, all_documents, count, texts, load, model, live, key)
    extension.failed_at = None  # new sources deserve a new attempt


def _default_key(obj: Any) -> int | None:
    return obj.id


def sources() -> dict[str, Source]:
    """The registered sources of the current app, by kind."""
    return _extension().sources


def tracked_models() -> dict[type, Source]:
    """Model class -> source, for the kinds whose changes the outbox records."""
    extension = current_app.extensions.get(EXTENSION)
    if extension is None:
        return {}
    return {s.model: s for s in extension.sources.values() if s.model is not None}


def engine() -> SearchEngine:
    """The engine of the current app (for the outbox and the healing)."""
    return _extension().engine


def transactional_engine() -> SearchEngine | None:
    """The current app's engine when it indexes inside the writing transaction (PostgreSQL),
    else None; never creates the search state of an app that has not used it."""
    extension = current_app.extensions.get(EXTENSION)
    if extension is None:
        if not getattr(engine_class(current_app), "indexes_in_transaction", False):
            return None
        extension = _extension()
    return extension.engine if extension.engine.indexes_in_transaction else None


def extension() -> SearchExtension:
    """The search state of the current app (for the healing)."""
    return _extension()


def apply_documents(docs: Iterable[SearchDocument], removed: Iterable[str]) -> None:
    """Add or replace ``docs`` and remove the ``removed`` doc_ids in one commit; raises
    :class:`IndexUnavailable` like :func:`index_documents`."""
    docs, removed = list(docs), list(removed)
    if not docs and not removed:
        return
    with _writing():
        _ready_extension().engine.apply(docs, removed)


def check_damage() -> bool:
    """After a failed read: when the index is damaged, stop using it and rebuild it in the
    background (searches say so meanwhile). True when it was damaged."""
    extension = _extension()
    try:
        damaged = extension.engine.damaged()
    except Exception:
        current_app.logger.exception("Search index could not be checked")
        return False
    if damaged:
        current_app.logger.error("Search index is damaged; it is rebuilt in the background")
        extension.engine.mark_damaged()
        extension.ensure_ready()
    return damaged


def index_documents(docs: Iterable[SearchDocument]) -> None:
    """Add or replace ``docs`` (by doc_id) in one commit.

    Raises :class:`IndexUnavailable` when the index stays locked longer than
    ``SEARCH_WRITER_TIMEOUT`` seconds (or is unusable); the caller then marks the documents for
    a later catch-up. Safe from several threads and worker processes at once.
    """
    docs = list(docs)
    with _writing():
        _ready_extension().engine.index(docs)


def remove_documents(doc_ids: Iterable[str]) -> None:
    """Remove the documents with these ids; raises :class:`IndexUnavailable` like indexing."""
    doc_ids = list(doc_ids)
    with _writing():
        _ready_extension().engine.remove(doc_ids)


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """Turn any failure to write into IndexUnavailable: the caller's catch-up handles it."""
    try:
        yield
    except IndexUnavailable:
        raise
    except Exception as error:
        current_app.logger.exception("Search index write failed")
        raise IndexUnavailable("search index write failed") from error


def search(query: SearchQuery, allowed: Allowed) -> SearchResult:
    """One page of the documents visible with ``allowed`` that match ``query``.

    Never raises for what the user typed: a too long query (``SEARCH_MAX_QUERY_LENGTH``,
    default 200 characters) is refused with a message rather than cut off, and syntax the
    engine cannot read is searched as plain words. Facet counts, totals and the "bedoelde u"
    suggestion only count visible documents.
    """
    page = max(1, query.page)
    maximum = max_query_length()
    if len(query.text) > maximum:
        return _failed(page, str(QUERY_TOO_LONG) % {"max": maximum})
    try:
        extension = _ready_extension()
        return extension.engine.search(query, allowed, extension.load_texts)
    except IndexUnavailable:
        return _failed(page, str(INDEX_UNAVAILABLE))
    except Exception:
        current_app.logger.exception("Search failed for %r", query)
        if check_damage():
            return _failed(page, str(INDEX_UNAVAILABLE))
        return _failed(page, str(SEARCH_FAILED))


def matching_ids(query: SearchQuery, allowed: Allowed, limit: int = 10_000) -> list[int]:
    """Record ids of every visible match of ``query`` (all pages) in the order search shows
    them, at most ``limit``: for exports that must equal the list on screen.

    Meant for a query over one kind (``query.kinds``); ids of different kinds can collide.
    Like :func:`search` it never raises: it returns no ids when search would show an error.
    """
    if len(query.text) > max_query_length():
        return []
    try:
        return _ready_extension().engine.matching_ids(query, allowed, limit)
    except Exception:
        current_app.logger.exception("Search for matching ids failed for %r", query)
        check_damage()
        return []


def max_query_length() -> int:
    """The longest query text searched (``SEARCH_MAX_QUERY_LENGTH``): Whoosh parses in O(n²)."""
    return int(current_app.config.get("SEARCH_MAX_QUERY_LENGTH", DEFAULT_MAX_QUERY_LENGTH))


def _failed(page: int, message: str) -> SearchResult:
    return SearchResult(hits=[], total=0, page=page, pages=0, error=message)


def similar(
    text: str,
    allowed: Allowed,
    kinds: Iterable[str] = ("signal",),
    limit: int = 5,
    exclude: Iterable[str] = (),
) -> list[SearchHit]:
    """Visible documents like the draft ``text`` (which is not in the index), best first.

    Uses the draft's most telling terms; documents that share too little with it are left
    out, so an unrelated text finds nothing. ``exclude`` holds doc_ids to leave out.
    """
    try:
        extension = _ready_extension()
        return extension.engine.similar(
            text[:MAX_DRAFT_LENGTH],
            allowed,
            list(kinds),
            limit,
            list(exclude),
            extension.load_texts,
        )
    except IndexUnavailable:
        return []
    except Exception:  # a hint while typing is never worth a failed form
        current_app.logger.exception("Search for similar documents failed")
        check_damage()
        return []


def suggest_categories(
    text: str,
    allowed: Allowed,
    facets: Iterable[str] = ("thema", "regeling", "uitvoerder"),
    k: int = 15,
) -> dict[str, list[tuple[str, float]]]:
    """Facet values the ``k`` most similar visible signals vote for, per facet.

    Each value gets its score-weighted share (0..1) of the neighbours that have a value for
    that facet; only shares of at least 0.25 are returned, best first.
    """
    facets = list(facets)
    try:
        return _ready_extension().engine.suggest_categories(
            text[:MAX_DRAFT_LENGTH], allowed, facets, k
        )
    except IndexUnavailable:
        return {facet: [] for facet in facets}
    except Exception:  # a hint while typing is never worth a failed form
        current_app.logger.exception("Category suggestion failed")
        check_damage()
        return {facet: [] for facet in facets}


def rebuild(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the index from every registered source and swap it in; return the count.

    Searches and writes keep working on the old index meanwhile; writes made during the
    rebuild are journaled and replayed into the new index before the swap. ``progress`` is
    called with (done, total) now and then. Raises :class:`IndexUnavailable` when another
    process is already rebuilding.
    """
    return _extension().rebuild(progress)


def status() -> str:
    """Return "ok", "degraded" (being rebuilt, missing or damaged) or "error" (unusable, and
    no rebuild is running or possible). A damaged index found here is rebuilt."""
    try:
        extension = _ready_extension()
        if extension.engine.rebuilding() or extension.rebuild_running():
            return "degraded"
        if extension.engine.available():
            return "degraded" if check_damage() else "ok"
    except Exception:
        current_app.logger.exception("Search index status unknown")
        return "error"
    if extension.failed_at is not None or not extension.sources:
        return "error"
    return "degraded"


def document_count() -> int:
    """The number of documents in the index (0 while there is none)."""
    try:
        return _extension().engine.document_count()
    except Exception:
        current_app.logger.exception("Search index cannot count its documents")
        return 0


def wait_until_ready(timeout: float = 60.0) -> bool:
    """Wait for a background rebuild of this process; True when the index is usable."""
    return _ready_extension().wait(timeout)
