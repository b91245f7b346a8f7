"""The index outbox: what must be (re)indexed, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from signalen.core.models import UTCDateTime, utcnow
from signalen.extensions import db


class IndexOutbox(db.Model):
    """One record of one document kind whose index document must be brought up to date.

    ``op`` says what the change was ("index" or "remove"); the drain reads the record's
    current state from the database, which decides: a record that is gone is removed.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # A number as text: service ids are 128-bit UUID integers.
    record_id: Mapped[str] = mapped_column(String(40), nullable=False)
    op: Mapped[str] = mapped_column(String(10), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# PostgreSQL types where the PostgreSQL engine needs them; plain types elsewhere (the tables
# exist on SQLite too, so that one set of models and migrations fits both, but stay empty).
TSVector = Text().with_variant(postgresql.TSVECTOR(), "postgresql")
TextArray = JSON().with_variant(postgresql.ARRAY(Text()), "postgresql")


class SearchEntry(db.Model):
    """One document of the PostgreSQL search engine (:mod:`signalen.search.pg_engine`).

    ``vector`` holds the terms of Signalen's own Dutch analysis (the same as the Whoosh
    index's), weighted A (title), B (body) and C (categories); ``access`` the access tokens,
    ``facets`` the facet values as ``name=value`` (for filters) and ``facet_codes`` the same
    values as big-endian 32-bit ids of :class:`SearchFacetValue` (for counting: the codes of
    all matches are joined into one byte string and counted in Python, far cheaper than
    unnesting the arrays). Dates are microseconds since 1970 in UTC.
    """

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_vector", "vector", postgresql_using="gin"),
        Index("ix_search_documents_access", "access", postgresql_using="gin"),
        Index("ix_search_documents_facets", "facets", postgresql_using="gin"),
        Index("ix_search_documents_kind_date", "kind", "date"),
    )

    doc_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    vector: Mapped[str] = mapped_column(TSVector, nullable=False)
    access: Mapped[list[str]] = mapped_column(TextArray, nullable=False)
    facets: Mapped[list[str]] = mapped_column(TextArray, nullable=False)
    facet_codes: Mapped[bytes] = mapped_column(
        LargeBinary, nullable=False, default=b"", server_default=""
    )
    date: Mapped[int] = mapped_column(BigInteger, nullable=False)
    published: Mapped[int] = mapped_column(BigInteger, nullable=False)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    report_count: Mapped[int] = mapped_column(Integer, nullable=False)


class SearchWord(db.Model):
    """A whole word of the indexed texts: the vocabulary of "bedoelde u" and compounds.

    Words are only added (a word of a removed document does no harm: suggestions are
    checked against visible documents); ``id`` lets a process read just the new ones.
    """

    __tablename__ = "search_words"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    word: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)


class SearchFacetValue(db.Model):
    """A facet value (``name=value``) of the PostgreSQL engine and its number; values are only
    added, so a number never changes its meaning."""

    __tablename__ = "search_facet_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False, unique=True)


class SearchTerm(db.Model):
    """How many documents hold ``term`` in their text (weight B): what the Whoosh index reads
    from its term list, for "is this word in most documents" and the weights of similar
    signals. Kept up to date by a trigger on ``search_documents`` in the writing transaction
    (PostgreSQL only), and counted anew by a rebuild."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(Text, primary_key=True)
    body_docs: Mapped[int] = mapped_column(Integer, nullable=False)
