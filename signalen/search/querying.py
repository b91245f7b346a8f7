"""Reading one searcher: searches, exports, similar texts and category votes (one
:class:`View` of the index that all of them share, so kept in one module).

User text is parsed by Whoosh; matching, scoring, filtering and facet counts run on whole
arrays (:mod:`signalen.search.arrays`). Query syntax the arrays do not handle (phrases) is run
by Whoosh's own matchers, still filtered and counted on the arrays.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from markupsafe import Markup, escape
from whoosh import highlight, qparser
from whoosh.query import And, Every, NullQuery, Or, Query, Term
from whoosh.searching import Searcher

from signalen.search.analysis import dutch_analyzer, fold, plain_text, stems, words
from signalen.search.arrays import (
    ArrayCache,
    Evaluator,
    Scored,
    SegmentArrays,
    Unsupported,
    any_term,
    top,
)
from signalen.search.documents import (
    QUERY_SIMPLIFIED,
    Allowed,
    SearchHit,
    SearchQuery,
    SearchResult,
    TextLoader,
    split_doc_id,
)
from signalen.search.expansion import SynonymTable, Vocabulary, compounds, split_compound

logger = logging.getLogger(__name__)

FACET_PREFIX = "facet_"
FACET_NAME = re.compile(r"[a-z0-9_]{1,40}")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Explicit operators: whoever typed them gets exactly that, without the any-word fallback.
OPERATORS = re.compile(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b")
# Text without query syntax (quotes, brackets, wildcards, boosts): words may be dropped.
PLAIN_TEXT = re.compile(r"[\w\s,.;:!?'-]*")
TITLE_BOOST = 2.0
# Matches in the labels a signal is filed under count for less than in its own words; so do
# matches through a synonym or a compound part.
CATEGORY_BOOST = 0.5
SYNONYM_BOOST = 0.7
COMPOUND_BOOST = 0.4
# Only the first this many words of a query are expanded to compounds (a long query is
# specific enough, and stays fast).
MAX_COMPOUND_WORDS = 8
TEXT_FIELDS = ("title", "body", "categories")
FIELD_BOOSTS = {"title": TITLE_BOOST, "body": 1.0, "categories": CATEGORY_BOOST}
# "Bedoelde u" is only considered when a search finds fewer than this many documents.
SUGGEST_BELOW = 3
MAX_PER_PAGE = 100
SNIPPET_CHARS = 240
# OR fallback: documents matching more of the words rank higher.
OR_SCALE = 0.9
OR_GROUP = qparser.OrGroup.factory(OR_SCALE)
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
# Warming a new segment reads the postings of this many most frequent terms per text field:
# words like "niet", "te", "uitkering" are in many queries and the longest to read cold.
WARM_TERMS = 64


def date_value(moment: datetime) -> int:
    """A moment as the index stores it: microseconds since 1970 in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class Restriction:
    """What limits a search besides the text: access, kinds, facet values and dates.

    Values within a facet are alternatives (OR), facets and the rest must all hold (AND).
    """

    allowed: Allowed = None
    kinds: tuple[str, ...] | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    start: int | None = None
    end: int | None = None

    def mask(self, segment: SegmentArrays) -> np.ndarray:
        """The documents of ``segment`` that pass (deleted ones never do)."""
        mask = segment.live().copy()
        if self.allowed is not None:
            mask &= any_term(segment, "access", self.allowed)
        if self.kinds is not None:
            mask &= any_term(segment, "kind", self.kinds)
        for name, values in self.filters:
            if FACET_NAME.fullmatch(name):
                mask &= any_term(segment, FACET_PREFIX + name, values)
            else:  # an unknown facet name matches nothing, like an unknown value
                mask[:] = False
        if self.start is not None or self.end is not None:
            dates = segment.numbers("date")
            if self.start is not None:
                mask &= dates >= self.start
            if self.end is not None:
                mask &= dates < self.end
        return mask


@dataclass(frozen=True)
class Found:
    """What one run of a query found: the top documents, and every match per segment."""

    docnums: np.ndarray
    scores: np.ndarray
    masks: list[np.ndarray]
    total: int
    query: Query | None
    simplified: bool = False
    # Found by fewer than all the words typed (the query as typed found nothing).
    relaxed: bool = False


