"""The Whoosh implementation of the search engine (one class behind the ``SearchEngine``
protocol, with its files, locks, journal and rebuilds: kept whole, as the PostgreSQL engine is).

Layout on disk (``path`` is ``SEARCH_INDEX_PATH``, by default ``<instance>/search-index``)::

    CURRENT               name of the generation in use (replaced atomically with a rename)
    gen-<time>-<random>/  one complete Whoosh index per generation
    REBUILDING            while a rebuild runs: the name of the generation being built
    journal-<gen>.jsonl   writes made while that rebuild runs, replayed into it before the swap
    rebuild.lock          held by the one process that rebuilds
    journal.lock          serialises journal appends, the replay and the swap
    outbox.lock           held by the one thread (of any process) applying the index outbox
    DAMAGED               name of a generation found damaged: unusable, rebuilt in the background
    gen-…/SIZES.json      the size of every file of every segment, written after each commit

Segment files never change once committed, so a file whose size differs from the one in
``SIZES.json`` (truncated, overwritten, gone) means the index is damaged.

A rebuild fills a new generation next to the current one while searches and writes go on
against the current one. Every write made meanwhile is also appended to the journal (under the
current index's write lock). When the bulk load is committed the journal is replayed into the
new generation, once without blocking anybody and once more while holding the current index's
write lock and the journal lock; then ``CURRENT`` is renamed over and the marker removed.
Writers that waited for the old index's lock see that ``CURRENT`` changed and write to the new
generation instead, so no write is lost whatever the order of events.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.index import FileIndex, LockError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock, try_for

from signalen.search.analysis import (
    dutch_analyzer,
    plain_text,
    spelling_analyzer,
    spelling_words,
)
from signalen.search.arrays import PRIVATE_READ_ERRORS, ArrayCache
from signalen.search.documents import (
    Allowed,
    IndexUnavailable,
    Progress,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    TextLoader,
)
from signalen.search.expansion import SynonymTable
from signalen.search.querying import FACET_NAME, FACET_PREFIX, View, date_value

logger = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Bump when the schema or analysis changes: an index under another name counts as missing and
# is rebuilt from the sources.
INDEX_NAME = "signalen_v4"
CURRENT = "CURRENT"
MARKER = "REBUILDING"
DAMAGED = "DAMAGED"
SIZES = "SIZES.json"
SIZES_LOCK = "sizes.lock"
REBUILD_LOCK = "rebuild.lock"
JOURNAL_LOCK = "journal.lock"
OUTBOX_LOCK = "outbox.lock"
GENERATION = re.compile(r"gen-\d{14}-[0-9a-f]{6}")
REBUILD_BATCH_REPORT = 1000
# Writes of this many documents or more are split over worker processes.
PARALLEL_WRITE_MIN = 2000
MAX_WRITER_PROCESSES = 2
PARALLEL_BATCH = 250
WRITER_MEMORY_MB = 256
# The swap waits at most this long for writers on the old index to finish.
SWAP_LOCK_TIMEOUT = 60.0
OPEN_ATTEMPTS = 5
# A read that fails (a concurrent commit removed the files of a merged segment under the
# searcher) is tried again this often with a fresh searcher.
READ_ATTEMPTS = 3


def build_schema() -> Schema:
    """The index schema: text for ranking and highlighting, keywords for filters and facets.

    Dates and report counts are columns only: filtering and sorting on them happens on
    arrays (:mod:`signalen.search.arrays`), so they need no terms in the index.
    """
    text = dutch_analyzer()
    schema = Schema(
        doc_id=ID(unique=True, stored=True),
        kind=ID,
        title=TEXT(analyzer=text),
        body=TEXT(analyzer=text),
        categories=TEXT(analyzer=text),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        access=KEYWORD(commas=True, scorable=False),
        date=COLUMN(NumericColumn("q")),
        report_count=COLUMN(NumericColumn("i")),
        published=COLUMN(NumericColumn("q")),
        version=COLUMN(NumericColumn("q")),
    )
    schema.add(f"{FACET_PREFIX}*", KEYWORD(commas=True, scorable=False), glob=True)
    return schema


def document_fields(doc: SearchDocument, known_words: set[str] | None = None) -> dict[str, Any]:
    """The Whoosh fields for ``doc``; the body is indexed, never stored.

    Title and body are indexed as plain text (Markdown removed), as they are highlighted.
    The ``spell`` field only feeds the vocabulary of spelling suggestions and compounds
    (whether a word is visible is checked in title and body). A bulk load passes
    ``known_words`` so that each word is added once instead of once per document, which halves
    the postings to write.
    """
    title, body = plain_text(doc.title), plain_text(doc.body)
    vocabulary = spelling_words(f"{title} {body} {doc.categories}")
    if known_words is not None:
        vocabulary -= known_words
        known_words |= vocabulary
    fields: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "title": title,
        "body": body,
        "categories": doc.categories,
        "spell": " ".join(sorted(vocabulary)),
        "access": _keywords(doc.access),
        "date": date_value(doc.date),
        "report_count": doc.report_count,
        "published": date_value(doc.published) if doc.published else 0,
        "version": version_value(doc.version),
    }
    for name, values in doc.facets.items():
        if FACET_NAME.fullmatch(name) and values:
            fields[FACET_PREFIX + name] = _keywords(values)
    return fields


def version_value(moment: datetime | None) -> int:
    """A record's version (its ``updated_at``) as whole microseconds since 1970 (0: none)."""
    if moment is None:
        return 0
    return (moment - EPOCH) // timedelta(microseconds=1)


