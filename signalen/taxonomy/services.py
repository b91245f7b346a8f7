"""Reading and maintaining the vocabularies; loading the shipped seed data."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from signalen.audit import services as audit
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.privacy.services import contains_personal_data
from signalen.taxonomy.models import (
    NAME_MAX_LENGTH,
    SYNONYMS_MAX_LENGTH,
    Agency,
    Municipality,
    Scheme,
    SynonymGroup,
    Theme,
)

DATA = Path(__file__).parent / "data"
MODELS = {"thema": Theme, "regeling": Scheme, "uitvoerder": Agency, "gemeente": Municipality}


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def seed_taxonomies() -> dict[str, int]:
    """Load the shipped themes, schemes, agencies and gemeenten; existing names are kept.

    Returns how many rows of each kind were added. Safe to run again after an update.
    """

    def insert_new(model, rows: list[dict[str, str]]) -> int:
        if rows:
            db.session.execute(insert(model), rows)
        return len(rows)

    codes = set(db.session.scalars(select(Municipality.code)))
    schemes = set(db.session.scalars(select(Scheme.name)))
    agencies = set(db.session.scalars(select(Agency.name)))
    added = {
        "gemeente": insert_new(
            Municipality,
            [
                {"code": row["code"], "name": row["naam"], "province": row["provincie"]}
                for row in _read("gemeenten.csv")
                if row["code"] not in codes
            ],
        ),
        "regeling": insert_new(
            Scheme,
            [
                {
                    "name": row["naam"],
                    "short_name": row["afkorting"],
                    "description": row["omschrijving"],
                }
                for row in _read("regelingen.csv")
                if row["naam"] not in schemes
            ],
        ),
        "uitvoerder": insert_new(
            Agency,
            [
                {"name": row["naam"], "kind": row["soort"], "description": row["omschrijving"]}
                for row in _read("uitvoerders.csv")
                if row["naam"] not in agencies
            ],
        ),
    }
    rows = _read("themas.csv")
    # A main theme's description is on its row without a sub-theme.
    described = {r["hoofdthema"]: r["omschrijving"] for r in rows if not r["thema"]}
    mains = {
        name: (number, description)
        for number, name, description in db.session.execute(
            select(Theme.id, Theme.name, Theme.description).where(Theme.parent_id.is_(None))
        )
    }
    new_mains = list(dict.fromkeys(r["hoofdthema"] for r in rows if r["hoofdthema"] not in mains))
    added["thema"] = insert_new(
        Theme,
        [
            {"name": name, "parent_id": None, "description": described.get(name, "")}
            for name in new_mains
        ],
    )
    for name, (number, description) in mains.items():
        if not description and described.get(name):
            db.session.execute(
                update(Theme).where(Theme.id == number).values(description=described[name])
            )
    main_ids = {
        name: number
        for number, name in db.session.execute(
            select(Theme.id, Theme.name).where(Theme.parent_id.is_(None))
        )
    }
    subs = set(
        db.session.execute(select(Theme.parent_id, Theme.name).where(Theme.parent_id.is_not(None)))
    )
    new_subs: dict[tuple[int, str], dict] = {}
    for row in rows:
        parent = main_ids[row["hoofdthema"]]
        if row["thema"] and (parent, row["thema"]) not in subs:
            new_subs.setdefault(
                (parent, row["thema"]),
                {"name": row["thema"], "parent_id": parent, "description": row["omschrijving"]},
            )
    added["thema"] += insert_new(Theme, list(new_subs.values()))
    db.session.commit()
    return added


def main_themes(include_inactive: bool = False) -> Sequence[Theme]:
    """Main themes with their sub-themes loaded, by name."""
    query = select(Theme).where(Theme.parent_id.is_(None)).order_by(Theme.name)
    if not include_inactive:
        query = query.where(Theme.active.is_(True))
    return db.session.scalars(query).all()


def theme_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a select: [(main theme, [(id, name), …]), …]."""
    groups = []
    for main in main_themes():
        options = [(str(main.id), str(_l("%(name)s (algemeen)", name=main.name)))]
        options += [(str(sub.id), sub.name) for sub in main.children if sub.active]
        groups.append((main.name, options))
    return groups


def active(model) -> Sequence:
    """The active rows of a vocabulary, by name."""
    return db.session.scalars(
        select(model).where(model.active.is_(True)).order_by(func.lower(model.name))
    ).all()


def by_ids(model, ids: Iterable[int]) -> list:
    ids = [i for i in ids if i]
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids))))


