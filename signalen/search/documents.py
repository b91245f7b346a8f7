"""The neutral contract of the search service: documents in, queries and results out.

Other packages only see these types; they know nothing of the engine behind them, and the
engine knows nothing of their models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from flask_babel import lazy_gettext
from markupsafe import Markup

# Who may see what: ``None`` sees everything (beheerder); otherwise a document is visible
# when its ``access`` tokens share at least one token with this list.
Allowed = list[str] | None
# (title, body) per id of one kind, loaded from the database for highlighting.
TextLoader = Callable[[str, list[int]], dict[int, tuple[str, str]]]
Progress = Callable[[int, int], None]


class IndexUnavailable(Exception):
    """The index cannot be written now (lock held too long, or the index is being rebuilt).

    The caller keeps its database change and marks the document for a later catch-up.
    """


def make_doc_id(kind: str, id: int) -> str:
    """The document id of record ``id`` of ``kind``, e.g. ``"signal:12"``."""
    return f"{kind}:{id}"


def split_doc_id(doc_id: str) -> tuple[str, int]:
    """The kind and record id in ``doc_id`` (the reverse of :func:`make_doc_id`)."""
    kind, _, number = doc_id.rpartition(":")
    return kind, int(number)


@dataclass
class SearchDocument:
    """One searchable thing (a signal, an article) as the index sees it."""

    doc_id: str
    kind: str
    title: str
    body: str
    access: list[str]
    facets: dict[str, list[str]]
    date: datetime
    report_count: int = 1
    # When it became visible to everyone (None: not public); feeds list newest first.
    published: datetime | None = None
    # The record's last change (updated_at): compared with the database to find stale documents.
    version: datetime | None = None
    # The labels it is filed under (themes, scheme, agency, their abbreviations): searchable,
    # weighed below title and body, never shown.
    categories: str = ""


@dataclass
class SearchQuery:
    """What the user asks: free text, facet filters (OR within, AND across), kinds, dates.

    ``sort`` is "relevance", "date" (newest first) or "published" (newest public first).
    """

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    kinds: list[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass
class SearchHit:
    """One found document; ``highlights`` holds escaped HTML with ``<mark>`` around matches."""

    doc_id: str
    kind: str
    id: int
    score: float
    highlights: dict[str, Markup] = field(default_factory=dict)


@dataclass
class SearchResult:
    """One page of hits with totals and facet counts over every visible match."""

    hits: list[SearchHit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    suggestion: str | None = None
    error: str | None = None


class SearchEngine(Protocol):
    """What the services need from an engine; :class:`~.engine.WhooshEngine` implements it."""

    # True when the index is a table of the site's own database: changes are then indexed
    # inside the transaction that makes them (see :mod:`signalen.search.outbox`).
    indexes_in_transaction: bool

    def open(self) -> str:
        """Open the index; return "ok", "missing" or "corrupt"."""
        ...

    def create_empty(self) -> None:
        """Put an empty index in place (nothing to rebuild from)."""
        ...

    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add or replace ``docs``; raise :class:`IndexUnavailable` when it cannot write."""
        ...

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Remove ``doc_ids``; raise :class:`IndexUnavailable` when it cannot write."""
        ...

    def search(self, query: SearchQuery, allowed: Allowed, texts: TextLoader) -> SearchResult:
        """One page of visible results for ``query``."""
        ...

    def matching_ids(self, query: SearchQuery, allowed: Allowed, limit: int) -> list[int]:
        """Record ids of the first ``limit`` visible matches, in search order."""
        ...

    def similar(
        self,
        text: str,
        allowed: Allowed,
        kinds: Iterable[str],
        limit: int,
        exclude: Iterable[str],
        texts: TextLoader,
    ) -> list[SearchHit]:
        """Visible documents like ``text``, best first."""
        ...

    def suggest_categories(
        self, text: str, allowed: Allowed, facets: Iterable[str], k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """Facet values voted for by the ``k`` visible signals most like ``text``."""
        ...

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        total: int,
        progress: Progress | None,
        only_if_missing: bool = False,
    ) -> int:
        """Index ``docs`` into a new index and swap it in; return the number indexed.

        With ``only_if_missing`` it does nothing when a usable index exists by then.
        """
        ...

    def rebuilding(self) -> bool:
        """Whether a rebuild runs now (in any process)."""
        ...

    def available(self) -> bool:
        """Whether an index can be searched now."""
        ...

    def document_count(self) -> int:
        """The number of documents in the index."""
        ...

    # For the outbox and the healing (signalen.search.outbox, signalen.search.healing)

    writer_timeout: float
    path: Path

    def apply(self, docs: Iterable[SearchDocument], removed: Iterable[str]) -> None:
        """Add or replace ``docs`` and remove ``removed`` doc_ids in one commit."""
        ...

    def outbox_lock(self, timeout: float) -> AbstractContextManager[None]:
        """Held by the one thread (of any process) that applies the outbox."""
        ...

    def named_lock(self, name: str, timeout: float) -> AbstractContextManager[None]:
        """A lock file in the index folder; IndexUnavailable when held too long."""
        ...

    def summary(self, kinds: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Per kind: the number of documents and their highest version."""
        ...

    def inventory(self, kind: str) -> dict[int, int]:
        """Record id -> version of every document of ``kind``."""
        ...

    def damaged(self) -> bool:
        """Whether the current index is damaged (unreadable or a segment file changed)."""
        ...

    def mark_damaged(self) -> None:
        """Stop using the current index in every process until a rebuild replaces it."""
        ...


# Messages for SearchResult.error (Dutch source text, translated by Flask-Babel).
QUERY_TOO_LONG = lazy_gettext("Uw zoekvraag is te lang. Gebruik hoogstens %(max)s tekens.")
QUERY_SIMPLIFIED = lazy_gettext(
    "Uw zoekvraag kon niet precies zo worden gelezen. We hebben gezocht op de losse woorden."
)
INDEX_UNAVAILABLE = lazy_gettext(
    "Zoeken kan nu even niet: de zoekindex wordt opnieuw opgebouwd. Probeer het zo nog eens."
)
SEARCH_FAILED = lazy_gettext("Zoeken is nu niet gelukt. Probeer het later nog eens.")
