"""Query expansion: synonyms of the field and Dutch compounds.

Synonyms come as groups of words or phrases that mean the same to a client ("bijstand,
Participatiewet, uitkering van de gemeente"); the reviewed list ships in
``data/synonyms.txt`` and a beheerder adds groups in the beheer pages. Whatever the user typed
that matches a member of a group (the longest run of words wins) also finds the other members.

Compounds are split against the index's own vocabulary (the whole words of the ``spell``
field): a query word also finds the indexed words that start or end with it ("toeslag" ->
"zorgtoeslag", "schuldhulp" -> "schuldhulpverlening", "wachten" -> "wachtlijst"), and a
compound in the query also finds its two parts ("wachttijd" -> "wacht" + "tijd").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from signalen.search.analysis import fold, stems

SHIPPED = Path(__file__).parent / "data" / "synonyms.txt"
SEPARATOR = re.compile(r"\s*[,;]\s*")
# Compound parts: the query word and the rest must each have at least this many letters.
MIN_PART = 3
MIN_COMPOUND_WORD = 4
# At most this many indexed compounds per query word (shortest first: closest to the word).
MAX_COMPOUNDS = 24
# Linking letters between the parts of a Dutch compound ("werkloosheid-s-uitkering").
LINKS = ("", "s", "e", "en")

Phrase = tuple[str, ...]


def parse_groups(text: str) -> list[list[str]]:
    """Synonym groups from text: one group per line, members separated by commas; ``#``
    starts a comment. Groups with fewer than two members are left out."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        members = [member.strip() for member in SEPARATOR.split(line) if member.strip()]
        if len(dict.fromkeys(fold(member) for member in members)) > 1:
            groups.append(members)
    return groups


@cache
def shipped_groups() -> tuple[tuple[str, ...], ...]:
    """The reviewed synonym list that ships with Signalen."""
    return tuple(tuple(group) for group in parse_groups(SHIPPED.read_text(encoding="utf-8")))


@dataclass
class SynonymTable:
    """Synonym groups as index terms: each member is the tuple of its stems."""

    groups: list[list[Phrase]] = field(default_factory=list)
    by_member: dict[Phrase, list[int]] = field(default_factory=dict)
    longest: int = 0

    @classmethod
    def build(cls, groups: Iterable[Sequence[str]]) -> SynonymTable:
        """The table of ``groups`` (lists of words or phrases)."""
        table = cls()
        for group in groups:
            members = list(dict.fromkeys(phrase for m in group if (phrase := tuple(stems(m)))))
            if len(members) < 2:
                continue
            number = len(table.groups)
            table.groups.append(members)
            for member in members:
                table.by_member.setdefault(member, []).append(number)
                table.longest = max(table.longest, len(member))
        return table

    def match(self, terms: Sequence[str], start: int) -> tuple[int, list[Phrase]]:
        """The longest member starting at ``terms[start]``: its length and the other members
        of its groups (length 0 when none matches)."""
        for length in range(min(self.longest, len(terms) - start), 0, -1):
            member = tuple(terms[start : start + length])
            numbers = self.by_member.get(member)
            if numbers:
                others = [
                    other for number in numbers for other in self.groups[number] if other != member
                ]
                return length, list(dict.fromkeys(others))
        return 0, []


class Vocabulary:
    """The whole words of one segment, sorted forwards and backwards for prefix and suffix
    lookups (built once per segment; segments never change)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = sorted(words)
        self.known = frozenset(self.words)
        self.reversed = sorted(word[::-1] for word in self.words)

    def starting_with(self, prefix: str) -> list[str]:
        """Words that start with ``prefix`` and go on for at least MIN_PART letters."""
        found = []
        start = bisect_left(self.words, prefix)
        for word in self.words[start:]:
            if not word.startswith(prefix):
                break
            if len(word) - len(prefix) >= MIN_PART:
                found.append(word)
        return found

    def ending_with(self, suffix: str) -> list[str]:
        """Words that end with ``suffix`` after at least MIN_PART letters."""
        backwards = suffix[::-1]
        found = []
        start = bisect_left(self.reversed, backwards)
        for word in self.reversed[start:]:
            if not word.startswith(backwards):
                break
            if len(word) - len(suffix) >= MIN_PART:
                found.append(word[::-1])
        return found


def compounds(word: str, stem: str, vocabularies: Sequence[Vocabulary]) -> list[str]:
    """Indexed words that have ``word`` (folded) as one of their parts: as their end, or as
    their start (by its stem, so "wachten" finds "wachtlijst"), shortest first."""
    if len(word) < MIN_COMPOUND_WORD:
        return []
    start = stem if len(stem) >= MIN_COMPOUND_WORD and word.startswith(stem) else word
    found: set[str] = set()
    for vocabulary in vocabularies:
        found.update(vocabulary.ending_with(word))
        found.update(vocabulary.starting_with(start))
    found.discard(word)
    return sorted(found, key=lambda w: (len(w), w))[:MAX_COMPOUNDS]


def split_compound(word: str, vocabularies: Sequence[Vocabulary]) -> tuple[str, str] | None:
    """``word`` split into two indexed words ("wachttijd" -> "wacht", "tijd"), or None.

    The first part may be followed by a linking s, e or en, and may be the stem of an indexed
    verb ("wacht" of "wachten"); the split with the longest second part wins.
    """
    for cut in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:cut], word[cut:]
        if not any(tail in vocabulary.known for vocabulary in vocabularies):
            continue
        for link in LINKS:
            if link and not head.endswith(link):
                continue
            part = head[: len(head) - len(link)] if link else head
            if len(part) >= MIN_PART and any(
                part in vocabulary.known or f"{part}en" in vocabulary.known
                for vocabulary in vocabularies
            ):
                return part, tail
    return None