def _keywords(values: Iterable[str]) -> str:
    return ",".join(str(value).replace(",", " ").strip() for value in values)


def _document_to_json(doc: SearchDocument) -> dict[str, Any]:
    data = asdict(doc)
    data["date"] = doc.date.isoformat()
    data["published"] = doc.published.isoformat() if doc.published else None
    data["version"] = doc.version.isoformat() if doc.version else None
    return data


def _document_from_json(data: dict[str, Any]) -> SearchDocument:
    published, version = data.get("published"), data.get("version")
    return SearchDocument(
        **{
            **data,
            "date": datetime.fromisoformat(data["date"]),
            "published": datetime.fromisoformat(published) if published else None,
            "version": datetime.fromisoformat(version) if version else None,
        }
    )


# A write operation: ("upsert", document) or ("delete", doc_id).
Operation = tuple[str, SearchDocument | str]


def _open_index(directory: Path) -> FileIndex:
    """Open the Whoosh index in ``directory`` and read it once to prove it is whole.

    A commit in another process deletes the previous table of contents and merged segments,
    possibly between Whoosh listing the files and opening them; that is retried, only a file
    that stays missing counts as damage.
    """
    for attempt in range(1, OPEN_ATTEMPTS):
        with contextlib.suppress(FileNotFoundError):
            return _open_and_read(directory)
        time.sleep(0.01 * attempt)
    return _open_and_read(directory)


