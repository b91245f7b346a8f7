"""Whole-array matching, scoring and facet counting over a Whoosh index.

Whoosh steps through the matches of a query one document at a time in Python, so a query
that matches most of 100,000 documents takes seconds. Segments never change once written (a
deletion only adds to the segment's set of deleted documents), so this module reads what a
search needs from a segment once into numpy arrays (postings, field lengths, dates, facet
values) and then matches, scores and counts whole arrays at a time. Scores are Whoosh's own
BM25F with its statistics, so the order is the one Whoosh would give.

Only this module reads Whoosh's private parts (block postings, the length and numeric
column files, ``BM25F._field_B``, ``MultiTerm._btexts``), and every such read has a fallback:
Whoosh's public API for the same data, or (for scoring and expansion) :class:`Unsupported`,
which hands the query to Whoosh's own matchers. Whatever such a read raises (``ImportError``,
``AttributeError``, ``TypeError``, …), a Whoosh release that changes them makes search slower,
not wrong. ``tests/web/test_search_fallbacks.py`` forces each fallback.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.scoring import BM25F

# Any failure of a read of Whoosh's internals: fall back to its public API.
PRIVATE_READ_ERRORS = (ImportError, AttributeError, TypeError, ValueError, KeyError, IndexError)

# Postings kept in memory per process (ids and weights: 8 bytes each, so about 64 MB).
MAX_CACHED_POSTINGS = 8_000_000


def _length_table() -> np.ndarray | None:
    """Field lengths are stored as one byte; this decodes all 256 values at once."""
    try:
        from whoosh.util.numeric import byte_to_length

        return np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)
    except PRIVATE_READ_ERRORS:
        return None


_LENGTHS = _length_table()
_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


class Unsupported(Exception):
    """A query node the array evaluator does not handle (phrases, spans): let Whoosh run it."""


@dataclass(frozen=True)
class FacetTable:
    """The values of one facet field in one segment, as (document, value index) pairs."""

    values: list[str]
    docs: np.ndarray
    codes: np.ndarray

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        """How many documents in ``mask`` have each value (values without any left out)."""
        if not self.values:
            return {}
        counted = np.bincount(self.codes[mask[self.docs]], minlength=len(self.values))
        return {self.values[i]: int(counted[i]) for i in np.flatnonzero(counted)}

    def values_of(self, docnum: int) -> list[str]:
        """The values of one document of the segment."""
        order, sorted_docs = self._by_document
        start, end = np.searchsorted(sorted_docs, [docnum, docnum + 1])
        return [self.values[code] for code in self.codes[order[start:end]]]

    @cached_property
    def _by_document(self) -> tuple[np.ndarray, np.ndarray]:
        """The pairs ordered by document, built once: a lookup is then two binary searches."""
        order = np.argsort(self.docs, kind="stable")
        return order, self.docs[order]


class ArrayCache:
    """Arrays read from segments, shared by all threads of one process.

    Postings are kept up to :data:`MAX_CACHED_POSTINGS` (least recently used go first);
    per-segment arrays (lengths, dates, facet tables, live documents) live as long as their
    segment is part of the index.
    """

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self.max_postings = max_postings
        self._lock = threading.Lock()
        self._postings: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._size = 0
        self._segments: dict[str, dict[Any, Any]] = {}
        self._kept: frozenset[str] = frozenset()

    def postings(self, key: tuple, load: Callable[[], tuple[np.ndarray, np.ndarray]]):
        with self._lock:
            found = self._postings.get(key)
            if found is not None:
                self._postings.move_to_end(key)
                return found
        found = load()
        with self._lock:
            if key not in self._postings:
                self._postings[key] = found
                self._size += len(found[0])
                while self._size > self.max_postings and len(self._postings) > 1:
                    _key, (ids, _weights) = self._postings.popitem(last=False)
                    self._size -= len(ids)
        return found

    def segment_value(self, segment_id: str, key: Any, load: Callable[[], Any]) -> Any:
        with self._lock:
            values = self._segments.get(segment_id)
            if values is not None and key in values:
                return values[key]
        value = load()
        with self._lock:
            self._segments.setdefault(segment_id, {})[key] = value
        return value

    def set_segment_value(self, segment_id: str, key: Any, value: Any) -> None:
        with self._lock:
            self._segments.setdefault(segment_id, {})[key] = value

    def keep_only(self, segment_ids: Iterable[str]) -> None:
        """Forget what belongs to segments that were merged away."""
        keep = frozenset(segment_ids)
        if keep == self._kept:
            return
        with self._lock:
            self._kept = keep
            for segment_id in [s for s in self._segments if s not in keep]:
                del self._segments[segment_id]
            for key in [k for k in self._postings if k[0] not in keep]:
                self._size -= len(self._postings.pop(key)[0])


class SegmentArrays:
    """Numpy views of one segment (a Whoosh leaf reader), read lazily and cached."""

    def __init__(self, reader: Any, cache: ArrayCache) -> None:
        self.reader = reader
        self.cache = cache
        segment = reader.segment()
        self.segment_id = segment.segment_id() if segment is not None else ""
        self.doc_count = reader.doc_count_all()

    def live(self) -> np.ndarray:
        """True for every document of the segment that is not deleted.

        Deletions only ever grow until a segment is merged away, so their number says
        whether the cached mask is still right; only the latest mask is kept.
        """
        segment = self.reader.segment()
        deleted = segment.deleted_count() if segment is not None else 0
        count, mask = self.cache.segment_value(self.segment_id, "live", lambda: (-1, None))
        if count != deleted:
            mask = np.ones(self.doc_count, dtype=bool)
            if deleted:
                mask[np.fromiter(segment.deleted_docs(), dtype=np.int64)] = False
            self.cache.set_segment_value(self.segment_id, "live", (deleted, mask))
        return mask

    def postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (ascending) and weights of a term; empty when it is not here."""
        if not self.doc_count:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        return self.cache.postings(
            (self.segment_id, field, btext), lambda: self._read_postings(field, btext)
        )

    def _read_postings(self, field: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        if (field, btext) not in self.reader:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        matcher = self.reader.postings(field, btext)
        try:
            return _read_blocks(matcher)
        except PRIVATE_READ_ERRORS:  # not Whoosh 3 block postings: step through them
            matcher = self.reader.postings(field, btext)
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)

    def lengths(self, field: str) -> np.ndarray:
        """The length (in terms) of ``field`` in every document."""
        return self.cache.segment_value(
            self.segment_id, ("lengths", field), lambda: self._read_lengths(field)
        )

    def _read_lengths(self, field: str) -> np.ndarray:
        try:
            return _read_length_column(self.reader, field, self.doc_count)
        except PRIVATE_READ_ERRORS:
            length = self.reader.doc_field_length
            return np.array(
                [length(docnum, field) for docnum in range(self.doc_count)], dtype=np.float32
            )

    def numbers(self, field: str) -> np.ndarray:
        """The values of a numeric column (int64) for every document; 0 where missing."""
        return self.cache.segment_value(
            self.segment_id, ("numbers", field), lambda: self._read_numbers(field)
        )

    def _read_numbers(self, field: str) -> np.ndarray:
        if not self.doc_count or not self.reader.has_column(field):
            return np.zeros(self.doc_count, dtype=np.int64)
        column = self.reader.column_reader(field, translate=False)
        try:
            return _numeric_column(column, self.doc_count, np.int64)
        except PRIVATE_READ_ERRORS:
            return np.array(list(column), dtype=np.int64)

    def facet_table(self, field: str) -> FacetTable:
        """Every value of a keyword field with the documents that have it."""
        return self.cache.segment_value(
            self.segment_id, ("facet", field), lambda: self._read_facet_table(field)
        )

    def _read_facet_table(self, field: str) -> FacetTable:
        values: list[str] = []
        docs: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        if self.doc_count and field in self.reader.indexed_field_names():
            for btext in self.reader.lexicon(field):
                ids = self._read_postings(field, btext)[0]
                codes.append(np.full(len(ids), len(values), dtype=np.int32))
                docs.append(ids)
                values.append(btext.decode())
        if not values:
            return FacetTable([], _EMPTY_IDS, _EMPTY_IDS)
        return FacetTable(values, np.concatenate(docs), np.concatenate(codes))