class View:
    """One searcher with its arrays: everything a read needs, for one request."""

    def __init__(
        self,
        searcher: Searcher,
        cache: ArrayCache,
        zone: ZoneInfo,
        synonyms: SynonymTable | None = None,
    ) -> None:
        self.searcher = searcher
        self.zone = zone
        self.synonyms = synonyms or SynonymTable()
        self.evaluator = Evaluator(searcher, cache)
        self.segments = self.evaluator.segments
        self._vocabularies: list[Vocabulary] | None = None

    # Warming

    def warm(self, only: frozenset[str] | None = None) -> None:
        """Read what the first searches on these segments would read: the per-segment
        arrays (live documents, field lengths, dates, facet tables, the spelling vocabulary),
        the postings of the access and kind terms every search filters on, and those of the
        most frequent words of title, body and categories. ``only``: the ids of the segments
        to warm (those a commit added; the others were warmed before). Meant for a
        background thread."""
        reader = self.searcher.reader()
        facets = [name for name in reader.indexed_field_names() if name.startswith(FACET_PREFIX)]
        self.vocabularies()
        for segment, _offset in self.segments:
            if only is not None and segment.segment_id not in only:
                continue
            segment.live()
            segment.numbers("date")
            for field in TEXT_FIELDS:
                segment.lengths(field)
            for name in facets:
                segment.facet_table(name)
            for field in ("access", "kind"):
                if field in self.searcher.schema:
                    any_term(segment, field, list(segment.reader.field_terms(field)))
            for field in TEXT_FIELDS:
                for _frequency, term in segment.reader.most_frequent_terms(field, WARM_TERMS):
                    try:
                        self.evaluator.term(field, term, 1.0, segment)
                    except Unsupported:  # Whoosh scores these itself: nothing to warm
                        return

    # Searching

    def search(self, query: SearchQuery, allowed: Allowed, texts: TextLoader) -> SearchResult:
        """One page of visible results for ``query``, with facet counts and highlights."""
        page = max(1, query.page)
        per_page = min(max(1, query.per_page), MAX_PER_PAGE)
        if allowed is not None and not allowed:
            return SearchResult(hits=[], total=0, page=page, pages=0)
        text = query_text(query.text)
        found = self.find(query, allowed, page * per_page)
        offset = (page - 1) * per_page
        shown = found.docnums[offset : offset + per_page]
        scored = _order_column(query) is None
        suggestion = None
        strict_total = 0 if found.relaxed else found.total
        if words(text) and strict_total < SUGGEST_BELOW:
            suggestion = self.suggestion(text, Restriction(allowed), query, allowed, strict_total)
        return SearchResult(
            hits=self.hits(
                shown,
                found.scores[offset : offset + per_page],
                self.highlight_terms(found.query),
                texts,
                scored,
            ),
            total=found.total,
            page=page,
            pages=ceil(found.total / per_page),
            facets=self.facet_counts(found.masks),
            suggestion=suggestion,
            error=str(QUERY_SIMPLIFIED) if found.simplified else None,
        )

    def matching_ids(self, query: SearchQuery, allowed: Allowed, limit: int) -> list[int]:
        """Record ids of the first ``limit`` visible matches, in the order search shows them."""
        if (allowed is not None and not allowed) or limit < 1:
            return []
        found = self.find(query, allowed, limit)
        return [split_doc_id(self.doc_id(docnum))[1] for docnum in found.docnums]

    def find(self, query: SearchQuery, allowed: Allowed, limit: int) -> Found:
        """Run ``query``: the top ``limit`` documents and every match."""
        text = query_text(query.text)
        order = _order_column(query)
        restriction = self.restriction(query, allowed)
        masks = [restriction.mask(segment) for segment, _offset in self.segments]

        def run(user_query: Query) -> Found:
            return self._rank(user_query, masks, limit, order)

        if not words(text):
            return run(Every())
        return self._run_text(text, masks, run)

    def restriction(self, query: SearchQuery, allowed: Allowed) -> Restriction:
        """The restriction of ``query`` for a caller with ``allowed``."""
        start = end = None
        if query.date_from:
            start = date_value(self._day_start(query.date_from))
        if query.date_to:
            end = date_value(self._day_start(query.date_to + timedelta(days=1)))
        return Restriction(
            allowed=allowed,
            kinds=tuple(query.kinds) if query.kinds is not None else None,
            filters=tuple(
                (name, tuple(dict.fromkeys(values)))
                for name, values in sorted(query.filters.items())
                if values
            ),
            start=start,
            end=end,
        )

    def _day_start(self, day: date) -> datetime:
        """Midnight of ``day`` in the site's time zone."""
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def _run_text(self, text: str, masks: list[np.ndarray], run: Callable[[Query], Found]) -> Found:
        """Run ``text`` with all its words; when nothing has them all (and no operators were
        typed), with all its words that occur somewhere, and then with any of its words.

        Plain words are expanded (synonyms, compounds, categories: :meth:`units`); text with
        query syntax is parsed by Whoosh. When Whoosh cannot read the text at all, the plain
        words are searched instead.
        """
        if PLAIN_TEXT.fullmatch(text) and not OPERATORS.search(text):
            units = self.units(text)
            if not units:
                return run(NullQuery)
            found = run(_all(units))
            if found.total:
                return found
            known = [unit for unit in units if self._exists(unit, masks)]
            if known and len(known) < len(units):
                found = run(_all(known))
                if found.total:
                    return replace(found, relaxed=True)
            any_unit = Or(units, scale=OR_SCALE) if len(units) > 1 else units[0]
            return replace(run(any_unit), relaxed=True)
        try:
            found = run(self.parse(text, qparser.AndGroup))
            if found.total or OPERATORS.search(text):
                return found
            return replace(run(self.parse(text, OR_GROUP)), relaxed=True)
        except Exception:  # whatever the syntax did, the plain words still work
            logger.info("Search query could not be run as typed: %r", text, exc_info=True)
            return replace(run(self.plain_words(text)), simplified=True, relaxed=True)

    def parse(self, text: str, group: type[qparser.GroupNode]) -> Query:
        """``text`` as a query on title, body and categories; field syntax is not for users."""
        parser = qparser.MultifieldParser(
            list(TEXT_FIELDS),
            self.searcher.schema,
            fieldboosts=FIELD_BOOSTS,
            group=group,
        )
        parser.remove_plugin_class(qparser.FieldsPlugin)
        return parser.parse(text)

    def units(self, text: str) -> list[Query]:
        """One query per thing the user typed (see :func:`expand`): any of its alternatives
        in title, body or categories."""
        return [
            Or([_phrase(a.terms, a.boost) for a in unit])
            if len(unit) > 1
            else _phrase(unit[0].terms, unit[0].boost)
            for unit in expand(text, self.synonyms, self.vocabularies(), self._has_common_term)
        ]

    def _has_common_term(self, terms: tuple[str, ...]) -> bool:
        """Whether one of ``terms`` is in a large share of all documents (as in
        :meth:`related`): a synonym phrase with such a word ("niet op tijd") would make every
        search for its group read most of the index, so it is left out on a large index."""
        common = max(COMMON_TERM_MIN_DOCS, COMMON_TERM_SHARE * self.searcher.doc_count())
        return any(self.searcher.doc_frequency("body", term) > common for term in terms)

    def vocabularies(self) -> list[Vocabulary]:
        """The whole words of each segment (read once per segment)."""
        if self._vocabularies is None:
            self._vocabularies = [
                segment.cache.segment_value(
                    segment.segment_id, "vocabulary", lambda segment=segment: _vocabulary(segment)
                )
                for segment, _offset in self.segments
            ]
        return self._vocabularies

    def plain_words(self, text: str) -> Query:
        """Any of the words of ``text`` in title or body, without any query syntax."""
        analyzer = self.searcher.schema["body"].analyzer
        terms = {token.text for token in analyzer(" ".join(words(text)))}
        if not terms:
            return NullQuery
        return Or([_fields(term, 1.0) for term in sorted(terms)])

    def scored(self, user_query: Query) -> list[Scored]:
        """``user_query`` matched and scored per segment: on arrays, or by Whoosh."""
        try:
            return [self.evaluator.evaluate(user_query, segment) for segment, _ in self.segments]
        except Unsupported:
            return self._scored_by_whoosh(user_query)

    def _scored_by_whoosh(self, user_query: Query) -> list[Scored]:
        context = self.searcher.context()
        parts = []
        for (segment, _offset), (subsearcher, _sub_offset) in zip(
            self.segments, self.searcher.leaf_searchers(), strict=True
        ):
            n = segment.doc_count
            mask = np.zeros(n, dtype=bool)
            scores = np.zeros(n, dtype=np.float32)
            matcher = user_query.matcher(subsearcher, context)
            while matcher.is_active():
                docnum = matcher.id()
                mask[docnum] = True
                scores[docnum] = matcher.score()
                matcher.next()
            parts.append(Scored(mask, scores, mask.astype(np.int16), 1))
        return parts

    def _rank(
        self, user_query: Query, masks: list[np.ndarray], limit: int, order: str | None
    ) -> Found:
        """The top ``limit`` matches by score, or newest first by the column ``order``."""
        matched_masks, docnums, keys, scores = [], [], [], []
        for (segment, offset), scored, allowed in zip(
            self.segments, self.scored(user_query), masks, strict=True
        ):
            mask = scored.mask & allowed
            matched_masks.append(mask)
            local = np.flatnonzero(mask)
            docnums.append(local + offset)
            scores.append(scored.scores[local])
            keys.append(segment.numbers(order)[local] if order else scored.scores[local])
        all_docnums = np.concatenate(docnums) if docnums else np.zeros(0, dtype=np.int64)
        all_scores = np.concatenate(scores) if scores else np.zeros(0, dtype=np.float32)
        all_keys = np.concatenate(keys) if keys else np.zeros(0)
        chosen = top(all_keys, all_docnums, limit)
        return Found(
            docnums=all_docnums[chosen],
            scores=all_scores[chosen],
            masks=matched_masks,
            total=len(all_docnums),
            query=None if isinstance(user_query, Every) else user_query,
        )

    def facet_counts(self, masks: list[np.ndarray]) -> dict[str, list[tuple[str, int]]]:
        """Per facet, how many matches have each value, most first."""
        names = sorted(
            name[len(FACET_PREFIX) :]
            for name in self.searcher.reader().indexed_field_names()
            if name.startswith(FACET_PREFIX)
        )
        counts: dict[str, dict[str, int]] = {name: defaultdict(int) for name in names}
        for (segment, _offset), mask in zip(self.segments, masks, strict=True):
            if not mask.any():
                continue
            for name in names:
                for value, count in segment.facet_table(FACET_PREFIX + name).counts(mask).items():
                    counts[name][value] += count
        return {
            name: sorted(values.items(), key=lambda item: (-item[1], item[0]))
            for name, values in counts.items()
        }

    # Comparing with the database

    def summary(self, kind: str) -> tuple[int, int]:
        """How many documents of ``kind`` there are and their highest version."""
        count, highest = 0, 0
        for segment, _offset in self.segments:
            mask = Restriction(kinds=(kind,)).mask(segment)
            count += int(mask.sum())
            if mask.any():
                highest = max(highest, int(segment.numbers("version")[mask].max()))
        return count, highest

    def inventory(self, kind: str) -> dict[int, int]:
        """Record id -> version of every document of ``kind``."""
        found: dict[int, int] = {}
        for segment, offset in self.segments:
            mask = Restriction(kinds=(kind,)).mask(segment)
            versions = segment.numbers("version")
            for docnum in np.flatnonzero(mask):
                found[split_doc_id(self.doc_id(docnum + offset))[1]] = int(versions[docnum])
        return found

    # Results

    def doc_id(self, docnum: int) -> str:
        return self.searcher.stored_fields(int(docnum))["doc_id"]

    def hits(
        self,
        docnums: Iterable[int],
        scores: Iterable[float],
        terms: dict[str, frozenset[str]],
        texts: TextLoader,
        scored: bool,
    ) -> list[SearchHit]:
        """SearchHits for ``docnums`` with ``terms`` marked in texts loaded from the database."""
        located = [
            (score, *split_doc_id(self.doc_id(docnum)))
            for docnum, score in zip(docnums, scores, strict=True)
        ]
        wanted: dict[str, list[int]] = defaultdict(list)
        for _score, kind, number in located:
            wanted[kind].append(number)
        loaded = {kind: texts(kind, numbers) for kind, numbers in wanted.items()}
        found = []
        for score, kind, number in located:
            title, body = loaded[kind].get(number, ("", ""))
            found.append(
                SearchHit(
                    doc_id=f"{kind}:{number}",
                    kind=kind,
                    id=number,
                    score=float(score) if scored else 0.0,
                    highlights=self.highlights(terms, title, body),
                )
            )
        return found

    def highlight_terms(self, user_query: Query | None) -> dict[str, frozenset[str]]:
        """The words to mark per field: the query's terms that occur in the index."""
        if user_query is None:
            return {}
        marked: dict[str, frozenset[str]] = {}
        reader = self.searcher.reader()
        for field in ("title", "body"):
            # One field per call: Whoosh's loop reuses ``fieldname`` and skips the rest.
            try:
                terms = user_query.existing_terms(
                    reader, phrases=True, expand=True, fieldname=field
                )
            except Exception:  # marks are never worth a failed search
                logger.warning("Finding the terms to highlight failed", exc_info=True)
                return {}
            from_bytes = self.searcher.schema[field].from_bytes
            marked[field] = frozenset(from_bytes(btext) for name, btext in terms if name == field)
        return marked

    def highlights(
        self, terms: dict[str, frozenset[str]], title: str, body: str
    ) -> dict[str, Markup]:
        """Title and body snippet as safe HTML (see :func:`highlight_texts`)."""
        return highlight_texts(terms, title, body)

    # "Bedoelde u"

    def _known(self, word: str, masks: list[np.ndarray]) -> bool:
        """Whether ``word`` is a stop word or occurs in a document within ``masks``."""
        stems = [token.text for token in self.searcher.schema["body"].analyzer(word)]
        return not stems or self._exists(_all_in_text(stems), masks)

    def _exists(self, user_query: Query, masks: list[np.ndarray]) -> bool:
        return any(
            (scored.mask & mask).any()
            for scored, mask in zip(self.scored(user_query), masks, strict=True)
        )

    def suggestion(
        self,
        text: str,
        visible: Restriction,
        query: SearchQuery,
        allowed: Allowed,
        total: int,
    ) -> str | None:
        """A corrected query ("bedoelde u") built only from words in visible documents, that
        finds more than the ``total`` that ``query`` found with all its words.

        A word in the index's vocabulary is never corrected. Whether a word exists leaves the
        filters out (a word that only misses within the filters is not misspelled); whether
        the correction finds more counts with the filters, as the user would see it.
        """
        masks = [visible.mask(segment) for segment, _offset in self.segments]
        analyzer = self.searcher.schema["body"].analyzer
        corrector = self.searcher.corrector("spell")
        vocabularies = self.vocabularies()
        replacements: dict[str, str] = {}
        for word in dict.fromkeys(words(text)):
            folded = fold(word)
            if any(folded in vocabulary.known for vocabulary in vocabularies):
                continue
            if self._known(word, masks):
                continue
            for candidate in corrector.suggest(folded, limit=SPELLING_CANDIDATES, prefix=1):
                candidate_terms = [token.text for token in analyzer(candidate)]
                if (
                    candidate != folded
                    and candidate_terms
                    and self._exists(_all_in_text(candidate_terms), masks)
                ):
                    replacements[word] = candidate
                    break
        if not replacements:
            return None
        corrected = re.sub(r"\w+", lambda match: replacements.get(match[0], match[0]), text)
        better = self.find(replace(query, text=corrected), allowed, 1)
        return corrected if not better.relaxed and better.total > total else None

    # Similar texts

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
        restriction = Restriction(allowed=allowed, kinds=tuple(kinds))
        docnums, scores, key_terms = self.related(text, restriction, limit + len(skip))
        chosen = [
            (docnum, score)
            for docnum, score in zip(docnums, scores, strict=True)
            if self.doc_id(docnum) not in skip
        ][:limit]
        terms = {field: frozenset(key_terms) for field in ("title", "body")}
        return self.hits(
            [docnum for docnum, _ in chosen], [score for _, score in chosen], terms, texts, True
        )

    def suggest_categories(
        self, text: str, allowed: Allowed, facets: Iterable[str], k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Per facet, the values of the ``k`` most similar visible signals, weighted by score.

        Only values with a share of at least 0.25 are returned, best first.
        """
        facets = list(facets)
        restriction = Restriction(allowed=allowed, kinds=("signal",))
        docnums, scores, _terms = self.related(text, restriction, k * NEIGHBOURS_PER_VOTE)
        votes: dict[str, list[tuple[str, float]]] = {facet: [] for facet in facets}
        for facet in facets:
            if FACET_NAME.fullmatch(facet):
                neighbours = (
                    (self._facet_values(FACET_PREFIX + facet, docnum), float(score))
                    for docnum, score in zip(docnums, scores, strict=True)
                )
                votes[facet] = _vote(neighbours, k)
        return votes

    def _facet_values(self, field: str, docnum: int) -> list[str]:
        for segment, offset in reversed(self.segments):
            if docnum >= offset:
                return segment.facet_table(field).values_of(int(docnum) - offset)
        return []

    def related(
        self, text: str, restriction: Restriction, limit: int
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Documents sharing ``text``'s key terms, best first, without the merely coincidental.

        Returns their numbers, their scores and the key terms used.
        """
        key_terms = self.searcher.key_terms_from_text(
            "body", CONTROL_CHARACTERS.sub(" ", text), numterms=KEY_TERMS
        )
        # Words in a large part of all documents ("niet", "uitkering") tell nothing about
        # likeness and would make the query visit most of the index.
        common = max(COMMON_TERM_MIN_DOCS, COMMON_TERM_SHARE * self.searcher.doc_count())
        weights = {
            term: weight
            for term, weight in key_terms
            if self.searcher.doc_frequency("body", term) <= common
        }
        empty = np.zeros(0, dtype=np.int64)
        if not weights or limit <= 0:
            return empty, np.zeros(0, dtype=np.float32), []
        total_weight = sum(weights.values())
        needed = min(MIN_SHARED_TERMS, len(weights))
        # Per term, per segment: its matches in title and in body (scored() falls back on
        # Whoosh's own matchers when the arrays cannot score).
        per_term = [
            (
                weight,
                self.scored(Term("title", term, boost=weight)),
                self.scored(Term("body", term, boost=weight)),
            )
            for term, weight in weights.items()
        ]
        docnums, scores = [], []
        for position, (segment, offset) in enumerate(self.segments):
            n = segment.doc_count
            shared = np.zeros(n, dtype=np.int16)
            shared_weight = np.zeros(n, dtype=np.float32)
            score = np.zeros(n, dtype=np.float32)
            for weight, titles, bodies in per_term:
                in_title, in_body = titles[position], bodies[position]
                present = in_title.mask | in_body.mask
                shared += present
                shared_weight += weight * present
                score += in_title.scores + in_body.scores
            mask = (
                restriction.mask(segment)
                & (shared >= needed)
                & (shared_weight >= MIN_SHARED_WEIGHT * total_weight)
            )
            local = np.flatnonzero(mask)
            docnums.append(local + offset)
            scores.append(score[local])
        all_docnums = np.concatenate(docnums) if docnums else empty
        all_scores = np.concatenate(scores) if scores else np.zeros(0, dtype=np.float32)
        chosen = top(all_scores, all_docnums, limit)
        return all_docnums[chosen], all_scores[chosen], list(weights)


@dataclass(frozen=True)
class Alternative:
    """One way to find what the user typed: all of ``terms`` (index terms), weighted."""

    terms: tuple[str, ...]
    boost: float


def expand(
    text: str,
    synonyms: SynonymTable,
    vocabularies: list[Vocabulary],
    is_common: Callable[[tuple[str, ...]], bool],
) -> list[list[Alternative]]:
    """One unit per thing the user typed: a word, or a run of words that is a member of a
    synonym group (the longest wins). Shared by both engines, so they expand alike.

    A unit's alternatives are the words themselves; the other members of its synonym groups
    (a phrase with a term for which ``is_common`` holds is left out: it would read most of a
    large index); and (for one word) the indexed compounds it is part of and the parts it is
    made of, found in ``vocabularies``. Stop words make no unit; negations are words like
    any other.
    """
    typed = [(fold(word), stem) for word in words(text) for stem in stems(word)]
    terms = [stem for _word, stem in typed]
    units: list[list[Alternative]] = []
    position = 0
    while position < len(typed):
        length, others = synonyms.match(terms, position)
        own = tuple(terms[position : position + max(length, 1)])
        alternatives = [Alternative(own, 1.0)]
        alternatives += [
            Alternative(tuple(other), SYNONYM_BOOST)
            for other in others
            if len(other) == 1 or not is_common(tuple(other))
        ]
        if len(own) == 1 and len(units) < MAX_COMPOUND_WORDS:
            alternatives += compound_alternatives(*typed[position], vocabularies)
        units.append(alternatives)
        position += len(own)
    return units


def compound_alternatives(
    word: str, stem: str, vocabularies: list[Vocabulary]
) -> list[Alternative]:
    """Indexed compounds ``word`` is part of, and the two indexed words it is made of."""
    found = {part for compound in compounds(word, stem, vocabularies) for part in stems(compound)}
    found.discard(stem)
    alternatives = [Alternative((term,), COMPOUND_BOOST) for term in sorted(found)]
    split = split_compound(word, vocabularies)
    if split:
        parts = tuple(part for piece in split for part in stems(piece))
        if parts and parts != (stem,):
            alternatives.append(Alternative(parts, COMPOUND_BOOST))
    return alternatives


_TEXT_ANALYZER = dutch_analyzer()


def highlight_texts(terms: dict[str, frozenset[str]], title: str, body: str) -> dict[str, Markup]:
    """Title and body snippet as safe HTML: every character escaped, the words whose index
    terms are in ``terms`` (per field) in ``<mark>``. Shared by both engines.

    Markdown is removed first: a snippet is plain text.
    """
    title, body = plain_text(title), plain_text(body)
    return {
        "title": _highlight(title, terms.get("title"), highlight.WholeFragmenter(), 1)
        or escape(title),
        "body": _highlight(
            body, terms.get("body"), highlight.ContextFragmenter(SNIPPET_CHARS, 60), 2
        )
        or escape(_shorten(body)),
    }


def _highlight(text: str, terms: frozenset[str] | None, fragmenter: Any, top: int) -> Markup | None:
    if not text or not terms:
        return None
    try:
        # HtmlFormatter escapes the text around and inside the marks (&, <, >).
        html = highlight.highlight(
            text,
            terms,
            _TEXT_ANALYZER,
            fragmenter,
            highlight.HtmlFormatter(tagname="mark", between=" … "),
            top=top,
        )
    except Exception:  # a snippet is never worth a failed search
        logger.warning("Highlighting failed", exc_info=True)
        return None
    return Markup(html) if html else None  # noqa: S704 (escaped by HtmlFormatter)


def _order_column(query: SearchQuery) -> str | None:
    """The column a search is sorted on, newest first; None: by relevance."""
    if query.sort == "published":
        return "published"
    if query.sort == "date" or not words(query_text(query.text)):
        return "date"
    return None


def query_text(text: str) -> str:
    """The query text without control characters."""
    return CONTROL_CHARACTERS.sub(" ", text).strip()


def _in_text(term: str) -> Query:
    return Or([Term(field, term) for field in TEXT_FIELDS])


def _fields(term: str, boost: float) -> Query:
    """``term`` in title, body or categories, each with its weight times ``boost``."""
    return Or([Term(field, term, boost=FIELD_BOOSTS[field] * boost) for field in TEXT_FIELDS])


def _phrase(terms: tuple[str, ...], boost: float) -> Query:
    """All of ``terms`` (in any place, any order), weighted by ``boost``."""
    if len(terms) == 1:
        return _fields(terms[0], boost)
    return And([_fields(term, boost) for term in terms])


def _all(units: list[Query]) -> Query:
    return units[0] if len(units) == 1 else And(units)


def _vocabulary(segment: SegmentArrays) -> Vocabulary:
    try:
        return Vocabulary(segment.reader.field_terms("spell"))
    except Exception:  # a segment without the field has no words
        return Vocabulary(())


def _all_in_text(terms: list[str]) -> Query:
    return And([_in_text(term) for term in terms])


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


def _shorten(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    return text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
