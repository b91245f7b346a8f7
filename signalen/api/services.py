"""API tokens, the principal a token acts as, and the signal work behind /api/v1.

A token belongs to one organisation and acts with the rights of a volunteer (scope
``write``) or a lezer (scope ``read``) of that organisation: the visibility rules are those
of :mod:`signalen.signals.access`, exactly as on the site. Only the SHA-256 of a token is
stored; the token itself is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from signalen.api.models import TOKEN_NAME_MAX_LENGTH, ApiToken, Scope
from signalen.articles.models import Article
from signalen.audit import services as audit
from signalen.auth.models import Role, User
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.infobank.filters import SearchFilters
from signalen.infobank.services import facet_groups
from signalen.organisations.models import Organisation
from signalen.privacy.services import Finding, check_fields
from signalen.search import services as search
from signalen.signals import access, importing
from signalen.signals import services as signals
from signalen.signals.models import Channel, Signal
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

TOKEN_PREFIX = "sig_"  # noqa: S105 (a prefix, not a secret)
SHOWN_PREFIX_LENGTH = 10
# last_used_at is written at most this often per token (no write on every read).
LAST_USED_RESOLUTION = timedelta(minutes=1)
SIMILAR_LIMIT = 5
MAX_PER_PAGE = 100

FIELD_COLUMNS = {"title": "titel", "description": "omschrijving"}

ACTIONS = {
    "api_token.create": _l("API-sleutel gemaakt"),
    "api_token.revoke": _l("API-sleutel ingetrokken"),
}
audit.ACTION_LABELS.update(ACTIONS)


# Tokens ----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 (tokens are long and random, so no salt)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def can_manage_tokens(user: User | None) -> bool:
    """Coordinators (own organisation) and beheerders (all) manage API tokens."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and (
            user.role is Role.ADMINISTRATOR
            or (user.role is Role.COORDINATOR and user.organisation_id)
        )
    )


def tokens_query(actor: User) -> Select:
    """The tokens ``actor`` may see: their organisation's, or all for a beheerder."""
    query = select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    if actor.role is not Role.ADMINISTRATOR:
        query = query.where(ApiToken.organisation_id == actor.organisation_id)
    return query


def create_token(
    organisation: Organisation | None,
    scope: Scope | str,
    name: str = "",
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the token text, which is never shown again."""
    if organisation is None:
        raise ServiceError(_l("Kies een organisatie."), field="organisation")
    if not organisation.active:
        raise ServiceError(_l("Deze organisatie is uitgeschakeld."), field="organisation")
    if actor is not None:
        if not can_manage_tokens(actor):
            raise ServiceError(_l("U mag geen API-sleutels maken."))
        if actor.role is not Role.ADMINISTRATOR and actor.organisation_id != organisation.id:
            raise ServiceError(
                _l("U kunt alleen sleutels voor uw eigen organisatie maken."), field="organisation"
            )
    try:
        scope = Scope(scope)
    except ValueError:
        raise ServiceError(_l("Kies lezen of lezen en melden."), field="scope") from None
    name = clean_line(
        name or f"API {organisation.name}",
        max_length=TOKEN_NAME_MAX_LENGTH,
        field="name",
        too_long_message=_l(
            "De naam mag hoogstens %(count)d tekens hebben.", count=TOKEN_NAME_MAX_LENGTH
        ),
    )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        organisation_id=organisation.id,
        name=name,
        scope=scope,
        token_hash=hash_token(token),
        prefix=token[:SHOWN_PREFIX_LENGTH],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.create",
        row,
        actor=actor,
        organisation_id=organisation.id,
        changes={"scope": [None, scope.value], "name": [None, name]},
    )
    db.session.commit()
    return row, token


def revoke_token(row: ApiToken, actor: User | None = None) -> bool:
    """Revoke a token at once; returns False when it was already revoked."""
    if actor is not None and not can_manage_token(actor, row):
        raise ServiceError(_l("U mag deze API-sleutel niet intrekken."))
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    audit.record("api_token.revoke", row, actor=actor, changes={"revoked": [False, True]})
    db.session.commit()
    return True


def can_manage_token(actor: User, row: ApiToken) -> bool:
    if not can_manage_tokens(actor):
        return False
    return actor.role is Role.ADMINISTRATOR or actor.organisation_id == row.organisation_id


@dataclass
class ApiPrincipal:
    """Who an API call acts as: the token's organisation, as a volunteer or a lezer (the
    widget key acts as a volunteer, but its form only creates intern signals and shows none).

    It has the attributes :mod:`signalen.signals.access` reads from a user, so the same
    visibility rules apply without a user row. ``id`` is None: nothing links to a user.
    """

    token_id: int
    organisation_id: int
    scope: Scope
    name: str
    id: None = None
    email: None = None
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    @property
    def role(self) -> Role:
        return Role.READER if self.scope is Scope.READ else Role.VOLUNTEER

    @property
    def can_write(self) -> bool:
        return self.scope is Scope.WRITE

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


API_SCOPES = (Scope.READ, Scope.WRITE)


def authenticate(token: str, scopes: Sequence[Scope] = API_SCOPES) -> ApiPrincipal | None:
    """The principal for a token with one of ``scopes``, or None when it is unknown, revoked,
    of another scope or its organisation is switched off. Records when the token was last
    used (at most once a minute)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.revoked_at is not None or not row.organisation.active or row.scope not in scopes:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        db.session.commit()
    return ApiPrincipal(
        token_id=row.id,
        organisation_id=row.organisation_id,
        scope=row.scope,
        name=f"API: {row.name}"[:254],
    )