def _read_length_column(reader: Any, field: str, doc_count: int) -> np.ndarray:
    """The lengths of ``field`` from Whoosh 3's one-byte length column, read in one go."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    if _LENGTHS is None:
        raise ImportError("whoosh.util.numeric.byte_to_length")
    column = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return np.zeros(doc_count, dtype=np.float32)
    return _LENGTHS[_numeric_column(column, doc_count, np.uint8)]


def _read_blocks(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """Read Whoosh 3 postings block by block (each block decodes ~128 postings at once)."""
    ids: list[Any] = []
    weights: list[Any] = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.append(matcher._ids)
        weights.append(matcher._weights)
        matcher._next_block()
    if not ids:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return (
        np.concatenate([np.asarray(block, dtype=np.int32) for block in ids]),
        np.concatenate([np.asarray(block, dtype=np.float32) for block in weights]),
    )


def _numeric_column(column: Any, doc_count: int, dtype: Any) -> np.ndarray:
    """A fixed-size numeric column as an array, read in one go (missing tail: default)."""
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
    values = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder(">")).astype(dtype)
    if len(values) < doc_count:
        values = np.concatenate(
            [values, np.full(doc_count - len(values), column._default, dtype=dtype)]
        )
    return values


@dataclass
class Scored:
    """Which documents of one segment match (``mask``), their scores, and for coordination
    how many term leaves each document matched (``hits``) out of ``terms``."""

    mask: np.ndarray
    scores: np.ndarray
    hits: np.ndarray
    terms: int


class Evaluator:
    """Evaluates Whoosh query trees on the segments of one searcher.

    Supports terms, And, Or (with Whoosh's coordination ``scale``), Not, AndNot, AndMaybe,
    Require, Every, prefix/wildcard/fuzzy expansions and the null query; anything else
    raises :class:`Unsupported`.
    """

    def __init__(self, searcher: Any, cache: ArrayCache) -> None:
        self.searcher = searcher
        self.schema = searcher.schema
        self.segments = [
            (SegmentArrays(reader, cache), offset)
            for reader, offset in searcher.reader().leaf_readers()
        ]
        weighting = searcher.weighting
        self.bm25 = weighting if isinstance(weighting, BM25F) else BM25F()
        cache.keep_only(segment.segment_id for segment, _offset in self.segments)

    def evaluate(self, q: Any, segment: SegmentArrays) -> Scored:
        """Match and score ``q`` on one segment."""
        n = segment.doc_count
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text, q.boost, segment)
        if isinstance(q, wq.And):
            return self._all_of([self.evaluate(sub, segment) for sub in q.subqueries], n)
        if isinstance(q, wq.Or):
            return self._any_of(q, [self.evaluate(sub, segment) for sub in q.subqueries], n)
        if isinstance(q, wq.Not):
            inner = self.evaluate(q.query, segment)
            return _constant(segment.live() & ~inner.mask, q.boost)
        if isinstance(q, wq.AndNot):
            positive, negative = self.evaluate(q.a, segment), self.evaluate(q.b, segment)
            return _only(positive, positive.mask & ~negative.mask)
        if isinstance(q, wq.Require):
            scored, required = self.evaluate(q.a, segment), self.evaluate(q.b, segment)
            return _only(scored, scored.mask & required.mask)
        if isinstance(q, wq.AndMaybe):
            required, optional = self.evaluate(q.a, segment), self.evaluate(q.b, segment)
            both = required.mask & optional.mask
            return Scored(
                required.mask,
                np.where(required.mask, required.scores + optional.scores * both, 0.0),
                required.hits + optional.hits * both,
                required.terms + optional.terms,
            )
        if isinstance(q, wq.Every) and not q.fieldname:
            return _constant(segment.live().copy(), 0.0)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return _constant(np.zeros(n, dtype=bool), 0.0)
        if isinstance(q, wq.MultiTerm):
            return self._expanded(q, segment)
        raise Unsupported(type(q).__name__)

    def term(self, field: str, text: Any, boost: float, segment: SegmentArrays) -> Scored:
        """One term, scored with BM25F (times ``boost``) in scorable fields."""
        n = segment.doc_count
        if field not in self.schema:
            return _constant(np.zeros(n, dtype=bool), 0.0)
        fieldobj = self.schema[field]
        btext = fieldobj.to_bytes(text) if not isinstance(text, bytes) else text
        ids, weights = segment.postings(field, btext)
        mask = np.zeros(n, dtype=bool)
        mask[ids] = True
        scores = np.zeros(n, dtype=np.float32)
        if len(ids):
            if fieldobj.scorable:
                scores[ids] = boost * self._bm25(field, btext, weights, segment.lengths(field)[ids])
            else:
                scores[ids] = boost * weights
        hits = mask.astype(np.int16)
        return Scored(mask, scores, hits, 1 if len(ids) else 0)

    def _bm25(self, field: str, btext: bytes, tf: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Whoosh's BM25F for one term: the same idf, average length, B and K1."""
        text = self.schema[field].from_bytes(btext)
        idf = self.searcher.idf(field, text)
        average = self.searcher.avg_field_length(field) or 1
        b, k1 = self.bm25_parameters(field)
        return (idf * (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / average))).astype(
            np.float32
        )

    def bm25_parameters(self, field: str) -> tuple[float, float]:
        """BM25F's B for ``field`` and its K1; :class:`Unsupported` when Whoosh keeps them
        elsewhere (Whoosh then scores the query itself)."""
        try:
            return float(self.bm25._field_B.get(field, self.bm25.B)), float(self.bm25.K1)
        except PRIVATE_READ_ERRORS as error:
            raise Unsupported(f"BM25F parameters: {error!r}") from error

    def _all_of(self, parts: list[Scored], n: int) -> Scored:
        if not parts:
            return _constant(np.zeros(n, dtype=bool), 0.0)
        mask = np.logical_and.reduce([part.mask for part in parts])
        scores = np.sum([part.scores for part in parts], axis=0, dtype=np.float32)
        hits = np.sum([part.hits for part in parts], axis=0, dtype=np.int16)
        return Scored(mask, np.where(mask, scores, 0.0), hits * mask, sum(p.terms for p in parts))

    def _any_of(self, q: wq.Or, parts: list[Scored], n: int) -> Scored:
        if not parts:
            return _constant(np.zeros(n, dtype=bool), 0.0)
        mask = np.logical_or.reduce([part.mask for part in parts])
        scores = np.sum([part.scores for part in parts], axis=0, dtype=np.float32)
        hits = np.sum([part.hits for part in parts], axis=0, dtype=np.int16)
        terms = sum(part.terms for part in parts)
        if q.minmatch:
            mask &= hits >= q.minmatch
        if q.scale and terms and terms != q.scale:
            # Whoosh's coordination bonus (CoordMatcher): more matching terms rank higher.
            scores = (scores + (hits - 1) / (terms - q.scale) ** 2) * ((terms - 1) / terms)
        return Scored(mask, np.where(mask, scores, 0.0).astype(np.float32), hits, terms)

    def _expanded(self, q: wq.MultiTerm, segment: SegmentArrays) -> Scored:
        """Prefix, wildcard and fuzzy terms, scored as Whoosh does: one matching term as a
        plain term; several summed, or 1 for every match when the query is constant-score."""
        try:
            btexts = [btext for btext in q._btexts(segment.reader) if btext]
        except PRIVATE_READ_ERRORS as error:  # Whoosh expands and scores it itself
            raise Unsupported(f"expansion of {type(q).__name__}: {error!r}") from error
        if not btexts:
            return _constant(np.zeros(segment.doc_count, dtype=bool), 0.0)
        if len(btexts) == 1:
            return self.term(q.fieldname, btexts[0], 1.0, segment)
        n = segment.doc_count
        mask = np.zeros(n, dtype=bool)
        scores = np.zeros(n, dtype=np.float32)
        if q.constantscore:  # Whoosh then scores each match 1, whatever the boost
            for btext in btexts:
                mask[segment.postings(q.fieldname, btext)[0]] = True
            return Scored(mask, mask.astype(np.float32), mask.astype(np.int16), 1)
        for btext in btexts:
            scored = self.term(q.fieldname, btext, 1.0, segment)
            mask |= scored.mask
            scores += scored.scores
        return Scored(mask, scores * np.float32(q.boost), mask.astype(np.int16), len(btexts))


