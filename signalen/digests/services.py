"""Digests: draft, publish, correct and delete; the published list and versions.

The figures (:mod:`~signalen.digests.figures`) are stored in the digest as JSON. Publishing
freezes them: a published digest never changes; a correction is a new version
(``supersedes_id``) with a change note. Periods are in :mod:`~signalen.digests.periods`,
who may do what in :mod:`~signalen.digests.access`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from blinker import Namespace
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.audit.services import record
from signalen.auth.models import Role, User
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import clean_line, clean_text
from signalen.digests.access import is_editor, require_editor
from signalen.digests.figures import compute_figures, scrub_private_text
from signalen.digests.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, Digest, DigestStatus
from signalen.digests.periods import Period, last_complete_period, period_title
from signalen.extensions import db
from signalen.privacy.services import check_fields

AUDIT_ACTIONS = {
    "digest.create": _l("Rapportage gemaakt"),
    "digest.publish": _l("Rapportage gepubliceerd"),
    "digest.correct": _l("Correctie van een rapportage gemaakt"),
    "digest.delete": _l("Concept-rapportage verwijderd"),
}


# The sections of a digest, in order; each can have a coordinator's remark.
SECTIONS: dict[str, Any] = {
    "totals": _l("Nieuwe knelpunten"),
    "themes": _l("Per thema"),
    "agencies": _l("Per uitvoerder"),
    "schemes": _l("Per regeling"),
    "municipalities": _l("Per gemeente"),
    "top": _l("Meest gemelde knelpunten"),
    "followup": _l("Wat er gebeurde met eerder besproken knelpunten"),
    "referrals": _l("Doorverwijzingen"),
}
BREAKDOWNS = ("themes", "agencies", "schemes", "municipalities")

# Sent in the publishing transaction (sender: the digest).
published = Namespace().signal("digest-published")


def _superseded_ids():
    return select(Digest.supersedes_id).where(
        Digest.status == DigestStatus.PUBLISHED, Digest.supersedes_id.is_not(None)
    )


def published_digests(include_superseded: bool = False) -> list[Digest]:
    """Published digests, newest first; a corrected version is left out unless asked for."""
    query = select(Digest).where(Digest.status == DigestStatus.PUBLISHED)
    if not include_superseded:
        query = query.where(Digest.id.not_in(_superseded_ids()))
    return list(db.session.scalars(query.order_by(Digest.published_at.desc(), Digest.id.desc())))


def draft_digests(user: User | None) -> list[Digest]:
    """The drafts ``user`` may see and edit, newest first."""
    if not is_editor(user):
        return []
    query = select(Digest).where(Digest.status == DigestStatus.DRAFT)
    if user.role is not Role.ADMINISTRATOR:
        query = query.where(
            (Digest.organisation_id == user.organisation_id) | Digest.organisation_id.is_(None)
        )
    return list(db.session.scalars(query.order_by(Digest.created_at.desc(), Digest.id.desc())))


def superseded_by(digest: Digest) -> Digest | None:
    """The published correction that replaces ``digest``, if any."""
    return db.session.scalar(
        select(Digest)
        .where(Digest.supersedes_id == digest.id, Digest.status == DigestStatus.PUBLISHED)
        .order_by(Digest.id.desc())
        .limit(1)
    )


def first_version(digest: Digest) -> Digest:
    """The first version of ``digest``: the one its corrections (if any) descend from."""
    while digest.supersedes is not None:
        digest = digest.supersedes
    return digest


def digest_summary_text(digest: Digest) -> str:
    """A plain-text summary for a feed entry (no HTML, only public text)."""
    figures = digest.figures or {}
    totals = figures.get("totals", {})
    parts = [
        _(
            "Periode: %(start)s t/m %(end)s.",
            start=format_date(digest.period_start, "d MMMM yyyy"),
            end=format_date(digest.period_end, "d MMMM yyyy"),
        ),
        _(
            "%(signals)d nieuwe knelpunten (vorige periode: %(previous)d), "
            "samen %(clients)d keer gemeld.",
            signals=totals.get("signals", 0),
            previous=totals.get("previous_signals", 0),
            clients=totals.get("clients", 0),
        ),
    ]
    themes = [row for row in figures.get("themes", []) if not row.get("other") and row["count"]]
    if themes:
        listed = ", ".join(f"{row['label']} ({row['count']})" for row in themes[:3])
        parts.append(_("Meeste knelpunten over: %(themes)s.", themes=listed))
    if digest.is_correction and digest.change_note:
        parts.append(
            _(
                "Correctie (versie %(version)d): %(note)s",
                version=digest.version,
                note=digest.change_note,
            )
        )
    if digest.introduction:
        intro = " ".join(digest.introduction.split())
        parts.append(intro if len(intro) <= 600 else intro[:597].rstrip() + "…")
    return " ".join(parts)


def _clean_text(value: str | None, field: str) -> str:
    text = clean_text(value)
    if len(text) > TEXT_MAX_LENGTH:
        raise ServiceError(
            _l("Deze tekst mag hoogstens %(count)d tekens hebben.", count=TEXT_MAX_LENGTH),
            field=field,
        )
    if check_fields({field: text}):
        raise ServiceError(
            _l("Deze tekst bevat persoonsgegevens. Haal ze weg."),
            field=field,
        )
    return text


def create_digest(
    period: Period, user: User | None, title: str | None = None, *, commit: bool = True
) -> Digest:
    """A new draft digest for ``period`` with freshly computed figures.

    ``user`` None is the command line (cron): the draft then belongs to no organisation.
    """
    if user is not None:
        require_editor(user)
    title = clean_line(
        title or _("Signaleringsrapportage %(period)s", period=period_title(period)),
        max_length=TITLE_MAX_LENGTH,
        field="title",
        empty_message=_l("Geef de rapportage een titel."),
    )
    if check_fields({"title": title}):
        raise ServiceError(_l("Deze tekst bevat persoonsgegevens. Haal ze weg."), field="title")
    digest = Digest(
        version=1,
        status=DigestStatus.DRAFT,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        title=title,
        introduction="",
        remarks={},
        figures=compute_figures(period),
        computed_at=utcnow(),
        organisation_id=getattr(user, "organisation_id", None),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(digest)
    db.session.flush()
    record("digest.create", digest, actor=user, object_label=title)
    if commit:
        db.session.commit()
    return digest


def update_draft(
    digest: Digest,
    user: User,
    *,
    title: str,
    introduction: str,
    remarks: dict[str, str],
    change_note: str = "",
) -> None:
    """Save the coordinator's texts on a draft (introduction, remarks per section)."""
    require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Een gepubliceerde rapportage verandert niet meer."))
    digest.title = clean_line(
        title,
        max_length=TITLE_MAX_LENGTH,
        field="title",
        empty_message=_l("Geef de rapportage een titel."),
    )
    if check_fields({"title": digest.title}):
        raise ServiceError(_l("Deze tekst bevat persoonsgegevens. Haal ze weg."), field="title")
    digest.introduction = _clean_text(introduction, "introduction")
    cleaned = {}
    for key in SECTIONS:
        text = _clean_text(remarks.get(key, ""), f"remark_{key}")
        if text:
            cleaned[key] = text
    digest.remarks = cleaned
    digest.change_note = _clean_text(change_note, "change_note")
    db.session.commit()


