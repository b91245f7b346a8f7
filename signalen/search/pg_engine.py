"""The PostgreSQL implementation of the search engine (``SEARCH_ENGINE = "postgresql"``;
one class behind the ``SearchEngine`` protocol, kept whole, as the Whoosh engine is).

Documents live in the table ``search_documents`` of the site's own database, so every app
host sees every write at once and keeps no index of its own. The text is analysed by the
same Python code as the Whoosh index (:mod:`signalen.search.analysis`: folding, Dutch stop
words without the negations, Snowball stems with verb endings evened out), and stored as a
``tsvector`` written literally: title terms weighted A, body B, categories C. Queries are
written as literal ``tsquery`` values from the same expansion (:func:`~.querying.expand`:
synonyms, compounds), so both engines match the same documents for plain words; ranking uses
``ts_rank`` with the weights 1.0 / 0.5 / 0.25 for A / B / C (Whoosh's title / body /
categories boosts 2 / 1 / 0.5), which orders alike but gives other score values.

"Bedoelde u" and compounds use the words of ``search_words`` (read incrementally per process)
with Whoosh's own list corrector; highlights are made by the shared
:func:`~.querying.highlight_texts` from the texts in the database.
"""

from __future__ import annotations

import contextlib
import logging
import re
import struct
import threading
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from datetime import time as day_time
from math import ceil, log2
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from markupsafe import Markup
from sqlalchemy import text as sql
from whoosh.spelling import ListCorrector

from signalen.extensions import db
from signalen.search.analysis import fold, plain_text, spelling_words, stems, words
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
from signalen.search.expansion import SynonymTable, Vocabulary
from signalen.search.querying import (
    COMMON_TERM_MIN_DOCS,
    COMMON_TERM_SHARE,
    CONTROL_CHARACTERS,
    FACET_NAME,
    KEY_TERMS,
    MAX_PER_PAGE,
    MIN_SHARED_TERMS,
    MIN_SHARED_WEIGHT,
    NEIGHBOURS_PER_VOTE,
    OPERATORS,
    PLAIN_TEXT,
    SPELLING_CANDIDATES,
    SUGGEST_BELOW,
    Alternative,
    _order_column,
    _vote,
    date_value,
    expand,
    highlight_texts,
    query_text,
)

logger = logging.getLogger(__name__)

# ts_rank weights for D, C, B, A: categories count half of the body, the title double.
RANK_WEIGHTS = "{0.1, 0.25, 0.5, 1.0}"
FIELD_WEIGHTS = (("title", "A"), ("body", "B"), ("categories", "C"))
# PostgreSQL keeps positions up to 16383 and at most 256 per lexeme; lexemes < 2 KB.
MAX_POSITION = 16383
MAX_POSITIONS = 256
MAX_LEXEME_BYTES = 2000
MAX_WORD = 100
WRITE_BATCH = 1000
# Key terms of a draft are chosen among its this many most frequent terms.
DRAFT_TERMS = 40
# New words are read from search_words at most this often per process.
VOCABULARY_TTL_SECONDS = 2.0
COUNT_TTL_SECONDS = 30.0
SYNTAX_TOKEN = re.compile(r'"[^"]*"|\(|\)|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|-?[\w*?~]+')


def lexeme(term: str) -> str:
    """``term`` quoted for a tsvector or tsquery literal. A term longer than PostgreSQL
    allows is cut: no vector holds it (see :func:`vector_literal`), so it still finds nothing."""
    if len(term.encode()) >= MAX_LEXEME_BYTES:
        term = term.encode()[: MAX_LEXEME_BYTES - 1].decode(errors="ignore")
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def vector_literal(doc: SearchDocument) -> str:
    """The tsvector of ``doc`` as a literal: every term with its positions and field weight.

    The fields follow each other with a gap, so a phrase never spans two fields.
    """
    positions: dict[str, list[str]] = defaultdict(list)
    position = 1
    texts = (plain_text(doc.title), plain_text(doc.body), doc.categories)
    for content, (_field, weight) in zip(texts, FIELD_WEIGHTS, strict=True):
        for term in stems(content):
            found = positions[term]
            if len(found) < MAX_POSITIONS:
                found.append(f"{min(position, MAX_POSITION)}{weight}")
            position += 1
        position += 2
    return " ".join(
        f"{lexeme(term)}:{','.join(found)}"
        for term, found in positions.items()
        if len(term.encode()) < MAX_LEXEME_BYTES
    )


def _all_terms(terms: Sequence[str], weights: str = "") -> str:
    suffix = f":{weights}" if weights else ""
    return " & ".join(f"{lexeme(term)}{suffix}" for term in terms)