# Signals ---------------------------------------------------------------------------------


def signal_json(signal: Signal) -> dict[str, Any]:
    """A signal with the CSV column names as keys, plus id, status, organisatie, aangemaakt."""
    return {
        "id": signal.id,
        "titel": signal.title,
        "omschrijving": signal.description,
        "datum": signal.occurred_on,
        "kanaal": signal.channel.value,
        "thema": [theme.full_name for theme in signal.themes],
        "regeling": [scheme.name for scheme in signal.schemes],
        "uitvoerder": signal.agency_label or None,
        "gemeente": signal.municipality.name if signal.municipality else None,
        "aantal_meldingen": signal.report_count,
        "impact": signal.impact.value,
        "zichtbaarheid": signal.visibility.value,
        "status": signal.status.value,
        "organisatie": signal.organisation.name,
        "aangemaakt": signal.created_at,
        "bijgewerkt": signal.updated_at,
        "samengevoegd_met": signal.merged_into_id,
    }


def similar_json(signal: Signal) -> dict[str, Any]:
    return {
        "id": signal.id,
        "titel": signal.title,
        "status": signal.status.value,
        "aantal_meldingen": signal.report_count,
    }


def list_signals(filters: SearchFilters, principal: ApiPrincipal, per_page: int) -> dict:
    """One page of the signals the principal may see, with the facets of /zoeken."""
    query = filters.to_query(per_page=per_page, kinds=["signal"])
    result = search.search(query, access.viewer_tokens(principal))
    if result.error:
        raise ServiceError(result.error)
    ids = [hit.id for hit in result.hits if hit.kind == "signal"]
    loaded = (
        {s.id: s for s in db.session.scalars(select(Signal).where(Signal.id.in_(ids)))}
        if ids
        else {}
    )
    items = [signal_json(loaded[i]) for i in ids if i in loaded]
    facets = [
        {
            "naam": name,
            "titel": title,
            "waarden": [
                {"waarde": value, "label": label, "aantal": count}
                for value, label, count in entries
            ],
        }
        for name, title, entries in facet_groups(result, filters)
        if name != "soort"
    ]
    return {
        "items": items,
        "totaal": result.total,
        "pagina": result.page,
        "per_pagina": per_page,
        "paginas": result.pages,
        "facetten": facets,
        "suggestie": result.suggestion,
    }


@dataclass
class Checked:
    """A signal from the API after the column mapping, the checks and the privacy guard."""

    data: signals.SignalInput | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    similar: list[Signal] = field(default_factory=list)

    @property
    def redacted_kinds(self) -> list[str]:
        return sorted({finding["soort"] for finding in self.findings})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def findings_json(found: Mapping[str, Sequence[Finding]]) -> list[dict[str, Any]]:
    """Personal data found per column: kind, Dutch label and [begin, eind) span."""
    return [
        {
            "veld": FIELD_COLUMNS.get(name, name),
            "soort": finding.kind,
            "omschrijving": finding.label,
            "begin": finding.start,
            "eind": finding.end,
        }
        for name, items in found.items()
        for finding in items
    ]


