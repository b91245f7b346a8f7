"""Dutch text analysis for the search index.

Two analyzers: :func:`dutch_analyzer` (for ranking: folded, stop words removed, stemmed) and
:func:`spelling_analyzer` (for "bedoelde u": folded whole words, so suggestions are real words).
"""

from __future__ import annotations

import re

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGE = "nl"

# Whoosh's Dutch stop list drops words that change what a knelpunt is about ("uitkering niet
# ontvangen", "zonder bericht", "te laat"): those stay searchable.
KEPT_WORDS = frozenset(
    {
        "niet",
        "geen",
        "zonder",
        "nooit",
        "niets",
        "niemand",
        "nog",
        "wel",
        "maar",
        "tegen",
        "te",
        "veel",
        "weinig",
        "meer",
        "minder",
    }
)

WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lowercase ``text`` and remove accents, as the index does ("Cliënt" -> "client")."""
    return text.lower().translate(accent_map)


DUTCH_STOP_WORDS = frozenset(fold(word) for word in stopwords_for_language(LANGUAGE)) - KEPT_WORDS


def _folded_words() -> Analyzer:
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def dutch_analyzer() -> Analyzer:
    """Tokenize, lowercase, fold accents, drop Dutch stop words (not negations) and stem."""
    return (
        _folded_words()
        | StopFilter(stoplist=DUTCH_STOP_WORDS, minsize=1)
        | StemFilter(lang=LANGUAGE)
    )


def spelling_analyzer() -> Analyzer:
    """Whole words, lowercased and accent-folded: the vocabulary for spelling suggestions."""
    return _folded_words()


def spelling_words(text: str) -> set[str]:
    """The folded words of ``text`` worth suggesting: three letters or more, not numbers."""
    return {word for word in WORD.findall(fold(text)) if len(word) > 2 and not word.isdigit()}


def words(text: str) -> list[str]:
    """The words of ``text`` as the user typed them (no query syntax, no punctuation)."""
    return WORD.findall(text)
