"""The Whoosh implementation of the search engine.

Layout on disk (``path`` is ``SEARCH_INDEX_PATH``, by default ``<instance>/search-index``)::

    CURRENT               name of the generation in use (replaced atomically with a rename)
    gen-<time>-<random>/  one complete Whoosh index per generation
    REBUILDING            while a rebuild runs: the name of the generation being built
    journal-<gen>.jsonl   writes made while that rebuild runs, replayed into it before the swap
    rebuild.lock          held by the one process that rebuilds
    journal.lock          serialises journal appends, the replay and the swap

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
import json
import logging
import os
import re
import secrets
import shutil
import threading
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from math import ceil
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from whoosh import highlight, index, qparser
from whoosh.collectors import (
    Collector,
    SortingCollector,
    TermsCollector,
    TopCollector,
    WrappingCollector,
)
from whoosh.columns import VarBytesListColumn
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import FileIndex, LockError
from whoosh.query import And, DateRange, Every, NullQuery, Or, Query, Term
from whoosh.searching import Results, Searcher
from whoosh.util.filelock import FileLock, try_for

from signalen.search.analysis import (
    dutch_analyzer,
    fold,
    spelling_analyzer,
    spelling_words,
    words,
)
from signalen.search.documents import (
    QUERY_SIMPLIFIED,
    Allowed,
    IndexUnavailable,
    Progress,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    TextLoader,
    split_doc_id,
)

logger = logging.getLogger(__name__)

# Bump when the schema or analysis changes: an index under another name counts as missing and
# is rebuilt from the sources.
INDEX_NAME = "signalen_v1"
CURRENT = "CURRENT"
MARKER = "REBUILDING"
REBUILD_LOCK = "rebuild.lock"
JOURNAL_LOCK = "journal.lock"
GENERATION = re.compile(r"gen-\d{14}-[0-9a-f]{6}")
FACET_PREFIX = "facet_"
FACET_NAME = re.compile(r"[a-z0-9_]{1,40}")
FACET_SEPARATOR = "\x1f"
MAX_CACHED_SEGMENTS = 200
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Explicit operators: whoever typed them gets exactly that, without the any-word fallback.
OPERATORS = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
# Text without query syntax (quotes, brackets, wildcards, boosts): words may be dropped.
PLAIN_TEXT = re.compile(r"[\w\s,.;:!?'-]*")

TITLE_BOOST = 2.0
# Filter clauses (access, kind, facets, dates) are ANDed into the query so Whoosh can skip
# through them lazily. Their boost is tiny, not zero: Whoosh's union matcher takes a zero
# score for "no match" and would drop documents.
FILTER_BOOST = 1e-6
MAX_PER_PAGE = 100
# A query expected to match less than this share of the index is stepped through lazily.
SELECTIVE_SHARE = 0.1
SNIPPET_CHARS = 240
# OR fallback: documents matching more of the words rank higher.
OR_GROUP = qparser.OrGroup.factory(0.9)
# "More like this": the draft's most telling terms, and how much of their weight a document
# must share (and with how many terms) to count as related at all.
KEY_TERMS = 10
MIN_SHARED_WEIGHT = 0.25
MIN_SHARED_TERMS = 2
COMMON_TERM_SHARE = 0.2
COMMON_TERM_MIN_DOCS = 100
# Category votes look at this many neighbours per requested vote.
NEIGHBOURS_PER_VOTE = 10
MIN_SHARE = 0.25
SPELLING_CANDIDATES = 5
REBUILD_BATCH_REPORT = 1000
# The swap waits at most this long for writers on the old index to finish.
SWAP_LOCK_TIMEOUT = 60.0


class FacetField(KEYWORD):
    """Comma-separated facet values, also kept per document in a list column.

    The list column lets ``FieldFacet(..., allow_overlap=True)`` count multi-valued facets by
    reading each matching document's values instead of scanning every posting per search.
    """

    def __init__(self) -> None:
        super().__init__(commas=True, scorable=False, stored=False)
        self.column_type = _ListColumn()

    def to_column_value(self, value: str) -> list[bytes]:
        return [part.strip().encode() for part in value.split(",") if part.strip()]

    def from_column_value(self, value: list[bytes]) -> list[str]:
        return [part.decode() for part in value]


class _ListColumn(VarBytesListColumn):
    """A list column whose missing values read as "no values" in every segment."""

    def default_value(self, reverse: bool = False) -> bytes:
        return b""


def _coarse(field: DATETIME) -> DATETIME:
    """Index dates in 4 precision tiers instead of 8: fewer terms to write per document,
    still only a few thousand terms to visit for a date range."""
    field.shift_step = 16
    return field


def build_schema() -> Schema:
    """The index schema: text for ranking and highlighting, keywords for filters and facets."""
    text = dutch_analyzer()
    schema = Schema(
        doc_id=ID(unique=True, stored=True),
        kind=ID,
        title=TEXT(analyzer=text),
        body=TEXT(analyzer=text),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        access=KEYWORD(commas=True, scorable=False),
        date=_coarse(DATETIME(sortable=True)),
        # Only sorted on, never searched in ranges: one term per value is enough.
        report_count=NUMERIC(sortable=True, shift_step=0),
    )
    schema.add(f"{FACET_PREFIX}*", FacetField(), glob=True)
    return schema


def document_fields(doc: SearchDocument, known_words: set[str] | None = None) -> dict[str, Any]:
    """The Whoosh fields for ``doc``; the body is indexed, never stored.

    The ``spell`` field only feeds the vocabulary of spelling suggestions (whether a word is
    visible is checked in title and body). A bulk load passes ``known_words`` so that each
    word is added once instead of once per document, which halves the postings to write.
    """
    vocabulary = spelling_words(f"{doc.title} {doc.body}")
    if known_words is not None:
        vocabulary -= known_words
        known_words |= vocabulary
    fields: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "title": doc.title,
        "body": doc.body,
        "spell": " ".join(sorted(vocabulary)),
        "access": _keywords(doc.access),
        "date": to_utc_naive(doc.date),
        "report_count": doc.report_count,
    }
    for name, values in doc.facets.items():
        if FACET_NAME.fullmatch(name) and values:
            fields[FACET_PREFIX + name] = _keywords(values)
    return fields


def to_utc_naive(moment: datetime) -> datetime:
    """``moment`` in UTC without tzinfo, as the DATETIME field stores it (naive means UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _keywords(values: Iterable[str]) -> str:
    return ",".join(str(value).replace(",", " ").strip() for value in values)


def _document_to_json(doc: SearchDocument) -> dict[str, Any]:
    data = asdict(doc)
    data["date"] = doc.date.isoformat()
    return data


def _document_from_json(data: dict[str, Any]) -> SearchDocument:
    return SearchDocument(**{**data, "date": datetime.fromisoformat(data["date"])})


# A write operation: ("upsert", document) or ("delete", doc_id).
Operation = tuple[str, SearchDocument | str]


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


# The top hits of a search and the (ascending) numbers of all its matching documents.
Matches = tuple[Results, list[int]]


@dataclass(frozen=True)
class Found:
    """What one run of a query found, and how it was run."""

    results: Results
    docnums: list[int]
    text: str
    by_date: bool
    simplified: bool


class _MatchedDocuments(WrappingCollector):
    """Passes every match on to the wrapped collector and remembers its document number,
    so totals and facet counts cover all matches while Whoosh keeps only the top hits.

    With ``step`` the matches are found by stepping through the matcher, which lets a
    selective query skip through a broad filter; otherwise Whoosh may intersect complete
    document sets, which is faster when most documents match.
    """

    def __init__(self, child: Any, step: bool) -> None:
        super().__init__(child)
        self.step = step
        self.docnums: list[int] = []

    def prepare(self, top_searcher: Searcher, q: Query, context: Any) -> None:
        if self.step:
            context = context.set(needs_current=True)
        super().prepare(top_searcher, q, context)

    def collect(self, sub_docnum: int) -> Any:
        self.docnums.append(self.child.offset + sub_docnum)
        return self.child.collect(sub_docnum)


@dataclass(frozen=True)
class _FacetTable:
    """Per document of one segment: its facet values as ``name + FACET_SEPARATOR + value``."""

    names: frozenset[str]
    keys: list[tuple[str, ...]]


class _FacetTables:
    """Facet tables per segment, built once from the postings and shared by all threads.

    Segments never change (a deletion only hides a document, which then never matches), so a
    table stays valid for the segment's life; counting a search is then a C-speed
    ``Counter.update`` over the matches instead of reading 7 columns per matching document.
    """

    def __init__(self) -> None:
        self._tables: dict[str, _FacetTable] = {}
        self._lock = threading.Lock()

    def table(self, reader: Any) -> _FacetTable:
        segment = reader.segment()
        if segment is None:  # an empty index has a reader without a segment
            return _FacetTable(frozenset(), [() for _ in range(reader.doc_count_all())])
        segment_id = segment.segment_id()
        table = self._tables.get(segment_id)
        if table is None:
            table = _build_facet_table(reader)
            with self._lock:
                if len(self._tables) > MAX_CACHED_SEGMENTS:
                    self._tables.clear()
                self._tables[segment_id] = table
        return table


def _build_facet_table(reader: Any) -> _FacetTable:
    keys: list[list[str]] = [[] for _ in range(reader.doc_count_all())]
    names = set()
    for fieldname in reader.indexed_field_names():
        if not fieldname.startswith(FACET_PREFIX):
            continue
        name = fieldname[len(FACET_PREFIX) :]
        names.add(name)
        for term in reader.lexicon(fieldname):
            key = f"{name}{FACET_SEPARATOR}{term.decode()}"
            for docnum in reader.postings(fieldname, term).all_ids():
                keys[docnum].append(key)
    return _FacetTable(frozenset(names), [tuple(values) for values in keys])


class WhooshEngine:
    """Search, similarity, category votes and rebuilds on a Whoosh index in one directory.

    Safe for several threads and several processes on the same directory.
    """

    def __init__(self, path: Path, writer_timeout: float = 5.0, timezone: str = "UTC") -> None:
        self.path = Path(path)
        self.writer_timeout = writer_timeout
        self.zone = ZoneInfo(timezone)
        self._lock = threading.RLock()
        self._index: FileIndex | None = None
        self._generation: str | None = None
        self._pointer_key: tuple[int, int, int] | None = None
        self._facet_tables = _FacetTables()
        self._local = threading.local()

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

    def _pointer_stat(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.path / CURRENT)
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

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
        """The current index with its generation name (read together)."""
        key = self._pointer_stat()
        with self._lock:
            if key == self._pointer_key:
                if self._index is not None and self._generation:
                    return self._index, self._generation
                if key is not None:
                    return None  # this pointer failed to open before; a rebuild replaces it
            self._index, self._generation, self._pointer_key = None, None, key
            generation = self._read_pointer()
            if generation is None:
                return None
            try:
                ix = index.open_dir(str(self.path / generation), indexname=INDEX_NAME)
                with ix.searcher() as searcher:
                    searcher.doc_count()
            except Exception:  # any damage means: rebuild
                logger.warning("Search index %s cannot be opened", generation, exc_info=True)
                return None
            self._index, self._generation = ix, generation
            return ix, generation

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
        for _attempt in range(2):
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
        return searcher

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
                writer = ix.writer(timeout=self.writer_timeout, delay=0.05)
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
            writer = ix.writer(timeout=self.writer_timeout)
            try:
                _apply(writer, _latest_per_document(operations))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
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
            journal.unlink(missing_ok=True)
        self._forget()
        self._remove_old_generations(keep={generation, old_generation})

    def _remove_old_generations(self, keep: set[str | None]) -> None:
        """Delete generations older than the previous one (readers may still use that one)."""
        for entry in self.path.iterdir():
            if entry.is_dir() and GENERATION.fullmatch(entry.name) and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)

    # Reading

    def search(self, query: SearchQuery, allowed: Allowed, texts: TextLoader) -> SearchResult:
        """One page of visible results for ``query``, with facet counts and highlights."""
        page = max(1, query.page)
        per_page = min(max(1, query.per_page), MAX_PER_PAGE)
        if allowed is not None and not allowed:
            return SearchResult(hits=[], total=0, page=page, pages=0)
        with self._searcher() as searcher:
            found = self._find(searcher, query, allowed, page * per_page)
            total = len(found.docnums)
            offset = (page - 1) * per_page
            page_hits = list(found.results[offset : offset + per_page]) if offset < total else []
            text = found.text
            return SearchResult(
                hits=self._hits(found.results, page_hits, texts, scored=not found.by_date),
                total=total,
                page=page,
                pages=ceil(total / per_page),
                facets=self._facet_counts(searcher, found.docnums),
                suggestion=(
                    self._suggestion(searcher, text, _visibility(allowed)) if words(text) else None
                ),
                error=str(QUERY_SIMPLIFIED) if found.simplified else None,
            )

    def matching_ids(self, query: SearchQuery, allowed: Allowed, limit: int) -> list[int]:
        """Record ids of the first ``limit`` visible matches, in the order search shows them."""
        if (allowed is not None and not allowed) or limit < 1:
            return []
        with self._searcher() as searcher:
            found = self._find(searcher, query, allowed, limit)
            return [split_doc_id(hit["doc_id"])[1] for hit in found.results[:limit]]

    def _find(self, searcher: Searcher, query: SearchQuery, allowed: Allowed, limit: int) -> Found:
        """Run ``query``: the top ``limit`` hits, and the numbers of all matching documents."""
        text = CONTROL_CHARACTERS.sub(" ", query.text).strip()
        by_date = query.sort == "date" or not words(text)
        restriction = self._restriction(query, allowed)

        def run(user_query: Query) -> Matches:
            restricted = _restricted(user_query, restriction)
            selective = restricted.estimate_size(searcher.reader()) < (
                SELECTIVE_SHARE * searcher.doc_count_all()
            )
            collector = _MatchedDocuments(_top_collector(limit, by_date), selective)
            searcher.search_with_collector(restricted, collector)
            return collector.results(), collector.docnums

        if not words(text):
            (results, docnums), simplified = run(Every()), False
        else:
            (results, docnums), simplified = self._run_text(searcher, text, restriction, run)
        return Found(results, docnums, text, by_date, simplified)

    def _facet_counts(
        self, searcher: Searcher, docnums: list[int]
    ) -> dict[str, list[tuple[str, int]]]:
        """Count the facet values of the matched documents (``docnums`` in ascending order)."""
        counter: Counter[str] = Counter()
        names: set[str] = set()
        leaves = searcher.reader().leaf_readers()
        for number, (reader, offset) in enumerate(leaves):
            end = leaves[number + 1][1] if number + 1 < len(leaves) else None
            low = bisect_left(docnums, offset)
            high = bisect_left(docnums, end) if end is not None else len(docnums)
            table = self._facet_tables.table(reader)
            names.update(table.names)
            local = docnums[low:high] if offset == 0 else [d - offset for d in docnums[low:high]]
            counter.update(chain.from_iterable(map(table.keys.__getitem__, local)))
        counts: dict[str, list[tuple[str, int]]] = {name: [] for name in sorted(names)}
        for key, count in counter.items():
            name, value = key.split(FACET_SEPARATOR, 1)
            counts[name].append((value, count))
        for values in counts.values():
            values.sort(key=lambda item: (-item[1], item[0]))
        return counts

    def _run_text(
        self,
        searcher: Searcher,
        text: str,
        restriction: list[Query],
        run: Callable[[Query], Matches],
    ) -> tuple[Matches, bool]:
        """Run ``text`` with all its words; when nothing has them all (and no operators were
        typed), with all its words that occur somewhere, and then with any of its words.

        When Whoosh cannot run the text at all, the plain words are searched instead.
        """
        try:
            matches = run(self._parse(searcher, text, qparser.AndGroup))
            if matches[1] or OPERATORS.search(text):
                return matches, False
            if PLAIN_TEXT.fullmatch(text):
                typed = words(text)
                known = [word for word in typed if self._known(searcher, word, restriction)]
                if known and len(known) < len(typed):
                    matches = run(self._parse(searcher, " ".join(known), qparser.AndGroup))
                    if matches[1]:
                        return matches, False
            return run(self._parse(searcher, text, OR_GROUP)), False
        except Exception:  # whatever the syntax did, the plain words still work
            logger.info("Search query could not be run as typed: %r", text, exc_info=True)
            return run(self._plain_words(searcher, text)), True

    def _parse(self, searcher: Searcher, text: str, group: type[qparser.GroupNode]) -> Query:
        parser = qparser.MultifieldParser(
            ["title", "body"], searcher.schema, fieldboosts={"title": TITLE_BOOST}, group=group
        )
        # Users search text; field syntax ("access:...", "doc_id:...") is not for them.
        parser.remove_plugin_class(qparser.FieldsPlugin)
        return parser.parse(text)

    def _plain_words(self, searcher: Searcher, text: str) -> Query:
        """Any of the words of ``text`` in title or body, without any query syntax."""
        analyzer = searcher.schema["body"].analyzer
        terms = {token.text for token in analyzer(" ".join(words(text)))}
        if not terms:
            return NullQuery
        return Or(
            [
                Or([Term("title", term, boost=TITLE_BOOST), Term("body", term)])
                for term in sorted(terms)
            ]
        )

    def _restriction(self, query: SearchQuery, allowed: Allowed) -> list[Query]:
        """Filters that (next to) never add to a score: access, kinds, facets, dates."""
        clauses = _visibility(allowed)
        if query.kinds is not None:
            clauses.append(_any_of("kind", query.kinds))
        for name, values in sorted(query.filters.items()):
            if values:
                # An unknown facet name matches nothing, like an unknown value.
                valid = FACET_NAME.fullmatch(name)
                clauses.append(_any_of(FACET_PREFIX + name, values) if valid else NullQuery)
        if query.date_from or query.date_to:
            start = self._day_start(query.date_from) if query.date_from else None
            end = self._day_start(query.date_to + timedelta(days=1)) if query.date_to else None
            clauses.append(DateRange("date", start, end, endexcl=True, boost=FILTER_BOOST))
        return clauses

    def _day_start(self, day: date) -> datetime:
        """Midnight of ``day`` in the site's time zone, as stored (naive UTC)."""
        return to_utc_naive(datetime.combine(day, time.min, tzinfo=self.zone))

    def _hits(
        self, results: Results, page_hits: list[Any], texts: TextLoader, scored: bool
    ) -> list[SearchHit]:
        """SearchHits for ``page_hits`` with highlights of texts loaded from the database."""
        located = [(hit, *split_doc_id(hit["doc_id"])) for hit in page_hits]
        wanted: dict[str, list[int]] = defaultdict(list)
        for _hit, kind, number in located:
            wanted[kind].append(number)
        loaded = {kind: texts(kind, numbers) for kind, numbers in wanted.items()}
        found = []
        for hit, kind, number in located:
            title, body = loaded[kind].get(number, ("", ""))
            found.append(
                SearchHit(
                    doc_id=hit["doc_id"],
                    kind=kind,
                    id=number,
                    score=float(hit.score or 0.0) if scored else 0.0,
                    highlights=_highlights(results, hit, title, body),
                )
            )
        return found

    def _known(self, searcher: Searcher, word: str, restriction: list[Query]) -> bool:
        """Whether ``word`` is a stop word or occurs in a visible document within the filters."""
        stems = [token.text for token in searcher.schema["body"].analyzer(word)]
        return not stems or _exists(
            searcher, _restricted(_all_of_title_or_body(stems), restriction)
        )

    def _suggestion(self, searcher: Searcher, text: str, visible: list[Query]) -> str | None:
        """A corrected query ("bedoelde u") built only from words in visible documents.

        Filters are left out: a word that only misses within the filters is not misspelled.
        """
        analyzer = searcher.schema["body"].analyzer
        corrector = searcher.corrector("spell")
        replacements: dict[str, str] = {}
        for word in dict.fromkeys(words(text)):
            if self._known(searcher, word, visible):
                continue
            folded = fold(word)
            for candidate in corrector.suggest(folded, limit=SPELLING_CANDIDATES, prefix=1):
                stems = [token.text for token in analyzer(candidate)]
                if (
                    candidate != folded
                    and stems
                    and _exists(searcher, _restricted(_all_of_title_or_body(stems), visible))
                ):
                    replacements[word] = candidate
                    break
        if not replacements:
            return None
        corrected = re.sub(r"\w+", lambda match: replacements.get(match[0], match[0]), text)
        try:
            corrected_query = self._parse(searcher, corrected, OR_GROUP)
        except Exception:
            corrected_query = self._plain_words(searcher, corrected)
        if not _exists(searcher, _restricted(corrected_query, visible)):
            return None
        return corrected

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
        skip = set(exclude)
        restriction = self._restriction(SearchQuery(kinds=list(kinds)), allowed)
        with self._searcher() as searcher:
            results, related = self._related(searcher, text, restriction, limit + len(skip))
            chosen = [hit for hit in related if hit["doc_id"] not in skip][:limit]
            return self._hits(results, chosen, texts, scored=True) if results else []

    def suggest_categories(
        self, text: str, allowed: Allowed, facets: Iterable[str], k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Per facet, the values of the ``k`` most similar visible signals, weighted by score.

        Only values with a share of at least 0.25 are returned, best first.
        """
        facets = list(facets)
        restriction = self._restriction(SearchQuery(kinds=["signal"]), allowed)
        votes: dict[str, list[tuple[str, float]]] = {facet: [] for facet in facets}
        with self._searcher() as searcher:
            _results, related = self._related(searcher, text, restriction, k * NEIGHBOURS_PER_VOTE)
            for facet in facets:
                if FACET_NAME.fullmatch(facet):
                    values_of = _column_values(searcher, FACET_PREFIX + facet)
                    votes[facet] = _vote(((values_of(hit.docnum), hit.score) for hit in related), k)
        return votes

    def _related(
        self, searcher: Searcher, text: str, restriction: list[Query], limit: int
    ) -> tuple[Results | None, list[Any]]:
        """Hits sharing ``text``'s key terms, best first, without the merely coincidental."""
        key_terms = searcher.key_terms_from_text(
            "body", CONTROL_CHARACTERS.sub(" ", text), numterms=KEY_TERMS
        )
        # Words in a large part of all documents ("niet", "uitkering") tell nothing about
        # likeness and would make the query visit most of the index.
        common = max(COMMON_TERM_MIN_DOCS, COMMON_TERM_SHARE * searcher.doc_count())
        weights = {
            term: weight
            for term, weight in key_terms
            if searcher.doc_frequency("body", term) <= common
        }
        if not weights or limit <= 0:
            return None, []
        total = sum(weights.values())
        like = Or(
            [
                Or([Term("title", term, boost=weight), Term("body", term, boost=weight)])
                for term, weight in weights.items()
            ]
        )
        collector = TermsCollector(_top_collector(limit))
        searcher.search_with_collector(_restricted(like, restriction), collector)
        results = collector.results()
        needed = min(MIN_SHARED_TERMS, len(weights))
        related = []
        for hit in results:
            shared = {
                term.decode() for field, term in hit.matched_terms() if field in ("title", "body")
            }
            shared_weight = sum(weights.get(term, 0.0) for term in shared)
            if len(shared) >= needed and shared_weight >= MIN_SHARED_WEIGHT * total:
                related.append(hit)
        return results, related


def _top_collector(limit: int, by_date: bool = False) -> Collector:
    """The top ``limit`` hits, newest first or best first, visiting every match.

    Whoosh's default top-N collector skips blocks and swaps in cheaper matchers once the top
    is full; that would leave matches out of totals, facet counts and matched terms.
    """
    if by_date:
        return SortingCollector("date", limit=limit, reverse=True)
    return TopCollector(limit, usequality=False, replace=0)


def _apply(writer: Any, operations: list[Operation]) -> None:
    for kind, item in operations:
        if kind == "upsert" and isinstance(item, SearchDocument):
            writer.update_document(**document_fields(item))
        elif kind == "delete" and isinstance(item, str):
            writer.delete_by_term("doc_id", item)


def _bulk_load(
    ix: FileIndex, docs: Iterable[SearchDocument], total: int, progress: Progress | None
) -> int:
    """Add ``docs`` with one large writer and one commit; duplicates after the first are skipped."""
    writer = ix.writer(procs=1, limitmb=256)
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
    return len(seen)


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


def _visibility(allowed: Allowed) -> list[Query]:
    """The clause that keeps documents the caller may not see out (none for a beheerder)."""
    return [] if allowed is None else [_any_of("access", allowed)]


def _any_of(field: str, values: Iterable[str]) -> Query:
    """Documents with any of ``values`` in ``field``, adding next to nothing to the score."""
    return Or([Term(field, value, boost=FILTER_BOOST) for value in dict.fromkeys(values)])


def _title_or_body(term: str) -> Query:
    return Or([Term("title", term), Term("body", term)])


def _all_of_title_or_body(terms: list[str]) -> Query:
    return And([_title_or_body(term) for term in terms])


def _restricted(user_query: Query, restriction: list[Query]) -> Query:
    return And([user_query, *restriction]) if restriction else user_query


def _exists(searcher: Searcher, query: Query) -> bool:
    """Whether any live document matches ``query`` (stops at the first)."""
    return any(query.matcher(leaf).is_active() for leaf, _offset in searcher.leaf_searchers())


def _column_values(searcher: Searcher, fieldname: str) -> Callable[[int], list[str]]:
    """Read a facet's values per (global) document number, segment by segment."""
    leaves = searcher.reader().leaf_readers()
    offsets = [offset for _reader, offset in leaves]
    columns = [
        reader.column_reader(fieldname, translate=False) if reader.has_column(fieldname) else None
        for reader, _offset in leaves
    ]

    def values(docnum: int) -> list[str]:
        segment = bisect_right(offsets, docnum) - 1
        column = columns[segment]
        if column is None:
            return []
        return [value.decode() for value in column[docnum - offsets[segment]] or ()]

    return values


def _vote(neighbours: Iterable[tuple[list[str], float]], k: int) -> list[tuple[str, float]]:
    """Score-weighted shares of the values of the first ``k`` neighbours that have any."""
    weights: dict[str, float] = defaultdict(float)
    total = 0.0
    used = 0
    for values, score in neighbours:
        if not values:
            continue
        total += score
        for value in set(values):
            weights[value] += score
        used += 1
        if used == k:
            break
    if total <= 0:
        return []
    shares = [(value, weight / total) for value, weight in weights.items()]
    return sorted(
        ((value, share) for value, share in shares if share >= MIN_SHARE),
        key=lambda item: (-item[1], item[0]),
    )


def _highlights(results: Results, hit: Any, title: str, body: str) -> dict[str, Markup]:
    """Title and body snippet as safe HTML: every character escaped, matches in ``<mark>``."""
    return {
        "title": _highlight(results, hit, "title", title, highlight.WholeFragmenter(), 1)
        or escape(title),
        "body": _highlight(
            results, hit, "body", body, highlight.ContextFragmenter(SNIPPET_CHARS, 60), 2
        )
        or escape(_shorten(body)),
    }


def _highlight(
    results: Results, hit: Any, field: str, text: str, fragmenter: Any, top: int
) -> Markup | None:
    if not text:
        return None
    # HtmlFormatter escapes the text around and inside the marks (&, <, >).
    results.highlighter = highlight.Highlighter(
        fragmenter=fragmenter,
        formatter=highlight.HtmlFormatter(tagname="mark", between=" … "),
    )
    try:
        html = hit.highlights(field, text=text, top=top)
    except Exception:  # a snippet is never worth a failed search
        logger.warning("Highlighting %s failed", field, exc_info=True)
        return None
    return Markup(html) if html else None  # noqa: S704 (escaped by HtmlFormatter)


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