def check_signal(
    values: Mapping[str, Any], principal: ApiPrincipal, *, find_similar: bool = True
) -> Checked:
    """Map and check a JSON signal exactly as a CSV row (same columns, same rules), find
    personal data (with spans into the texts as sent) and similar known knelpunten."""
    values = dict(values)
    values.setdefault("kanaal", Channel.API.value)
    header = list(importing.COLUMNS)
    row = [_cell(values.get(column)) for column in header]
    report = importing.check_rows(
        header, [row], importing.guess_mapping(header), redact_personal_data=True
    )
    checked = Checked()
    for problem in report.problems:
        checked.problems.setdefault(problem.column, []).append(problem.message)
    checked.findings = findings_json(
        check_fields(
            {"title": str(values.get("titel") or ""), "description": values.get("omschrijving")}
        )
    )
    if not checked.findings and report.personal_data:
        # Found only after cleaning (control characters): no span to point at.
        checked.findings = [
            {"veld": p.column, "soort": "", "omschrijving": p.message, "begin": 0, "eind": 0}
            for p in report.personal_data
        ]
    if checked.problems:
        return checked
    checked.data = report.inputs[0]
    if find_similar:
        checked.similar = similar_signals(checked.data.title, checked.data.description, principal)
    return checked


def similar_signals(title: str, description: str, principal: ApiPrincipal) -> list[Signal]:
    """Known knelpunten that look like this text, visible to the principal."""
    text = f"{title}\n{description}".strip()
    if len(text) < 8:
        return []
    hits = search.similar(
        text, access.viewer_tokens(principal), kinds=("signal",), limit=SIMILAR_LIMIT
    )
    ids = [hit.id for hit in hits]
    if not ids:
        return []
    found = {s.id: s for s in db.session.scalars(select(Signal).where(Signal.id.in_(ids)))}
    return [found[i] for i in ids if i in found and access.can_view(principal, found[i])]


def create_signal(checked: Checked, principal: ApiPrincipal) -> Signal:
    """Store a checked signal for the principal's organisation (history says "API: …")."""
    if not access.can_report(principal):
        raise ServiceError(_l("Deze sleutel mag alleen lezen."))
    if checked.data is None:
        raise ServiceError(_l("Het knelpunt is niet goedgekeurd."))
    return signals.create_signal(
        checked.data, principal, principal.organisation_id, prechecked=True
    )


def visible_signal(signal_id: int, principal: ApiPrincipal) -> Signal | None:
    return signals.visible_signal_or_none(signal_id, principal)


# Taxonomies and articles ---------------------------------------------------------------


def taxonomies_json() -> dict[str, list[dict[str, Any]]]:
    """Every theme, scheme, agency and gemeente, with ids and names, active ones only."""
    themes = db.session.scalars(
        select(Theme).where(Theme.active.is_(True)).order_by(Theme.parent_id.is_not(None), Theme.id)
    ).all()
    return {
        "thema": [
            {
                "id": t.id,
                "naam": t.name,
                "volledige_naam": t.full_name,
                "hoofdthema": t.parent_id,
                "omschrijving": t.description or "",
            }
            for t in themes
        ],
        "regeling": [
            {
                "id": s.id,
                "naam": s.name,
                "afkorting": s.short_name or "",
                "omschrijving": s.description or "",
            }
            for s in db.session.scalars(
                select(Scheme).where(Scheme.active.is_(True)).order_by(Scheme.name)
            )
        ],
        "uitvoerder": [
            {"id": a.id, "naam": a.name, "soort": a.kind, "omschrijving": a.description or ""}
            for a in db.session.scalars(
                select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)
            )
        ],
        "gemeente": [
            {"id": m.id, "naam": m.name, "code": m.code, "provincie": m.province}
            for m in db.session.scalars(
                select(Municipality)
                .where(Municipality.active.is_(True))
                .order_by(Municipality.name)
            )
        ],
    }


def article_json(article: Article, full: bool = True) -> dict[str, Any]:
    data = {
        "id": article.id,
        "titel": article.title,
        "thema": [theme.full_name for theme in article.themes],
        "zichtbaarheid": article.visibility.value,
        "gepubliceerd": article.published,
        "organisatie": article.organisation.name,
        "aangemaakt": article.created_at,
        "bijgewerkt": article.updated_at,
    }
    if full:
        data["tekst"] = article.body
    return data