@dataclass
class NameIndex:
    """Case-insensitive lookup of vocabulary rows by name (for CSV import and the API)."""

    themes: dict[str, Theme]
    schemes: dict[str, Scheme]
    agencies: dict[str, Agency]
    municipalities: dict[str, Municipality]

    @classmethod
    def load(cls) -> NameIndex:
        themes: dict[str, Theme] = {}
        for theme in db.session.scalars(select(Theme)):
            themes.setdefault(theme.name.casefold(), theme)
            themes[theme.full_name.casefold()] = theme
            if theme.parent is not None:
                themes[f"{theme.parent.name}/{theme.name}".casefold()] = theme
        schemes: dict[str, Scheme] = {}
        for scheme in db.session.scalars(select(Scheme)):
            schemes[scheme.name.casefold()] = scheme
            if scheme.short_name:
                schemes.setdefault(scheme.short_name.casefold(), scheme)
        return cls(
            themes=themes,
            schemes=schemes,
            agencies={a.name.casefold(): a for a in db.session.scalars(select(Agency))},
            municipalities={m.name.casefold(): m for m in db.session.scalars(select(Municipality))},
        )

    def agency(self, name: str) -> tuple[Agency | None, Municipality | None]:
        """Find an agency; "Gemeente Utrecht" gives the municipal agency plus Utrecht."""
        key = name.strip().casefold()
        if key in self.agencies:
            return self.agencies[key], None
        prefix = "gemeente "
        if key.startswith(prefix):
            municipal = self.agencies.get("gemeente") or next(
                (a for a in self.agencies.values() if a.is_municipal), None
            )
            municipality = self.municipalities.get(key[len(prefix) :].strip())
            if municipal is not None and municipality is not None:
                return municipal, municipality
        return None, None


# Beheer: add, rename and (de)activate -----------------------------------------------------


def clean_name(name: str) -> str:
    return clean_line(name, max_length=NAME_MAX_LENGTH)


def _check_unique(model, name: str, exclude_id: int | None, **scope) -> None:
    query = select(model.id).where(func.lower(model.name) == name.lower())
    for column, value in scope.items():
        query = query.where(
            getattr(model, column) == value if value else getattr(model, column).is_(None)
        )
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(_l("Deze naam bestaat al."), field="name")


def save_term(kind: str, term=None, *, name: str, active: bool = True, actor=None, **fields):
    """Create or update a vocabulary term of ``kind`` (thema, regeling, uitvoerder, gemeente)."""
    model = MODELS[kind]
    name = clean_name(name)
    scope = {"parent_id": fields.get("parent_id")} if model is Theme else {}
    _check_unique(model, name, getattr(term, "id", None), **scope)
    if model is Municipality and fields.get("code"):
        clash = db.session.scalar(
            select(Municipality.id).where(Municipality.code == fields["code"])
        )
        if clash is not None and clash != getattr(term, "id", None):
            raise ServiceError(_l("Deze code bestaat al."), field="code")
    if term is None:
        term = model(name=name, active=active, **fields)
        db.session.add(term)
        db.session.flush()
        audit.record(
            "taxonomy.create",
            term,
            actor=actor,
            object_type=model.__tablename__,
            changes={"name": [None, name]},
        )
    else:
        changes = audit.changed_fields(term, {"name": name, "active": active, **fields})
        if changes:
            audit.record(
                "taxonomy.update",
                term,
                actor=actor,
                object_type=model.__tablename__,
                changes=changes,
            )
    db.session.commit()
    return term


def synonym_groups() -> Sequence[SynonymGroup]:
    """Every synonym group a beheerder added, in the order they were added."""
    return db.session.scalars(select(SynonymGroup).order_by(SynonymGroup.id)).all()


def active_synonym_groups() -> list[list[str]]:
    """The members of the active synonym groups (for the search service)."""
    groups = db.session.scalars(select(SynonymGroup).where(SynonymGroup.active.is_(True)))
    return [group.members for group in groups]


def clean_synonyms(text: str) -> str:
    """The members of a synonym group as one comma-separated line: whitespace collapsed,
    doubles removed. Raises ServiceError with fewer than two members, when too long, or when
    it holds personal data."""
    members = [" ".join(member.split()) for member in (text or "").replace("\x00", "").split(",")]
    unique = list(dict.fromkeys(member for member in members if member))
    if len({member.casefold() for member in unique}) < 2:
        raise ServiceError(
            _l("Vul minstens twee woorden in, met een komma ertussen."), field="terms"
        )
    terms = ", ".join(unique)
    if len(terms) > SYNONYMS_MAX_LENGTH:
        raise ServiceError(
            _l("Dit is te lang. Gebruik hoogstens %(max)d tekens.", max=SYNONYMS_MAX_LENGTH),
            field="terms",
        )
    if contains_personal_data(terms):
        raise ServiceError(_l("Hier staan persoonsgegevens in. Haal die weg."), field="terms")
    return terms


def save_synonym_group(
    group: SynonymGroup | None, *, terms: str, active: bool = True, actor=None
) -> SynonymGroup:
    """Create or update a synonym group (logged); the search uses it from the next query."""
    from signalen.search import services as search

    terms = clean_synonyms(terms)
    if group is None:
        group = SynonymGroup(terms=terms, active=active)
        db.session.add(group)
        db.session.flush()
        audit.record(
            "taxonomy.synonyms_create",
            group,
            actor=actor,
            object_label=terms,
            changes={"terms": [None, terms], "active": [None, active]},
        )
    else:
        changes = audit.changed_fields(group, {"terms": terms, "active": active})
        if changes:
            audit.record(
                "taxonomy.synonyms_update", group, actor=actor, object_label=terms, changes=changes
            )
    db.session.commit()
    search.synonyms_changed()
    return group
