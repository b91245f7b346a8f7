"""Judging the search: a relevance set (queries with the documents that should be found) and
the measures recall@k, nDCG@k and MRR.

The set lives in ``tests/data/relevance/``: ``corpus.tsv`` (key | title | description | theme
| scheme | agency) and ``queries.tsv`` (query | keys of the relevant documents). Lines starting
with ``#`` are comments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import log2
from pathlib import Path


@dataclass(frozen=True)
class JudgedDocument:
    key: str
    title: str
    description: str
    theme: str
    scheme: str
    agency: str


@dataclass(frozen=True)
class JudgedQuery:
    text: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class Scores:
    """Mean measures over a set of queries."""

    recall_at_20: float
    ndcg_at_10: float
    mrr: float
    misses: list[tuple[str, list[str]]]


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("|") for line in lines if line.strip() and not line.startswith("#")]


def read_corpus(directory: Path) -> list[JudgedDocument]:
    """The documents of the judged set."""
    return [
        JudgedDocument(*(part.strip() for part in row)) for row in _rows(directory / "corpus.tsv")
    ]


def read_queries(directory: Path) -> list[JudgedQuery]:
    """The queries of the judged set with their relevant keys."""
    return [
        JudgedQuery(text.strip(), frozenset(keys.split()))
        for text, keys in _rows(directory / "queries.tsv")
    ]


def recall_at(found: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """The share of ``relevant`` among the first ``k`` of ``found``."""
    return len(relevant.intersection(found[:k])) / len(relevant) if relevant else 1.0


def ndcg_at(found: Sequence[str], relevant: frozenset[str], k: int) -> float:
    """Normalised discounted cumulative gain of the first ``k`` (binary relevance)."""
    gain = sum(1 / log2(rank + 2) for rank, key in enumerate(found[:k]) if key in relevant)
    ideal = sum(1 / log2(rank + 2) for rank in range(min(k, len(relevant))))
    return gain / ideal if ideal else 1.0


def reciprocal_rank(found: Sequence[str], relevant: frozenset[str]) -> float:
    """1 / the rank of the first relevant document (0 when none is found)."""
    return next((1 / (rank + 1) for rank, key in enumerate(found) if key in relevant), 0.0)


def score(queries: Sequence[JudgedQuery], search: Callable[[str], list[str]]) -> Scores:
    """Mean recall@20, nDCG@10 and MRR of ``search`` (query text -> keys, best first)."""
    recalls, gains, ranks, misses = [], [], [], []
    for query in queries:
        found = search(query.text)
        recalls.append(recall_at(found, query.relevant, 20))
        gains.append(ndcg_at(found, query.relevant, 10))
        ranks.append(reciprocal_rank(found, query.relevant))
        missing = sorted(query.relevant.difference(found[:10]))
        if missing:
            misses.append((query.text, missing))
    count = len(queries) or 1
    return Scores(sum(recalls) / count, sum(gains) / count, sum(ranks) / count, misses)
