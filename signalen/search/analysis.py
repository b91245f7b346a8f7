"""Dutch text analysis for the search index.

Two analyzers: :func:`dutch_analyzer` (for ranking: folded, stop words removed, stemmed, verb
endings evened out) and :func:`spelling_analyzer` (for "bedoelde u" and compounds: folded whole
words, so suggestions are real words). :func:`plain_text` turns Markdown into the plain text
that is indexed and highlighted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from markdown_it import MarkdownIt
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
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


# A stem ending in a consonant after a doubled vowel ("betaal", "duur") is written with one
# vowel, as the stemmer writes the stem of the infinitive ("betalen" -> "betal").
DOUBLE_VOWEL = re.compile(r"(aa|ee|oo|uu)([^aeiou])$")
MIN_STEM = 3


@lru_cache(maxsize=100_000)
def even_out(stem: str) -> str:
    """The Snowball stem of a Dutch word with its verb ending removed, so that the forms of a
    verb meet: "werkt" / "werken" -> "werk", "betaald" / "betaling" / "betalen" -> "betal",
    "duurt" / "duren" -> "dur".

    Snowball leaves the -t and -d of the present and past tense; dropping a final t or d from
    every stem (also "recht" -> "rech", for "rechten" as well) keeps index and query alike.
    """
    if len(stem) > MIN_STEM and stem[-1] in "td" and stem[-2] not in "td":
        stem = stem[:-1]
    return DOUBLE_VOWEL.sub(lambda match: match[1][0] + match[2], stem)


class EvenOutFilter(Filter):
    """Applies :func:`even_out` to every stemmed token but the kept words ("niet")."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped and token.text not in KEPT_WORDS:
                token.text = even_out(token.text)
            yield token


def dutch_analyzer() -> Analyzer:
    """Tokenize, lowercase, fold accents, drop Dutch stop words (not negations), stem and even
    out verb endings."""
    return (
        _folded_words()
        | StopFilter(stoplist=DUTCH_STOP_WORDS, minsize=1)
        | StemFilter(lang=LANGUAGE)
        | EvenOutFilter()
    )


_ANALYZER = dutch_analyzer()


def stems(text: str) -> list[str]:
    """The index terms of ``text`` (stop words dropped), in order."""
    return [token.text for token in _ANALYZER(text)]


def spelling_analyzer() -> Analyzer:
    """Whole words, lowercased and accent-folded: the vocabulary for spelling suggestions."""
    return _folded_words()


def spelling_words(text: str) -> set[str]:
    """The folded words of ``text`` worth suggesting: three letters or more, not numbers."""
    return {word for word in WORD.findall(fold(text)) if len(word) > 2 and not word.isdigit()}


def words(text: str) -> list[str]:
    """The words of ``text`` as the user typed them (no query syntax, no punctuation)."""
    return WORD.findall(text)


# Markdown: only texts with one of these characters are parsed (most signals have none).
MARKDOWN_HINT = re.compile(r"[*_#`\[\]>|<]|^\s*(?:[-+]|\d+[.)])\s", re.MULTILINE)
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
BLOCK_TEXT = {"code_block", "fence"}
INLINE_TEXT = {"text", "code_inline"}
INLINE_BREAK = {"softbreak", "hardbreak"}


def plain_text(text: str) -> str:
    """``text`` with its Markdown removed: the words a reader sees, blocks on their own lines.

    Headings, emphasis, links (their text stays, the address goes), lists, quotes, code and
    tables lose their marks, so snippets and titles never show ``**`` or ``##``.
    """
    if not text or not MARKDOWN_HINT.search(text):
        return text
    blocks: list[str] = []
    for token in _MARKDOWN.parse(text):
        if token.type in BLOCK_TEXT:
            blocks.append(token.content.strip())
        elif token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in INLINE_TEXT:
                    parts.append(child.content)
                elif child.type in INLINE_BREAK:
                    parts.append(" ")
                elif child.type == "image":
                    parts.append(child.content)
            blocks.append("".join(parts).strip())
    return "\n".join(block for block in blocks if block)
