"""API tokens, the principal a token acts as, and the signal work behind /api/v1.

A token belongs to one organisation and acts with the rights of a volunteer (scope
``write``) or a lezer (scope ``read``) of that organisation: the visibility rules are those
of :mod:`signalen.signals.access`, exactly as on the site, and lists, counts and similar
knelpunten come from the same services as /zoeken and the intake form. Only the SHA-256 of
a token is stored; the token itself is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update

from signalen.api.models import TOKEN_NAME_MAX_LENGTH, ApiToken, Scope
from signalen.api.schemas import page_of
from signalen.audit import services as audit
from signalen.auth.models import Role, User
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.infobank import services as infobank
from signalen.infobank.filters import SearchFilters
from signalen.organisations.models import MemberOrganisation
from signalen.privacy.services import Finding, check_fields
from signalen.signals import access, importing
from signalen.signals import services as signals
from signalen.signals.models import Channel, Signal
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

TOKEN_PREFIX = "sig_"  # noqa: S105 (a prefix, not a secret)
SHOWN_PREFIX_LENGTH = 10
# last_used_at is written at most this often per token (no write on every read).
LAST_USED_RESOLUTION = timedelta(minutes=1)
SIMILAR_LIMIT = 5
SIGNAL_KIND = "knelpunt"  # the informatiebank's "soort" facet value for signals

FIELD_COLUMNS = {"title": "titel", "description": "omschrijving"}

AUDIT_ACTIONS = {
    "api_token.create": _l("API-sleutel gemaakt"),
    "api_token.revoke": _l("API-sleutel ingetrokken"),
}


# Tokens ----------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256.

    A token holds 256 random bits, so a fast unsalted hash is safe (nothing to guess or
    precompute) and lets every request find its token with one indexed lookup; a slow
    password hash would cost more than the request itself.
    """
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
    organisation: MemberOrganisation | None,
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
    db.session.flush()  # the audit entry names the token by its id
    changes = {"scope": [None, scope.value], "name": [None, name]}
    audit.record("api_token.create", row, actor=actor, changes=changes)
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


def _record_use(row: ApiToken) -> None:
    """Keep when the token was last used, writing at most once per LAST_USED_RESOLUTION
    (one conditional UPDATE, so parallel requests never write twice)."""
    now = utcnow()
    if row.last_used_at is not None and now - row.last_used_at <= LAST_USED_RESOLUTION:
        return
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == row.id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def authenticate(token: str, scopes: Sequence[Scope] = API_SCOPES) -> ApiPrincipal | None:
    """The principal for a token with one of ``scopes``, or None when it is unknown, revoked,
    of another scope or its organisation is switched off. Records when the token was last
    used (at most once a minute)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None:
        return None
    if row.revoked_at is not None or not row.organisation.active or row.scope not in scopes:
        return None
    _record_use(row)
    return ApiPrincipal(
        token_id=row.id,
        organisation_id=row.organisation_id,
        scope=row.scope,
        name=f"API: {row.name}"[:254],
    )


# Signals ---------------------------------------------------------------------------------


def signal_json(signal: Signal) -> dict[str, Any]:
    """A signal with the CSV column names as keys (``thema`` and ``regeling`` as lists),
    plus id, status, organisatie, aangemaakt, bijgewerkt and samengevoegd_met."""
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


def list_signals(
    filters: SearchFilters, principal: ApiPrincipal | None, per_page: int
) -> dict[str, Any]:
    """One page of the signals ``principal`` may see (None: what every visitor sees),
    searched, counted and faceted by the same service as /zoeken."""
    filters.values["soort"] = [SIGNAL_KIND]
    page = infobank.run_search(filters, principal, per_page=per_page)
    if page.result.error:
        raise ServiceError(page.result.error)
    facets = [
        {
            "naam": name,
            "titel": title,
            "waarden": [
                {"waarde": value, "label": label, "aantal": count}
                for value, label, count in entries
            ],
        }
        for name, title, entries in page.facets
        if name != "soort"
    ]
    return page_of(
        [signal_json(item.object) for item in page.items],
        page.result.total,
        filters.page,
        per_page,
        facetten=facets,
        suggestie=page.result.suggestion,
    )


@dataclass
class Checked:
    """A signal from the API after the column mapping, the checks and the privacy guard."""

    data: signals.SignalInput | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    similar: list[Signal] = field(default_factory=list)

    @property
    def redacted_kinds(self) -> list[str]:
        return sorted({finding["soort"] for finding in self.findings if finding["soort"]})


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
    """Check a JSON signal exactly as a row of the CSV import (same columns, names, rules
    and privacy guard); find the personal data (with spans into the texts as sent) and the
    known knelpunten that look the same (compared on the redacted text)."""
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
        checked.similar = signals.similar_signals(
            checked.data.title, checked.data.description, principal, limit=SIMILAR_LIMIT
        )
    return checked


def create_signal(checked: Checked, principal: ApiPrincipal) -> Signal:
    """Store a checked signal for the principal's organisation (history says "API: …")."""
    if not access.can_report(principal):
        raise ServiceError(_l("Deze sleutel mag alleen lezen."))
    if checked.data is None:
        raise ServiceError(_l("Het knelpunt is niet goedgekeurd."))
    return signals.create_signal(
        checked.data, principal, principal.organisation_id, prechecked=True
    )


def add_report(signal: Signal, principal: ApiPrincipal, values: Mapping[str, Any]) -> Signal:
    """ "Ook gemeld" through the API: the same service (and rules) as on the site."""
    signals.add_report(
        signal,
        principal,
        Channel(values.get("kanaal") or Channel.API.value),
        occurred_on=values.get("datum"),
        client_count=values.get("aantal_meldingen", 1),
    )
    return signal


def visible_signal(signal_id: int, principal: ApiPrincipal) -> Signal | None:
    return signals.visible_signal_or_none(signal_id, principal)


# Taxonomies ----------------------------------------------------------------------------


def active_terms() -> dict[str, list]:
    """The active themes (main themes first), schemes, agencies and gemeenten."""

    def active(model, *order):
        return db.session.scalars(select(model).where(model.active.is_(True)).order_by(*order))

    return {
        "thema": list(active(Theme, Theme.parent_id.is_not(None), Theme.id)),
        "regeling": list(active(Scheme, Scheme.name)),
        "uitvoerder": list(active(Agency, Agency.name)),
        "gemeente": list(active(Municipality, Municipality.name)),
    }