def alternative_query(alternative: Alternative) -> str:
    """All terms of ``alternative`` anywhere in the document."""
    return f"({_all_terms(alternative.terms)})"


def unit_query(unit: list[Alternative]) -> str:
    """Any alternative of one unit (what the user typed once)."""
    return "(" + " | ".join(alternative_query(a) for a in unit) + ")"


def all_units(units: list[list[Alternative]]) -> str:
    return " & ".join(unit_query(unit) for unit in units)


def any_unit(units: list[list[Alternative]]) -> str:
    return " | ".join(unit_query(unit) for unit in units)


def syntax_query(text: str, default: str) -> str | None:
    """A tsquery for text with query syntax: ``"phrases"``, ``AND``/``OR``/``NOT``, ``-word``,
    brackets and ``prefix*`` (``?`` and ``~`` count as plain words); ``default`` ("&" or "|")
    joins terms without an operator. None when nothing searchable is left."""
    parts: list[str] = []
    pending: str | None = None
    negate = False
    depth = 0
    for piece in SYNTAX_TOKEN.findall(text):
        if piece in ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"):
            if piece == "OR":
                pending = "|"
            elif piece == "AND" or piece == "ANDMAYBE":
                pending = "&"
            else:
                pending, negate = "&", True
            continue
        if piece == "(":
            if parts and parts[-1] not in ("(",):
                parts.append(pending or default)
            parts.append("!(" if negate else "(")
            negate, pending, depth = False, None, depth + 1
            continue
        if piece == ")":
            if depth and parts and parts[-1] not in ("(", "!("):
                parts.append(")")
                depth -= 1
            continue
        if piece.startswith("-"):
            negate, piece = True, piece[1:]
        term = _syntax_term(piece)
        if term is None:
            continue
        if parts and parts[-1] not in ("(", "!("):
            parts.append(pending or default)
        parts.append(f"!{term}" if negate else term)
        negate, pending = False, None
    while parts and parts[-1] in ("(", "!(", "&", "|"):
        parts.pop()
    parts += [")"] * (sum(p in ("(", "!(") for p in parts) - parts.count(")"))
    return " ".join(parts) or None


def _syntax_term(token: str) -> str | None:
    if token.startswith('"'):
        terms = stems(token.strip('"'))
        return "(" + " <-> ".join(lexeme(t) for t in terms) + ")" if terms else None
    if token.endswith("*") and token.strip("*?~"):
        return f"{lexeme(fold(token.strip('*?~')))}:*"
    terms = stems(token.replace("*", " ").replace("?", " ").replace("~", " "))
    return _all_terms(terms) if len(terms) == 1 else (f"({_all_terms(terms)})" if terms else None)


def plain_words_query(text: str) -> str | None:
    """Any of the words of ``text``, without any query syntax."""
    terms = sorted(set(stems(" ".join(words(text)))))
    return " | ".join(lexeme(term) for term in terms) or None


def _suggestions(corrector: ListCorrector, word: str) -> list[str]:
    """Whoosh's list corrector's candidates for ``word``; its list lookup reads past the end
    of the list for a word after the last one (IndexError), which ends the candidates."""
    found: list[str] = []
    try:
        for candidate in corrector.suggest(word, limit=SPELLING_CANDIDATES, prefix=1):
            found.append(candidate)
    except IndexError:
        pass
    return found


