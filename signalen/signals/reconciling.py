"""Value reconciliation for the signals import: what a spreadsheet's own spellings mean.

After the column mapping, every distinct value of a list column (thema, regeling,
uitvoerder, gemeente, kanaal, impact, zichtbaarheid) that does not match a name in the
lists exactly is an *unknown value*. For each, the closest names are suggested (rapidfuzz
on names, abbreviations and synonyms); one clear winner is pre-selected ("Participatiewet"
-> "Participatiewet (bijstand)", "midden" -> "middel"), a close race ("Toeslagen") is not.
What the coordinator chooses is remembered per organisation (:class:`ImportValueMapping`),
so the next import of the same sheet needs no reconciliation.

A decision maps a value to a *target*: the exact name (or code) of a term, which the row
check then finds as if the sheet had said it; an empty target is "leeg laten".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from rapidfuzz import fuzz, process, utils
from sqlalchemy import select

from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.privacy.services import find_personal_data
from signalen.search.expansion import shipped_groups
from signalen.signals.models import (
    VALUE_MAPPING_MAX_LENGTH,
    Channel,
    Impact,
    ImportValueMapping,
    Visibility,
)
from signalen.taxonomy import services as taxonomy
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

COLUMNS = ("thema", "regeling", "uitvoerder", "gemeente", "kanaal", "impact", "zichtbaarheid")
# Columns that may hold several values separated by ";".
MULTIPLE = frozenset({"thema", "regeling"})
# Columns whose unknown values a beheerder may add to the list (taxonomy kind of save_term).
ADDABLE = frozenset({"thema", "regeling", "uitvoerder"})
ENUMS = {"kanaal": Channel, "impact": Impact, "zichtbaarheid": Visibility}
SUGGESTIONS = 5
MIN_SCORE = 55.0
# A suggestion is pre-selected when it scores at least this and leads the next by LEAD.
CLEAR_SCORE = 80.0
CLEAR_LEAD = 15.0
SYNONYM_DISCOUNT = 0.95

Key = tuple[str, str]  # (column, case-folded value)


def key(column: str, value: str) -> Key:
    return column, value.strip().casefold()


def split(column: str, value: str) -> list[str]:
    """The separate values in one cell of ``column``."""
    if column in MULTIPLE:
        return [part.strip() for part in value.split(";") if part.strip()]
    return [value.strip()] if value.strip() else []


@dataclass
class Vocabulary:
    """Per column: which values match exactly, the targets on offer and their aliases."""

    exact: dict[str, set[str]] = field(default_factory=dict)  # column -> case-folded names
    targets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # (target, label)
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)  # alias -> target
    municipal_agency: bool = False

    @classmethod
    def load(cls) -> Vocabulary:
        """The current lists (inactive terms match exactly but are not offered)."""
        vocabulary = cls()
        themes = db.session.scalars(select(Theme)).all()
        schemes = db.session.scalars(select(Scheme)).all()
        agencies = db.session.scalars(select(Agency)).all()
        municipalities = db.session.scalars(select(Municipality)).all()
        add = vocabulary._add
        for theme in themes:
            names = [theme.name, theme.full_name]
            if theme.parent is not None:
                names.append(f"{theme.parent.name}/{theme.name}")
            add("thema", theme.full_name, theme.full_name, names, theme.active)
        for scheme in schemes:
            names = [scheme.name, *([scheme.short_name] if scheme.short_name else [])]
            add("regeling", scheme.name, scheme.name, names, scheme.active)
        for agency in agencies:
            add("uitvoerder", agency.name, agency.name, [agency.name], agency.active)
            vocabulary.municipal_agency |= agency.is_municipal
        for municipality in municipalities:
            names = [municipality.name]
            add("gemeente", municipality.name, municipality.name, names, municipality.active)
        for column, enum_class in ENUMS.items():
            for member in enum_class:
                label = f"{member.label} ({member.value})"
                add(column, member.value, label, [member.value, member.label], True)
        return vocabulary

    def _add(self, column: str, target: str, label: str, names: Sequence[str], active: bool):
        self.exact.setdefault(column, set()).update(name.casefold() for name in names)
        aliases = self.aliases.setdefault(column, {})
        if active:
            self.targets.setdefault(column, []).append((target, label))
            for name in names:
                aliases.setdefault(name, target)

    def matches(self, column: str, value: str) -> bool:
        """Whether ``value`` names a term of ``column`` exactly (ignoring case)."""
        folded = value.strip().casefold()
        if folded in self.exact.get(column, ()):
            return True
        if column == "uitvoerder" and folded.startswith("gemeente ") and self.municipal_agency:
            return folded[len("gemeente ") :].strip() in self.exact.get("gemeente", ())
        return False

    def is_target(self, column: str, target: str) -> bool:
        return any(target == t for t, _label in self.targets.get(column, ()))

    def suggest(self, column: str, value: str) -> list[tuple[str, float]]:
        """The closest targets with a score of 0–100, best first."""
        aliases = self.aliases.get(column, {})
        if not aliases:
            return []
        scores: dict[str, float] = {}
        for query, weight in _queries(value):
            # The value itself may be part of a name (WRatio); a synonym must be a whole
            # name, near enough (ratio), or "bijstand" would suggest "Bijzondere bijstand".
            for alias, score, _index in process.extract(
                query,
                list(aliases),
                scorer=fuzz.WRatio if weight == 1.0 else fuzz.ratio,
                processor=utils.default_process,
                limit=SUGGESTIONS * 3,
                score_cutoff=MIN_SCORE,
            ):
                target = aliases[alias]
                scores[target] = max(scores.get(target, 0.0), score * weight)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [(target, round(score, 1)) for target, score in ranked[:SUGGESTIONS]]


def _synonym_groups() -> list[Sequence[str]]:
    return [*shipped_groups(), *taxonomy.active_synonym_groups()]


def _queries(value: str) -> list[tuple[str, float]]:
    """``value`` itself, and the other members of every synonym group it is in."""
    folded = value.strip().casefold()
    queries = [(value, 1.0)]
    for group in _synonym_groups():
        if any(member.casefold() == folded for member in group):
            queries.extend(
                (member, SYNONYM_DISCOUNT) for member in group if member.casefold() != folded
            )
    return queries


def clear_winner(suggestions: Sequence[tuple[str, float]]) -> str | None:
    """The suggestion to pre-select, when one stands out; ``None`` when it is a close race."""
    if not suggestions or suggestions[0][1] < CLEAR_SCORE:
        return None
    if len(suggestions) > 1 and suggestions[0][1] - suggestions[1][1] < CLEAR_LEAD:
        return None
    return suggestions[0][0]


@dataclass
class UnknownValue:
    """A spreadsheet value that names nothing exactly, with what it may mean."""

    column: str
    value: str  # as first seen in the file
    rows: int  # how many rows have it
    suggestions: list[tuple[str, float]]
    preselected: str | None
    labels: dict[str, str] = field(default_factory=dict)  # target -> label

    @property
    def key(self) -> Key:
        return key(self.column, self.value)


def collect_values(
    header: Sequence[str], rows: Iterable[Sequence[str]], mapping: Mapping[str, str]
) -> dict[Key, tuple[str, int]]:
    """Every distinct value of the mapped list columns: key -> (first spelling, row count)."""
    position = {
        column: header.index(name)
        for column, name in mapping.items()
        if column in COLUMNS and name in header
    }
    found: dict[Key, tuple[str, int]] = {}
    for row in rows:
        for column, index in position.items():
            cell = row[index] if index < len(row) else ""
            for value in split(column, cell):
                k = key(column, value)
                first, count = found.get(k, (value, 0))
                found[k] = (first, count + 1)
    return found


def remembered(organisation_id: int) -> dict[Key, str]:
    """The value mappings this organisation chose before."""
    query = select(ImportValueMapping).where(ImportValueMapping.organisation_id == organisation_id)
    return {(m.column, m.source): m.target for m in db.session.scalars(query)}


@dataclass
class Reconciliation:
    """What is known about the distinct values of one file."""

    applied: dict[Key, str]  # remembered mappings that this file uses
    unknown: list[UnknownValue]  # values still to decide, in column order

    def value_map(self, extra: Mapping[Key, str] | None = None) -> dict[Key, str]:
        return {**self.applied, **(extra or {})}


def reconcile(
    values: Mapping[Key, tuple[str, int]],
    organisation_id: int | None,
    vocabulary: Vocabulary | None = None,
) -> Reconciliation:
    """Split the file's values into exact matches (dropped), remembered ones and unknown ones."""
    vocabulary = vocabulary or Vocabulary.load()
    memory = remembered(organisation_id) if organisation_id is not None else {}
    applied: dict[Key, str] = {}
    unknown: list[UnknownValue] = []
    for (column, folded), (value, count) in values.items():
        if vocabulary.matches(column, value):
            continue
        target = memory.get((column, folded))
        if target is not None and (not target or vocabulary.matches(column, target)):
            applied[(column, folded)] = target
            continue
        suggestions = vocabulary.suggest(column, value)
        labels = dict(vocabulary.targets.get(column, ()))
        unknown.append(
            UnknownValue(column, value, count, suggestions, clear_winner(suggestions), labels)
        )
    order = {column: i for i, column in enumerate(COLUMNS)}
    unknown.sort(key=lambda u: (order[u.column], -u.rows, u.value.casefold()))
    return Reconciliation(applied, unknown)


def remember(organisation_id: int, decisions: Mapping[Key, str]) -> int:
    """Store (or change) the organisation's mappings, without committing. A value in which
    the privacy guard finds personal data is used for this import but not remembered."""
    stored = 0
    existing = {
        (m.column, m.source): m
        for m in db.session.scalars(
            select(ImportValueMapping).where(ImportValueMapping.organisation_id == organisation_id)
        )
    }
    for (column, source), target in decisions.items():
        if len(source) > VALUE_MAPPING_MAX_LENGTH or find_personal_data(source):
            continue
        mapping = existing.get((column, source))
        if mapping is None:
            db.session.add(
                ImportValueMapping(
                    organisation_id=organisation_id, column=column, source=source, target=target
                )
            )
        else:
            mapping.target = target
        stored += 1
    db.session.flush()
    return stored


def add_term(column: str, value: str, actor) -> str:
    """Add ``value`` to the list of ``column`` (beheerder); returns the new target."""
    if column not in ADDABLE:
        raise ServiceError(_l("Aan deze lijst kunt u hier niets toevoegen."))
    term = taxonomy.save_term(column, name=value, actor=actor)
    return term.full_name if isinstance(term, Theme) else term.name