def _constant(mask: np.ndarray, score: float) -> Scored:
    """Every document in ``mask`` with the same score and no matched terms."""
    scores = np.where(mask, np.float32(score), np.float32(0))
    return Scored(mask, scores, np.zeros(len(mask), dtype=np.int16), 0)


def _only(scored: Scored, mask: np.ndarray) -> Scored:
    return Scored(mask, np.where(mask, scored.scores, 0.0), scored.hits * mask, scored.terms)


def any_term(segment: SegmentArrays, field: str, values: Iterable[str]) -> np.ndarray:
    """Documents of the segment with any of ``values`` in keyword ``field``."""
    mask = np.zeros(segment.doc_count, dtype=bool)
    for value in values:
        mask[segment.postings(field, str(value).encode())[0]] = True
    return mask


def top(keys: np.ndarray, docnums: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` highest ``keys``, highest first, ties by lowest docnum.

    Linear in the number of matches: only the candidates at or above the ``limit``-th key
    are sorted.
    """
    if limit <= 0 or not len(keys):
        return np.zeros(0, dtype=np.int64)
    if len(keys) > limit:
        threshold = np.partition(keys, len(keys) - limit)[len(keys) - limit]
        candidates = np.flatnonzero(keys >= threshold)
    else:
        candidates = np.arange(len(keys))
    order = np.lexsort((docnums[candidates], -keys[candidates]))
    return candidates[order][:limit]