class _Lock:
    """A PostgreSQL advisory lock held on a connection of its own."""

    def __init__(self, name: str, timeout: float) -> None:
        self.key = zlib.crc32(f"signalen-search:{name}".encode()) - 2**31
        self.timeout = timeout

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        connection = db.engine.connect()
        try:
            deadline = time.monotonic() + self.timeout
            while not connection.scalar(
                sql("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            ):
                if time.monotonic() >= deadline:
                    raise IndexUnavailable(f"search lock {self.key} is held")
                time.sleep(0.05)
            try:
                yield
            finally:
                connection.execute(sql("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                connection.commit()
        finally:
            connection.close()


class PostgresEngine:
    """Search, similarity, category votes and rebuilds on the ``search_documents`` table.

    Every method runs in the caller's app context on ``db.session``: writes take part in the
    caller's transaction. A change to an indexed record is indexed just before its own
    transaction commits (:mod:`signalen.search.outbox`), so every app host finds it at once.
    """

    indexes_in_transaction = True

    def __init__(
        self,
        path: Path,
        writer_timeout: float = 5.0,
        timezone: str = "UTC",
        synonyms: Any = None,
    ) -> None:
        self.path = Path(path)  # local lock files and marks of the healing only
        self.writer_timeout = writer_timeout
        self.zone = ZoneInfo(timezone)
        self.synonyms = synonyms or SynonymTable
        self._lock = threading.Lock()
        self._vocabularies: list[Vocabulary] = []
        self._last_word = 0
        self._words_read_at = 0.0
        self._corrector: tuple[int, ListCorrector] | None = None
        self._count: tuple[float, int] | None = None
        self._facet_names: dict[int, str] = {}

    # State

    def open(self) -> str:
        """Always "ok": the migrations make the table (nothing to open or rebuild)."""
        self.path.mkdir(parents=True, exist_ok=True)
        return "ok"

    def create_empty(self) -> None:
        """Nothing to do: the migrations create the table."""

    def available(self) -> bool:
        try:
            with db.session.begin_nested():
                db.session.execute(sql("SELECT 1 FROM search_documents LIMIT 1"))
        except Exception:
            return False
        return True

    def rebuilding(self) -> bool:
        return False

    def damaged(self) -> bool:
        return False

    def mark_damaged(self) -> None:
        """Nothing to mark: the database keeps the table whole."""

    def document_count(self) -> int:
        return int(db.session.scalar(sql("SELECT count(*) FROM search_documents")) or 0)

    def _approximate_count(self) -> int:
        cached = self._count
        if cached is None or time.monotonic() - cached[0] > COUNT_TTL_SECONDS:
            cached = (time.monotonic(), self.document_count())
            self._count = cached
        return cached[1]

    # Locks

    def outbox_lock(self, timeout: float) -> contextlib.AbstractContextManager[None]:
        return self.named_lock("outbox", timeout)

    def named_lock(self, name: str, timeout: float) -> contextlib.AbstractContextManager[None]:
        """An advisory lock of the database: one holder among all app hosts."""
        return _Lock(name, timeout).held()

    # Writing

    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace ``docs`` and commit."""
        self.apply(docs, ())
        db.session.commit()

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Remove ``doc_ids`` and commit."""
        self.apply((), doc_ids)
        db.session.commit()

    def apply(self, docs: Iterable[SearchDocument], removed: Iterable[str]) -> None:
        """Upsert ``docs`` and delete ``removed`` in the caller's transaction (flushed, not
        committed: the caller commits, as the outbox drain does)."""
        removed = sorted(set(removed))
        if removed:
            db.session.execute(
                sql("DELETE FROM search_documents WHERE doc_id = ANY(CAST(:ids AS text[]))"),
                {"ids": removed},
            )
        latest = {doc.doc_id: doc for doc in docs}
        self._write([latest[key] for key in sorted(latest)], set())

    def _write(self, docs: list[SearchDocument], known_words: set[str]) -> None:
        for start in range(0, len(docs), WRITE_BATCH):
            batch = docs[start : start + WRITE_BATCH]
            rows = [_row(doc) for doc in batch]
            codes = self._facet_numbers({value for row in rows for value in row["facets"]})
            for row in rows:
                row["facet_codes"] = struct.pack(
                    f">{len(row['facets'])}i", *(codes[value] for value in row["facets"])
                )
            db.session.execute(
                sql(
                    "INSERT INTO search_documents (doc_id, kind, vector, access, facets,"
                    " facet_codes, date, published, version, report_count) VALUES (:doc_id,"
                    " :kind, CAST(:vector AS tsvector), CAST(:access AS text[]),"
                    " CAST(:facets AS text[]), :facet_codes, :date, :published, :version,"
                    " :report_count)"
                    " ON CONFLICT (doc_id) DO UPDATE SET kind = EXCLUDED.kind,"
                    " vector = EXCLUDED.vector, access = EXCLUDED.access,"
                    " facets = EXCLUDED.facets, facet_codes = EXCLUDED.facet_codes,"
                    " date = EXCLUDED.date,"
                    " published = EXCLUDED.published, version = EXCLUDED.version,"
                    " report_count = EXCLUDED.report_count"
                ),
                rows,
            )
            new_words: set[str] = set()
            for doc in batch:
                text = f"{plain_text(doc.title)} {plain_text(doc.body)} {doc.categories}"
                new_words |= {w for w in spelling_words(text) if len(w) <= MAX_WORD}
            new_words -= known_words
            known_words |= new_words
            if new_words:
                db.session.execute(
                    sql(
                        "INSERT INTO search_words (word) SELECT unnest(CAST(:words AS text[]))"
                        " ORDER BY 1 ON CONFLICT (word) DO NOTHING"
                    ),
                    {"words": sorted(new_words)},
                )

    def _facet_numbers(self, values: set[str]) -> dict[str, int]:
        """The numbers of facet ``values``, new ones added (in the caller's transaction)."""
        wanted = sorted(values)
        if not wanted:
            return {}
        found = dict(
            db.session.execute(
                sql(
                    "WITH added AS (INSERT INTO search_facet_values (value)"
                    " SELECT unnest(CAST(:values AS text[])) ORDER BY 1"
                    " ON CONFLICT (value) DO NOTHING RETURNING value, id)"
                    " SELECT value, id FROM added UNION ALL SELECT value, id"
                    " FROM search_facet_values WHERE value = ANY(CAST(:values AS text[]))"
                ),
                {"values": wanted},
            ).all()
        )
        missing = [value for value in wanted if value not in found]
        if missing:  # added by a transaction that committed while this statement waited
            found.update(
                db.session.execute(
                    sql(
                        "SELECT value, id FROM search_facet_values"
                        " WHERE value = ANY(CAST(:values AS text[]))"
                    ),
                    {"values": missing},
                ).all()
            )
        return found

    def _facet_values(self, numbers: Iterable[int]) -> dict[int, str]:
        """The ``name=value`` of facet ``numbers`` (kept per process: numbers never change)."""
        missing = [number for number in numbers if number not in self._facet_names]
        if missing:
            rows = db.session.execute(
                sql("SELECT id, value FROM search_facet_values WHERE id = ANY(:ids)"),
                {"ids": missing},
            ).all()
            with self._lock:
                self._facet_names.update(rows)
        return self._facet_names

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        total: int,
        progress: Progress | None,
        only_if_missing: bool = False,
    ) -> int:
        """Replace every document by ``docs`` in one transaction: searches see the old set
        until the commit, then the new one. Holds the outbox lock meanwhile, so that no
        drain (the healing's) writes the same rows; a change committed during a rebuild
        waits for it when it touches a document the rebuild replaces."""
        if only_if_missing and self.available():
            return 0
        with self.outbox_lock(self.writer_timeout):
            return self._rebuild(docs, total, progress)

    def _rebuild(
        self, docs: Iterable[SearchDocument], total: int, progress: Progress | None
    ) -> int:
        # The term statistics are counted once at the end instead of by the trigger per batch.
        db.session.execute(sql("SET LOCAL signalen.search_terms = 'off'"))
        db.session.execute(sql("DELETE FROM search_documents"))
        seen: set[str] = set()
        known_words: set[str] = set()
        batch: list[SearchDocument] = []
        for doc in docs:
            if doc.doc_id in seen:
                continue
            seen.add(doc.doc_id)
            batch.append(doc)
            if len(batch) == WRITE_BATCH:
                self._write(batch, known_words)
                batch = []
                if progress:
                    progress(len(seen), max(total, len(seen)))
        self._write(batch, known_words)
        db.session.execute(sql("DELETE FROM search_terms"))
        db.session.execute(
            sql(
                "INSERT INTO search_terms (term, body_docs) SELECT word, ndoc"
                " FROM ts_stat('SELECT vector FROM search_documents', 'B')"
            )
        )
        db.session.commit()
        # Every row is new: the planner needs fresh statistics to choose the text index.
        db.session.execute(sql("ANALYZE search_documents"))
        db.session.commit()
        self._count = None
        if progress:
            progress(len(seen), max(total, len(seen)))
        return len(seen)

    # Comparing with the database

    def summary(self, kinds: Iterable[str]) -> dict[str, tuple[int, int]]:
        found = {kind: (0, 0) for kind in kinds}
        rows = db.session.execute(
            sql(
                "SELECT kind, count(*), coalesce(max(version), 0) FROM search_documents"
                " WHERE kind = ANY(CAST(:kinds AS text[])) GROUP BY kind"
            ),
            {"kinds": list(found)},
        )
        for kind, count, highest in rows:
            found[kind] = (int(count), int(highest))
        return found

    def inventory(self, kind: str) -> dict[int, int]:
        rows = db.session.execute(
            sql("SELECT doc_id, version FROM search_documents WHERE kind = :kind"),
            {"kind": kind},
        )
        return {split_doc_id(doc_id)[1]: int(version) for doc_id, version in rows}

    # Reading

    def _restriction(
        self, allowed: Allowed, query: SearchQuery | None = None, kinds: Iterable[str] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """A WHERE clause (and its parameters) for access, kinds, facet filters and dates."""
        clauses, params = ["TRUE"], {}
        if allowed is not None:
            clauses.append("access && CAST(:allowed AS text[])")
            params["allowed"] = list(allowed)
        kinds = list(kinds) if kinds is not None else (query.kinds if query else None)
        if kinds is not None:
            clauses.append("kind = ANY(CAST(:kinds AS text[]))")
            params["kinds"] = list(kinds)
        if query is not None:
            for number, (name, values) in enumerate(sorted(query.filters.items())):
                if not values:
                    continue
                if not FACET_NAME.fullmatch(name):
                    clauses.append("FALSE")
                    continue
                clauses.append(f"facets && CAST(:facet_{number} AS text[])")
                params[f"facet_{number}"] = [f"{name}={value}" for value in dict.fromkeys(values)]
            if query.date_from:
                clauses.append("date >= :start")
                params["start"] = date_value(self._day_start(query.date_from))
            if query.date_to:
                clauses.append("date < :end")
                params["end"] = date_value(self._day_start(query.date_to, 1))
        return " AND ".join(clauses), params

    def _day_start(self, day: date, later: int = 0) -> datetime:
        from datetime import timedelta

        return datetime.combine(day + timedelta(days=later), day_time.min, tzinfo=self.zone)

    def _exists(self, tsquery: str, where: str, params: dict[str, Any]) -> bool:
        return (
            db.session.scalar(
                sql(
                    f"SELECT 1 FROM search_documents WHERE {where}"  # noqa: S608 (built here)
                    " AND vector @@ CAST(:probe AS tsquery) LIMIT 1"
                ),
                {**params, "probe": tsquery},
            )
            is not None
        )

    def _frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        """How many documents hold each of ``terms`` in their text (from ``search_terms``)."""
        wanted = list(dict.fromkeys(terms))
        rows = db.session.execute(
            sql(
                "SELECT term, body_docs FROM search_terms WHERE term = ANY(CAST(:terms AS text[]))"
            ),
            {"terms": wanted},
        ).all()
        found = dict.fromkeys(wanted, 0)
        found.update((term, int(count)) for term, count in rows)
        return found

    def _common(self) -> int:
        return int(max(COMMON_TERM_MIN_DOCS, COMMON_TERM_SHARE * self._approximate_count()))

    def _is_common(self, terms: tuple[str, ...]) -> bool:
        common = self._common()
        return any(count > common for count in self._frequencies(terms).values())

    def vocabularies(self) -> list[Vocabulary]:
        """The indexed words, read incrementally: one Vocabulary per batch of new words."""
        with self._lock:
            if time.monotonic() - self._words_read_at < VOCABULARY_TTL_SECONDS:
                return list(self._vocabularies)
        rows = db.session.execute(
            sql("SELECT id, word FROM search_words WHERE id > :last ORDER BY id"),
            {"last": self._last_word},
        ).all()
        with self._lock:
            if rows and rows[-1][0] > self._last_word:
                new = Vocabulary(word for number, word in rows if number > self._last_word)
                self._last_word = rows[-1][0]
                self._vocabularies.append(new)
                if len(self._vocabularies) > 8:
                    merged = set().union(*(v.known for v in self._vocabularies))
                    self._vocabularies = [Vocabulary(merged)]
            self._words_read_at = time.monotonic()
            return list(self._vocabularies)

    def _run(
        self,
        match: str | None,
        rank: str,
        where: str,
        params: dict[str, Any],
        order: str | None,
        limit: int,
        offset: int = 0,
        facets: bool = True,
    ) -> tuple[list[tuple[str, float]], int, dict[str, list[tuple[str, int]]]]:
        """The ``limit`` rows after ``offset`` (doc_id, score), the total and facet counts.

        One statement: the matches are found once (index scan, rank) and kept, then the page,
        the count and the facet codes of all matches (one byte string, counted here) are
        read from them. Unnesting the facet arrays and grouping in SQL took most of a
        search's time.
        """
        condition = where
        params = {**params, "limit": limit, "offset": offset}
        if match is not None:
            condition += " AND vector @@ CAST(:match AS tsquery)"
            params["match"] = match
        key = f"{order} DESC" if order else "score DESC"
        score = rank if order is None else "0"
        codes = "string_agg(facet_codes, ''::bytea)" if facets else "NULL"
        statement = (
            "WITH matches AS MATERIALIZED (SELECT doc_id, facet_codes, date,"  # noqa: S608
            f" published, CAST({score} AS float8) AS score FROM search_documents"
            f" WHERE {condition}),"
            " page AS (SELECT doc_id, score, date, published FROM matches"
            f" ORDER BY {key}, date DESC, doc_id LIMIT :limit OFFSET :offset)"
            # The rows' order is numbered over the page only (sorting every match once).
            f" SELECT doc_id, score, row_number() OVER (ORDER BY {key}, date DESC, doc_id),"
            " NULL FROM page"
            f" UNION ALL SELECT NULL, count(*), 0, {codes} FROM matches"
        )
        rows: list[tuple[int, str, float]] = []
        total, joined = 0, b""
        for doc_id, value, position, blob in db.session.execute(sql(statement), params):
            if doc_id is not None:
                rows.append((int(position), doc_id, float(value)))
            else:
                total, joined = int(value), bytes(blob or b"")
        counts = self._facet_counts(joined) if facets else {}
        return [(doc_id, s) for _position, doc_id, s in sorted(rows)], total, counts

    def _facet_counts(self, joined: bytes) -> dict[str, list[tuple[str, int]]]:
        """Per facet, (value, count) most first, from the joined facet codes of the matches."""
        codes = np.frombuffer(joined, dtype=">i4")
        if not codes.size:
            return {}
        tally = np.bincount(codes.astype(np.int64))
        present = np.flatnonzero(tally)
        names = self._facet_values(present.tolist())
        grouped: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for number, count in zip(present.tolist(), tally[present].tolist(), strict=True):
            name, _, facet_value = names.get(number, "").partition("=")
            if name:
                grouped[name].append((facet_value, count))
        return {
            name: sorted(values, key=lambda item: (-item[1], item[0]))
            for name, values in sorted(grouped.items())
        }

    def _find(
        self, query: SearchQuery, allowed: Allowed, limit: int, offset: int, facets: bool
    ) -> dict[str, Any]:
        """Run ``query`` as the Whoosh engine does (see ``View._run_text``): all units, then
        the units that occur somewhere, then any unit; syntax as typed, then with OR."""
        text = query_text(query.text)
        where, params = self._restriction(allowed, query)
        order = _order_column(query)
        found: dict[str, Any] = {"terms": [], "relaxed": False, "simplified": False}

        def run(match: str | None, rank: str) -> bool:
            rows, total, counts = self._run(
                match, rank, where, params, order, limit, offset, facets
            )
            found.update(rows=rows, total=total, facets=counts)
            return total > 0

        if not words(text):
            run(None, "0")
            return found
        if PLAIN_TEXT.fullmatch(text) and not OPERATORS.search(text):
            units = expand(text, self.synonyms(), self.vocabularies(), self._is_common)
            found["terms"] = sorted({t for unit in units for a in unit for t in a.terms})
            if not units:
                found.update(rows=[], total=0, facets={})
                return found
            rank = _units_rank(units, params)
            if run(all_units(units), rank):
                return found
            known = [unit for unit in units if self._exists(unit_query(unit), where, params)]
            if known and len(known) < len(units) and run(all_units(known), rank):
                found["relaxed"] = True
                return found
            run(any_unit(units), rank)
            found["relaxed"] = True
            return found
        rank = f"ts_rank('{RANK_WEIGHTS}', vector, CAST(:match AS tsquery), 1)"
        found["terms"] = sorted(set(stems(" ".join(words(text)))))
        try:
            with db.session.begin_nested():
                strict = syntax_query(text, "&")
                if strict is None:
                    found.update(rows=[], total=0, facets={})
                    return found
                if run(strict, rank) or OPERATORS.search(text):
                    return found
                loose = syntax_query(text, "|")
                run(loose, rank)
                found["relaxed"] = True
                return found
        except Exception:  # whatever the syntax did, the plain words still work
            logger.info("Search query could not be run as typed: %r", text, exc_info=True)
        run(plain_words_query(text), rank)
        found.update(relaxed=True, simplified=True)
        return found

    def search(self, query: SearchQuery, allowed: Allowed, texts: TextLoader) -> SearchResult:
        """One page of visible results for ``query``, with facet counts and highlights."""
        page = max(1, query.page)
        per_page = min(max(1, query.per_page), MAX_PER_PAGE)
        if allowed is not None and not allowed:
            return SearchResult(hits=[], total=0, page=page, pages=0)
        found = self._find(query, allowed, per_page, (page - 1) * per_page, True)
        text = query_text(query.text)
        strict_total = 0 if found["relaxed"] else found["total"]
        suggestion = None
        if words(text) and strict_total < SUGGEST_BELOW:
            suggestion = self._suggestion(text, query, allowed, strict_total)
        terms = frozenset(found["terms"])
        scored = _order_column(query) is None
        return SearchResult(
            hits=self._hits(found["rows"], {"title": terms, "body": terms}, texts, scored),
            total=found["total"],
            page=page,
            pages=ceil(found["total"] / per_page),
            facets=found["facets"],
            suggestion=suggestion,
            error=str(QUERY_SIMPLIFIED) if found["simplified"] else None,
        )

    def matching_ids(self, query: SearchQuery, allowed: Allowed, limit: int) -> list[int]:
        if (allowed is not None and not allowed) or limit < 1:
            return []
        found = self._find(query, allowed, limit, 0, False)
        return [split_doc_id(doc_id)[1] for doc_id, _score in found["rows"]]

    def _hits(
        self,
        rows: list[tuple[str, float]],
        terms: dict[str, frozenset[str]],
        texts: TextLoader,
        scored: bool,
    ) -> list[SearchHit]:
        located = [(score, *split_doc_id(doc_id)) for doc_id, score in rows]
        wanted: dict[str, list[int]] = defaultdict(list)
        for _score, kind, number in located:
            wanted[kind].append(number)
        loaded = {kind: texts(kind, numbers) for kind, numbers in wanted.items()}
        hits = []
        for score, kind, number in located:
            title, body = loaded[kind].get(number, ("", ""))
            marked: dict[str, Markup] = highlight_texts(terms, title, body)
            hits.append(
                SearchHit(
                    doc_id=f"{kind}:{number}",
                    kind=kind,
                    id=number,
                    score=float(score) if scored else 0.0,
                    highlights=marked,
                )
            )
        return hits

    # "Bedoelde u"

    def _words_corrector(self) -> ListCorrector:
        vocabularies = self.vocabularies()
        size = sum(len(v.words) for v in vocabularies)
        cached = self._corrector
        if cached is None or cached[0] != size:
            merged = sorted(set().union(*(v.known for v in vocabularies)))
            cached = (size, ListCorrector(merged))
            self._corrector = cached
        return cached[1]

    def _suggestion(
        self, text: str, query: SearchQuery, allowed: Allowed, total: int
    ) -> str | None:
        """As the Whoosh engine: a correction from words of visible documents only, that
        finds more than ``total``; a word in the vocabulary is never corrected."""
        where, params = self._restriction(allowed)
        vocabularies = self.vocabularies()
        corrector = self._words_corrector()
        replacements: dict[str, str] = {}
        for word in dict.fromkeys(words(text)):
            folded = fold(word)
            if any(folded in vocabulary.known for vocabulary in vocabularies):
                continue
            terms = stems(word)
            if not terms or self._exists(_all_terms(terms), where, params):
                continue
            for candidate in _suggestions(corrector, folded):
                candidate_terms = stems(candidate)
                if (
                    candidate != folded
                    and candidate_terms
                    and self._exists(_all_terms(candidate_terms), where, params)
                ):
                    replacements[word] = candidate
                    break
        if not replacements:
            return None
        corrected = re.sub(r"\w+", lambda match: replacements.get(match[0], match[0]), text)
        query = SearchQuery(
            text=corrected,
            filters=query.filters,
            kinds=query.kinds,
            date_from=query.date_from,
            date_to=query.date_to,
        )
        better = self._find(query, allowed, 1, 0, False)
        return corrected if not better["relaxed"] and better["total"] > total else None

    # Similar texts

    def _related(
        self, text: str, allowed: Allowed, kinds: Iterable[str], limit: int
    ) -> tuple[list[tuple[str, float, list[str]]], list[str]]:
        """Documents sharing ``text``'s key terms, best first: (doc_id, score, facets) and
        the key terms. Key terms weigh as in the Whoosh engine (:func:`bo1_weight`); terms
        in a large share of all documents are left out, as there."""
        counted = Counter(stems(CONTROL_CHARACTERS.sub(" ", text)))
        if not counted or limit <= 0:
            return [], []
        documents = max(1, self._approximate_count())
        common = self._common()
        candidates = [term for term, _n in counted.most_common(DRAFT_TERMS)]
        weights = {
            term: bo1_weight(counted[term], frequency / documents)
            for term, frequency in self._frequencies(candidates).items()
            if 0 < frequency <= common
        }
        key_terms = sorted(weights, key=lambda t: (-weights[t], t))[:KEY_TERMS]
        if not key_terms:
            return [], []
        total_weight = sum(weights[t] for t in key_terms)
        needed = min(MIN_SHARED_TERMS, len(key_terms))
        where, params = self._restriction(allowed, kinds=kinds)
        shared, shared_weight, score = [], [], []
        for number, term in enumerate(key_terms):
            params[f"k{number}"] = f"{lexeme(term)}:AB"
            params[f"w{number}"] = weights[term]
            probe = f"CAST(:k{number} AS tsquery)"
            shared.append(f"(vector @@ {probe})::int")
            shared_weight.append(f"CASE WHEN vector @@ {probe} THEN :w{number} ELSE 0 END")
            score.append(f":w{number} * ts_rank('{RANK_WEIGHTS}', vector, {probe}, 1)")
        minimum = MIN_SHARED_WEIGHT * total_weight
        params["any"] = " | ".join(
            f"{lexeme(t)}:AB" for t in _deciding_terms(key_terms, weights, minimum)
        )
        params.update(limit=limit, needed=needed, minimum=minimum)
        rows = db.session.execute(
            sql(
                "SELECT doc_id, score, facets FROM (SELECT doc_id, facets,"  # noqa: S608
                f" {' + '.join(shared)} AS shared, {' + '.join(shared_weight)} AS weight,"
                f" {' + '.join(score)} AS score FROM search_documents"
                f" WHERE {where} AND vector @@ CAST(:any AS tsquery)) candidates"
                " WHERE shared >= :needed AND weight >= :minimum"
                " ORDER BY score DESC, doc_id LIMIT :limit"
            ),
            params,
        ).all()
        return [(doc_id, float(s), list(facets)) for doc_id, s, facets in rows], key_terms

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
        related, key_terms = self._related(text, allowed, list(kinds), limit + len(skip))
        rows = [(doc_id, score) for doc_id, score, _f in related if doc_id not in skip][:limit]
        terms = frozenset(key_terms)
        return self._hits(rows, {"title": terms, "body": terms}, texts, True)

    def suggest_categories(
        self, text: str, allowed: Allowed, facets: Iterable[str], k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Per facet, the values of the ``k`` most similar visible signals, weighted by score."""
        facets = list(facets)
        related, _terms = self._related(text, allowed, ["signal"], k * NEIGHBOURS_PER_VOTE)
        votes: dict[str, list[tuple[str, float]]] = {facet: [] for facet in facets}
        for facet in facets:
            if FACET_NAME.fullmatch(facet):
                prefix = f"{facet}="
                neighbours = (
                    ([v[len(prefix) :] for v in values if v.startswith(prefix)], score)
                    for _doc_id, score, values in related
                )
                votes[facet] = _vote(neighbours, k)
        return votes


def _deciding_terms(key_terms: list[str], weights: dict[str, float], minimum: float) -> list[str]:
    """The heaviest key terms (``key_terms`` is heaviest first) of which a document must hold
    one to reach ``minimum``: without them the other terms weigh too little together. Only
    documents with one of them are read; the result is the same."""
    rest = sum(weights[term] for term in key_terms)
    for number, term in enumerate(key_terms):
        if rest < minimum:
            return key_terms[:number] or key_terms
        rest -= weights[term]
    return key_terms


def bo1_weight(frequency_in_text: int, share: float) -> float:
    """How telling a word of a draft is: the Bo1 model (Amati's Bose-Einstein divergence
    from randomness) that Whoosh's ``key_terms_from_text`` uses, with the share of
    documents that hold the word in place of its collection frequency per document."""
    return frequency_in_text * log2((1 + share) / share) + log2(1 + share)


def _row(doc: SearchDocument) -> dict[str, Any]:
    from signalen.search.engine import version_value

    facets = [
        f"{name}={str(value).strip()}"
        for name, values in doc.facets.items()
        if FACET_NAME.fullmatch(name)
        for value in dict.fromkeys(values)
    ]
    return {
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "vector": vector_literal(doc),
        "access": [str(token) for token in doc.access],
        "facets": facets,
        "date": date_value(doc.date),
        "published": date_value(doc.published) if doc.published else 0,
        "version": version_value(doc.version),
        "report_count": doc.report_count,
    }


def _units_rank(units: list[list[Alternative]], params: dict[str, Any]) -> str:
    """ts_rank of the typed terms, plus synonyms (×0.7) and compounds (×0.4) by their boost."""
    by_boost: dict[float, set[str]] = defaultdict(set)
    for unit in units:
        for alternative in unit:
            by_boost[alternative.boost].update(alternative.terms)
    parts = []
    for number, (boost, terms) in enumerate(sorted(by_boost.items(), reverse=True)):
        params[f"rank_{number}"] = " | ".join(lexeme(t) for t in sorted(terms))
        parts.append(
            f"{boost} * ts_rank('{RANK_WEIGHTS}', vector, CAST(:rank_{number} AS tsquery), 1)"
        )
    return " + ".join(parts) or "0"