def refresh_figures(digest: Digest, user: User | None) -> None:
    """Compute a draft's figures again from the current data."""
    if user is not None:
        require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Een gepubliceerde rapportage verandert niet meer."))
    period = Period(digest.period_start, digest.period_end, digest.period_label)
    digest.figures = compute_figures(period)
    digest.computed_at = utcnow()
    db.session.commit()


def publish(digest: Digest, user: User | None) -> Digest:
    """Publish a draft: its figures and texts are frozen from now on.

    A correction needs a change note and replaces the version it supersedes.
    """
    if user is not None:
        require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Deze rapportage is al gepubliceerd."))
    if digest.is_correction:
        if not digest.change_note.strip():
            raise ServiceError(
                _l("Schrijf bij een correctie wat er is veranderd."), field="change_note"
            )
        old = db.session.get(Digest, digest.supersedes_id)
        if old is None or superseded_by(old) is not None:
            raise ServiceError(_l("Er is al een nieuwere versie van deze rapportage."))
    digest.figures = scrub_private_text(digest.figures or {})
    digest.status = DigestStatus.PUBLISHED
    digest.published_at = utcnow()
    digest.published_by_id = getattr(user, "id", None)
    record("digest.publish", digest, actor=user)
    published.send(digest)  # subscribers are mailed after this commit; a rollback mails nothing
    db.session.commit()
    return digest


def create_correction(digest: Digest, user: User) -> Digest:
    """A new draft version of a published digest, with figures computed again."""
    require_editor(user, digest)
    if not digest.is_published:
        raise ServiceError(_l("Alleen een gepubliceerde rapportage kan worden gecorrigeerd."))
    if superseded_by(digest) is not None:
        raise ServiceError(_l("Er is al een nieuwere versie van deze rapportage."))
    existing = db.session.scalar(
        select(Digest).where(Digest.supersedes_id == digest.id, Digest.status == DigestStatus.DRAFT)
    )
    if existing is not None:
        return existing
    period = Period(digest.period_start, digest.period_end, digest.period_label)
    correction = Digest(
        version=digest.version + 1,
        status=DigestStatus.DRAFT,
        period_start=digest.period_start,
        period_end=digest.period_end,
        period_label=digest.period_label,
        title=digest.title,
        introduction=digest.introduction,
        remarks=dict(digest.remarks or {}),
        figures=compute_figures(period),
        computed_at=utcnow(),
        organisation_id=user.organisation_id or digest.organisation_id,
        created_by_id=user.id,
        supersedes_id=digest.id,
        change_note="",
    )
    db.session.add(correction)
    db.session.flush()
    record("digest.correct", correction, actor=user)
    db.session.commit()
    return correction


def delete_draft(digest: Digest, user: User) -> None:
    """Throw away a draft (published digests stay)."""
    require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Een gepubliceerde rapportage verandert niet meer."))
    record("digest.delete", digest, actor=user)
    db.session.delete(digest)
    db.session.commit()


def create_quarterly_draft(today: date) -> int | None:
    """The draft digest of the last whole quarter (as ``signalen digest create --last
    kwartaal``), unless one for that period exists; returns its id or None."""
    period = last_complete_period("kwartaal", today)
    exists = db.session.scalar(
        select(Digest.id).where(
            Digest.period_start == period.start, Digest.period_end == period.end
        )
    )
    if exists is not None:
        return None
    return create_digest(period, None).id