def _open_and_read(directory: Path) -> FileIndex:
    ix = index.open_dir(str(directory), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        searcher.doc_count()
    return ix


def _latest_per_document(operations: Iterable[Operation]) -> list[Operation]:
    """Keep only the last operation per doc_id (one writer cannot replace its own additions)."""
    latest: dict[str, Operation] = {}
    for kind, item in operations:
        doc_id = item.doc_id if isinstance(item, SearchDocument) else item
        latest.pop(doc_id, None)
        latest[doc_id] = (kind, item)
    return list(latest.values())


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (between processes and threads) or raise."""
    lock = FileLock(str(path))
    if not try_for(lock.acquire, timeout=timeout, delay=0.02):
        raise IndexUnavailable(f"lock {path.name} is held")
    try:
        yield
    finally:
        lock.release()


class WhooshEngine:
    """Search, similarity, category votes and rebuilds on a Whoosh index in one directory.

    Safe for several threads and several processes on the same directory.
    """

    indexes_in_transaction = False

    def __init__(
        self,
        path: Path,
        writer_timeout: float = 5.0,
        timezone: str = "UTC",
        synonyms: Callable[[], SynonymTable] | None = None,
    ) -> None:
        self.path = Path(path)
        self.synonyms = synonyms or SynonymTable
        self.writer_timeout = writer_timeout
        self.zone = ZoneInfo(timezone)
        self._lock = threading.RLock()
        self._index: FileIndex | None = None
        self._generation: str | None = None
        self._pointer_key: tuple[int, int, int] | None = None
        self._arrays = ArrayCache()
        self._local = threading.local()
        self._warmed: frozenset[str] = frozenset()

    # Opening

    def open(self) -> str:
        """Open the current index; return "ok", "missing" or "corrupt"."""
        self.path.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._pointer_key = None
            self._index = None
        if self._current() is not None:
            return "ok"
        generation = self._read_pointer()
        if generation and (self.path / generation).is_dir():
            return "corrupt"
        return "missing"

    def available(self) -> bool:
        """Whether an index can be searched now."""
        return self._current() is not None

    def create_empty(self) -> None:
        """Put an empty index in place unless there is one (or another process makes one)."""
        with contextlib.suppress(IndexUnavailable):
            self.rebuild((), 0, None, only_if_missing=True)

    def _pointer_stat(self) -> tuple[tuple[int, int, int] | None, ...] | None:
        """Identifies ``CURRENT`` and ``DAMAGED`` as they are now: a change means look again."""
        stats = []
        for name in (CURRENT, DAMAGED):
            try:
                stat = os.stat(self.path / name)
            except OSError:
                stats.append(None)
            else:
                stats.append((stat.st_ino, stat.st_mtime_ns, stat.st_size))
        return None if stats[0] is None else tuple(stats)

    def _damaged_generation(self) -> str | None:
        try:
            return (self.path / DAMAGED).read_text(encoding="ascii").strip() or None
        except (OSError, UnicodeError):
            return None

    def _read_pointer(self) -> str | None:
        try:
            name = (self.path / CURRENT).read_text(encoding="ascii").strip()
        except (OSError, UnicodeError):
            return None
        return name if GENERATION.fullmatch(name) else None

    def _current(self) -> FileIndex | None:
        """The index ``CURRENT`` names, reopened after a swap; None when missing or unreadable."""
        current = self._current_generation()
        return current[0] if current else None

    def _current_generation(self) -> tuple[FileIndex, str] | None:
        """The current index with its generation name (read together); None when there is
        none, or it is unreadable or marked damaged."""
        key = self._pointer_stat()
        with self._lock:
            if key == self._pointer_key:
                if self._index is not None and self._generation:
                    return self._index, self._generation
                if key is not None:
                    return None  # this pointer failed to open before; a rebuild replaces it
            self._index, self._generation, self._pointer_key = None, None, key
            generation = self._read_pointer()
            if generation is None or generation == self._damaged_generation():
                return None
            try:
                ix = _open_index(self.path / generation)
            except Exception:  # any damage means: rebuild
                logger.warning("Search index %s cannot be opened", generation, exc_info=True)
                return None
            self._index, self._generation = ix, generation
            return ix, generation

    def damaged(self) -> bool:
        """Whether the current index is damaged: unreadable, or a segment file whose size is
        not the one written at its commit (truncated, overwritten or gone).

        Cheap (a stat per file); a segment that a concurrent commit merged away is no damage.
        """
        generation = self._read_pointer()
        if generation is None or not (self.path / generation).is_dir():
            return False  # missing, not damaged: a rebuild at start makes it
        if generation == self._damaged_generation():
            return True
        directory = self.path / generation
        problem = ""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                wrong = _wrong_files(_open_index(directory))
                # The files may belong to a segment merged away since the table was read.
                if not wrong or not wrong & set(_expected_sizes(_open_index(directory))):
                    return False
                problem = ", ".join(sorted(wrong))
            except Exception as error:  # commits elsewhere remove files: look again first
                problem = repr(error)
            time.sleep(0.02 * attempt)
        logger.warning("Search index %s is damaged: %s", generation, problem)
        return True

    def mark_damaged(self) -> None:
        """Stop using the current generation in every process; a rebuild replaces it."""
        generation = self._read_pointer()
        if generation is not None:
            _write_atomically(self.path / DAMAGED, generation)
        self._forget()

    def _forget(self) -> None:
        with self._lock:
            self._index, self._generation, self._pointer_key = None, None, None

    @contextlib.contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """This thread's searcher on the current index, refreshed to the latest commit.

        Opening a searcher reads the table of contents and schema (several ms), so each thread
        keeps one until the index gets a new commit.
        Raises IndexUnavailable when there is no usable index.
        """
        for _attempt in range(3):
            current = self._current_generation()
            if current is None:
                break
            try:
                searcher = self._thread_searcher(*current)
            except Exception:  # files swapped or removed under us: look again
                logger.warning("Search index could not be read", exc_info=True)
                self._local.searcher = None
                self._forget()
                continue
            yield searcher
            return
        raise IndexUnavailable("no search index")

    def _thread_searcher(self, ix: FileIndex, generation: str) -> Searcher:
        cached = getattr(self._local, "searcher", None)
        if (
            cached is not None
            and cached[0] == generation
            and cached[1] is ix
            and cached[2].reader().generation() == ix.latest_generation()
        ):
            return cached[2]
        if cached is not None:
            with contextlib.suppress(Exception):
                cached[2].close()
        # Not Searcher.refresh(): its reader reuse keeps stale segments and deletions.
        searcher = ix.searcher()
        self._local.searcher = (generation, ix, searcher)
        self._start_warming(searcher)
        return searcher

    def _start_warming(self, searcher: Searcher) -> None:
        """Warm the arrays of segments not warmed yet, in a background thread.

        The first search on a new segment would otherwise read its facet tables, lengths and
        the postings of frequent words itself; after a start or a commit a thread does that
        while nobody waits for it.
        """
        segments = frozenset(
            reader.segment().segment_id()
            for reader, _offset in searcher.reader().leaf_readers()
            if reader.segment() is not None
        )
        with self._lock:
            new = segments - self._warmed
            if not new:
                return
            # Only what a commit added: warming every segment again after each write held
            # the interpreter long enough to make the write's own request wait (an intake
            # took 200 ms instead of 30 ms at 5,000 signals).
            self._warmed = segments
        threading.Thread(target=self._warm, args=(new,), name="search-warm", daemon=True).start()

    def warm_in_background(self) -> None:
        """Warm the index at start, before the first search: a thread opens a searcher, which
        starts the warming of its segments (:meth:`_start_warming`)."""
        threading.Thread(target=self._open_searcher, name="search-open", daemon=True).start()

    def _open_searcher(self) -> None:
        try:
            with self._searcher():
                pass
        except Exception:  # no usable index yet: the first search opens one itself
            logger.info("Search index not opened at start", exc_info=True)
        finally:
            cached = getattr(self._local, "searcher", None)
            if cached is not None:
                with contextlib.suppress(Exception):
                    cached[2].close()
            self._local.searcher = None

    def warming(self) -> bool:
        """Whether a thread is still opening or warming the index."""
        return any(
            thread.name in ("search-open", "search-warm") and thread.is_alive()
            for thread in threading.enumerate()
        )

    def _warm(self, segments: frozenset[str]) -> None:
        try:
            with self._searcher() as searcher:  # no synonyms: they need the app context
                View(searcher, self._arrays, self.zone).warm(only=segments)
        except Exception:  # warming only saves time; a search reads whatever is missing
            logger.info("Warming the search arrays failed", exc_info=True)
        finally:
            with contextlib.suppress(Exception):
                self._local.searcher[2].close()
            self._local.searcher = None

    def document_count(self) -> int:
        """The number of documents in the index (0 when there is none)."""
        try:
            with self._searcher() as searcher:
                return searcher.doc_count()
        except IndexUnavailable:
            return 0

    # Writing

    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace ``docs`` (by doc_id) in one commit."""
        self._write([("upsert", doc) for doc in docs])

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Remove the documents with these ids in one commit."""
        self._write([("delete", doc_id) for doc_id in doc_ids])

    def apply(self, docs: Iterable[SearchDocument], removed: Iterable[str]) -> None:
        """Add or replace ``docs`` and remove the ``removed`` doc_ids, in one commit."""
        self._write([("upsert", doc) for doc in docs] + [("delete", d) for d in removed])

    def outbox_lock(self, timeout: float) -> contextlib.AbstractContextManager[None]:
        """Hold the lock of the one thread (of any process) that applies the outbox."""
        return self.named_lock(OUTBOX_LOCK, timeout)

    @contextlib.contextmanager
    def named_lock(self, name: str, timeout: float) -> Iterator[None]:
        """Hold the lock file ``name`` in the index folder (between processes and threads);
        raises IndexUnavailable when it stays held longer than ``timeout`` seconds."""
        self.path.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.path / name, timeout):
            yield

    def _write(self, operations: list[Operation]) -> None:
        operations = _latest_per_document(operations)
        if not operations:
            return
        for _attempt in range(3):
            current = self._current_generation()
            if current is None:
                if self._journal(operations):
                    return  # a rebuild from scratch runs and will include these
                if self._current() is None:
                    raise IndexUnavailable("no search index")
                continue
            ix, generation = current
            try:
                writer = _open_writer(ix, len(operations), timeout=self.writer_timeout, delay=0.05)
            except LockError as error:
                raise IndexUnavailable("search index is locked by another writer") from error
            try:
                if self._read_pointer() != generation:
                    writer.cancel()  # a rebuild swapped the index while we waited
                    continue
                _apply(writer, operations)
                self._journal(operations)
                writer.commit()
            except BaseException:
                if not writer.is_closed:
                    writer.cancel()
                raise
            _record_sizes(ix)
            return
        raise IndexUnavailable("search index changed during the write")

    def _rebuild_target(self) -> str | None:
        try:
            name = (self.path / MARKER).read_text(encoding="ascii").strip()
        except (OSError, UnicodeError):
            return None
        return name if GENERATION.fullmatch(name) else None

    def _journal(self, operations: list[Operation]) -> bool:
        """Append ``operations`` to the running rebuild's journal; False when none runs."""
        if not (self.path / MARKER).exists():
            return False
        lines = []
        for kind, item in operations:
            value = _document_to_json(item) if isinstance(item, SearchDocument) else item
            lines.append(json.dumps({kind: value}, ensure_ascii=False) + "\n")
        with _file_lock(self.path / JOURNAL_LOCK, self.writer_timeout):
            target = self._rebuild_target()
            if target is None:
                return False
            with (self.path / f"journal-{target}.jsonl").open("a", encoding="utf-8") as journal:
                journal.write("".join(lines))
                journal.flush()
                os.fsync(journal.fileno())
        return True

    # Rebuilding

    def rebuilding(self) -> bool:
        """Whether a rebuild runs now in any process (a marker left by a crash is cleared)."""
        if not (self.path / MARKER).exists():
            return False
        lock = FileLock(str(self.path / REBUILD_LOCK))
        if not lock.acquire():
            return True
        try:
            self._clear_abandoned_rebuild()
        finally:
            lock.release()
        return False

    def _clear_abandoned_rebuild(self) -> None:
        """Remove the marker, journal and half-built generation of a rebuild that died."""
        target = self._rebuild_target()
        (self.path / MARKER).unlink(missing_ok=True)
        if target and target != self._read_pointer():
            (self.path / f"journal-{target}.jsonl").unlink(missing_ok=True)
            shutil.rmtree(self.path / target, ignore_errors=True)

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        total: int,
        progress: Progress | None,
        only_if_missing: bool = False,
    ) -> int:
        """Index ``docs`` into a new generation and swap it in; return the number indexed.

        Raises :class:`IndexUnavailable` when another process is rebuilding. With
        ``only_if_missing`` nothing happens (0) when a usable index exists by the time the
        rebuild lock is taken, e.g. because another worker just rebuilt it.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.path / REBUILD_LOCK, timeout=0):
            if only_if_missing and self._current() is not None:
                return 0
            self._clear_abandoned_rebuild()
            generation = f"gen-{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
            directory = self.path / generation
            directory.mkdir()
            journal = self.path / f"journal-{generation}.jsonl"
            journal.touch()
            _write_atomically(self.path / MARKER, generation)
            try:
                new = index.create_in(str(directory), build_schema(), indexname=INDEX_NAME)
                count = _bulk_load(new, docs, total, progress)
                offset = self._replay(new, journal, 0)
                self._swap_in(new, generation, journal, offset)
            except BaseException:
                self._clear_abandoned_rebuild()
                raise
            if progress:
                progress(count, max(total, count))
            return count

    def _replay(self, ix: FileIndex, journal: Path, offset: int) -> int:
        """Apply the journal's complete lines from ``offset`` to ``ix``; return the new offset."""
        with journal.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
        end = data.rfind(b"\n") + 1
        operations: list[Operation] = []
        for line in data[:end].splitlines():
            ((kind, value),) = json.loads(line).items()
            operations.append((kind, _document_from_json(value) if kind == "upsert" else value))
        if operations:
            writer = _open_writer(ix, len(operations), timeout=self.writer_timeout)
            try:
                _apply(writer, _latest_per_document(operations))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            _record_sizes(ix)
        return offset + end

    def _swap_in(self, new: FileIndex, generation: str, journal: Path, offset: int) -> None:
        """Replay the journal's rest and point ``CURRENT`` at ``generation``, with writers held."""
        old, old_generation = self._current_generation() or (None, None)
        writers_held = (
            _hold_lock(old.lock("WRITELOCK"), SWAP_LOCK_TIMEOUT)
            if old is not None
            else contextlib.nullcontext()
        )
        with writers_held, _file_lock(self.path / JOURNAL_LOCK, SWAP_LOCK_TIMEOUT):
            self._replay(new, journal, offset)
            _write_atomically(self.path / CURRENT, generation)
            (self.path / MARKER).unlink(missing_ok=True)
            (self.path / DAMAGED).unlink(missing_ok=True)
            journal.unlink(missing_ok=True)
        self._forget()
        self._remove_old_generations(keep={generation, old_generation})

    def _remove_old_generations(self, keep: set[str | None]) -> None:
        """Delete generations older than the previous one (readers may still use that one)."""
        for entry in self.path.iterdir():
            if entry.is_dir() and GENERATION.fullmatch(entry.name) and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    # Reading

    @contextlib.contextmanager
    def _view(self) -> Iterator[View]:
        """A View on this thread's searcher, without the retry of :meth:`_read` (for tests)."""
        with self._searcher() as searcher:
            yield View(searcher, self._arrays, self.zone, self.synonyms())

    def _read(self, read: Callable[[View], Any]) -> Any:
        """``read(view)`` on this thread's searcher; on a failure once more on a fresh one.

        Whoosh opens some segment files only when first needed: when another thread or
        process commits meanwhile and merges that segment away, its files are gone and the
        read fails (or finds nothing) although the index is fine. A fresh searcher sees the
        new segments. The last failure is raised: the caller decides (and checks for damage).
        """
        for attempt in range(1, READ_ATTEMPTS + 1):
            with self._searcher() as searcher:
                try:
                    return read(View(searcher, self._arrays, self.zone, self.synonyms()))
                except IndexUnavailable:
                    raise
                except Exception:
                    self._local.searcher = None
                    with contextlib.suppress(Exception):
                        searcher.close()
                    if attempt == READ_ATTEMPTS:
                        raise
                    logger.info("Search index read failed; trying a fresh searcher")
        raise AssertionError("unreachable")

    def search(self, query: SearchQuery, allowed: Allowed, texts: TextLoader) -> SearchResult:
        """One page of visible results for ``query``, with facet counts and highlights."""
        return self._read(lambda view: view.search(query, allowed, texts))

    def matching_ids(self, query: SearchQuery, allowed: Allowed, limit: int) -> list[int]:
        """Record ids of the first ``limit`` visible matches, in the order search shows them."""
        return self._read(lambda view: view.matching_ids(query, allowed, limit))

    def similar(
        self,
        text: str,
        allowed: Allowed,
        kinds: Iterable[str],
        limit: int,
        exclude: Iterable[str],
        texts: TextLoader,
    ) -> list[SearchHit]:
        """Visible documents of ``kinds`` that share enough telling terms with ``text``."""
        kinds, exclude = list(kinds), list(exclude)
        return self._read(lambda view: view.similar(text, allowed, kinds, limit, exclude, texts))

    def suggest_categories(
        self, text: str, allowed: Allowed, facets: Iterable[str], k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Per facet, the values of the ``k`` most similar visible signals, weighted by score."""
        facets = list(facets)
        return self._read(lambda view: view.suggest_categories(text, allowed, facets, k))

    def summary(self, kinds: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Per kind: how many documents the index holds and their highest version."""
        kinds = list(kinds)
        return self._read(lambda view: {kind: view.summary(kind) for kind in kinds})

    def inventory(self, kind: str) -> dict[int, int]:
        """Record id -> version of every document of ``kind`` in the index."""
        return self._read(lambda view: view.inventory(kind))


class _Codec(W3Codec):
    """Whoosh's codec, naming new segments with the operating system's randomness.

    Whoosh takes segment names from the ``random`` module, whose state can repeat (a test
    framework reseeds it for every example); a repeated name overwrites a segment's files.
    """

    def new_segment(self, storage: Any, indexname: str) -> Any:
        segment = super().new_segment(storage, indexname)
        segment.segid = secrets.token_hex(8)
        return segment


class _SubWriterTask(SubWriterTask):
    """A Whoosh writer process that leaves the objects it inherited to the parent.

    The process is forked from the web or command-line process; without the freeze its
    garbage collector walks (and so copies) the whole inherited heap again and again.
    """

    def run(self) -> None:
        gc.freeze()
        super().run()


class _ParallelWriter(MpWriter):
    """Whoosh's multi-process writer, with :class:`_SubWriterTask` processes."""

    def _new_task(self) -> SubWriterTask:
        task = _SubWriterTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task


def _parallel_supported() -> bool:
    """Whether Whoosh's multi-process writer still has the parts :class:`_ParallelWriter`
    overrides and uses (a private method and the task queue arguments)."""
    needed = ("_new_task", "_enqueue", "commit", "cancel")
    return all(callable(getattr(MpWriter, name, None)) for name in needed) and callable(
        getattr(SubWriterTask, "run", None)
    )


def _open_writer(ix: FileIndex, size: int, **options: Any) -> Any:
    """A writer for ``size`` documents: large writes are split over worker processes, each
    writing a segment of its own (no merge at the end).

    Segments are written as separate files, not as one compound file: Whoosh copies every
    part of a compound file it opens into memory, which makes opening a searcher after each
    commit cost milliseconds per megabyte of index.
    """
    options.setdefault("compound", False)
    options.setdefault("codec", _Codec())
    processes = min(MAX_WRITER_PROCESSES, os.cpu_count() or 1)
    if size >= PARALLEL_WRITE_MIN and processes > 1 and _parallel_supported():
        try:
            return _ParallelWriter(
                ix,
                procs=processes,
                multisegment=True,
                batchsize=PARALLEL_BATCH,
                limitmb=WRITER_MEMORY_MB,
                **options,
            )
        except PRIVATE_READ_ERRORS:  # Whoosh's writer changed: one process, slower
            logger.warning("Parallel search index writer unavailable", exc_info=True)
    if size >= PARALLEL_WRITE_MIN:
        options["limitmb"] = WRITER_MEMORY_MB
    return ix.writer(**options)


def _apply(writer: Any, operations: list[Operation]) -> None:
    known_words: set[str] = set()
    for kind, item in operations:
        if kind == "upsert" and isinstance(item, SearchDocument):
            writer.update_document(**document_fields(item, known_words))
        elif kind == "delete" and isinstance(item, str):
            writer.delete_by_term("doc_id", item)


def _bulk_load(
    ix: FileIndex, docs: Iterable[SearchDocument], total: int, progress: Progress | None
) -> int:
    """Add ``docs`` with one large writer and one commit; duplicates after the first are skipped."""
    writer = _open_writer(ix, total)
    seen: set[str] = set()
    known_words: set[str] = set()
    try:
        for doc in docs:
            if doc.doc_id in seen:
                continue
            seen.add(doc.doc_id)
            writer.add_document(**document_fields(doc, known_words))
            if progress and len(seen) % REBUILD_BATCH_REPORT == 0:
                progress(len(seen), max(total, len(seen)))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    _record_sizes(ix)
    return len(seen)


def _segment_files(ix: FileIndex) -> dict[str, list[str]]:
    """The files of every segment of ``ix``'s latest commit, by segment id."""
    names = list(ix.storage.list())
    files = {}
    for segment in ix._segments():
        prefix = segment.segment_id() + "."
        files[segment.segment_id()] = [name for name in names if name.startswith(prefix)]
    return files


def _read_sizes(directory: Path) -> dict[str, dict[str, int]]:
    try:
        return json.loads((directory / SIZES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _expected_sizes(ix: FileIndex) -> dict[str, int]:
    """File name -> size as written, for the segments of ``ix``'s latest commit."""
    recorded = _read_sizes(Path(ix.storage.folder))
    return {
        name: size
        for segment_id in _segment_files(ix)
        for name, size in recorded.get(segment_id, {}).items()
    }


def _wrong_files(ix: FileIndex) -> set[str]:
    """Files of ``ix``'s segments whose size differs from the one written (or that are gone)."""
    directory = Path(ix.storage.folder)
    wrong = set()
    for name, size in _expected_sizes(ix).items():
        try:
            if os.stat(directory / name).st_size != size:
                wrong.add(name)
        except FileNotFoundError:
            wrong.add(name)
    return wrong


def _record_sizes(ix: FileIndex) -> None:
    """After a commit: note the file sizes of new segments in ``SIZES.json`` (and forget the
    merged ones). Segment files never change after their commit, so sizes read now are the
    ones written; a concurrent commit's segment is added by that commit."""
    directory = Path(ix.storage.folder)
    try:
        with _file_lock(directory / SIZES_LOCK, SWAP_LOCK_TIMEOUT):
            recorded = _read_sizes(directory)
            current = _segment_files(ix)
            sizes = {key: recorded[key] for key in current if key in recorded}
            for segment_id, names in current.items():
                if segment_id not in sizes:
                    sizes[segment_id] = {name: os.stat(directory / name).st_size for name in names}
            if sizes != recorded:
                temporary = directory / f"{SIZES}.{secrets.token_hex(4)}.tmp"
                temporary.write_text(json.dumps(sizes), encoding="utf-8")
                os.replace(temporary, directory / SIZES)
    except Exception:  # the index itself is written; without sizes damage is found later
        logger.warning("Search index: segment sizes not recorded", exc_info=True)


@contextlib.contextmanager
def _hold_lock(lock: Any, timeout: float) -> Iterator[None]:
    if not try_for(lock.acquire, timeout=timeout, delay=0.02):
        raise IndexUnavailable("writers on the old index did not finish")
    try:
        yield
    finally:
        lock.release()


def _write_atomically(path: Path, content: str) -> None:
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    with temporary.open("w", encoding="ascii") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
