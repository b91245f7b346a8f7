"""Signals: create (through the privacy guard), ook gemeld, edit, status, merge, bulk actions
(the life of one signal, each step writing its history event the same way).

Every change writes a :class:`SignalEvent` in the same transaction; the search index follows
through the outbox (:mod:`signalen.search.outbox`: after the commit with Whoosh, where failed
writes are caught up; inside the transaction with the PostgreSQL engine).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, insert, or_, select

from signalen.auth.models import User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import clean_line, clean_text, parse_id
from signalen.extensions import db
from signalen.privacy.services import Finding, check_fields, redact
from signalen.signals import access
from signalen.signals.models import (
    DESCRIPTION_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REPORT_NOTE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Channel,
    Impact,
    Signal,
    SignalEvent,
    SignalLink,
    SignalReport,
    Status,
    Visibility,
    signal_scheme,
    signal_theme,
)
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme
from signalen.taxonomy.services import by_ids

# Sent in the transaction of every status change (sender: the signal; old, new, actor).
status_changed = Namespace().signal("signal-status-changed")
MAX_REPORT_COUNT = 100_000
BULK_BATCH = 1000
EARLIEST_DATE = date(2000, 1, 1)

# Which status may follow which; opgelost and afgesloten need a reason, reopening is allowed.
TRANSITIONS: dict[Status, set[Status]] = {
    Status.NEW: {Status.IN_PROGRESS, Status.SCHEDULED, Status.RESOLVED, Status.CLOSED},
    Status.IN_PROGRESS: {Status.NEW, Status.SCHEDULED, Status.RESOLVED, Status.CLOSED},
    Status.SCHEDULED: {Status.IN_PROGRESS, Status.DISCUSSED, Status.RESOLVED, Status.CLOSED},
    Status.DISCUSSED: {Status.IN_PROGRESS, Status.SCHEDULED, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.IN_PROGRESS},
    Status.CLOSED: {Status.IN_PROGRESS},
}
NEEDS_REASON = {Status.RESOLVED, Status.CLOSED}
TEXT_FIELDS = ("title", "description")


@dataclass
class SignalInput:
    """The fields a volunteer, coordinator, CSV row or API call provides for a signal."""

    title: str
    description: str
    channel: Channel
    occurred_on: date | None = None
    theme_ids: list[int] = field(default_factory=list)
    scheme_ids: list[int] = field(default_factory=list)
    agency_id: int | None = None
    agency_municipality_id: int | None = None
    municipality_id: int | None = None
    report_count: int = 1
    impact: Impact = Impact.MEDIUM
    visibility: Visibility = Visibility.NETWORK

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}


class PersonalDataFound(ServiceError):
    """Free text contains personal data; nothing was stored."""

    def __init__(self, findings: dict[str, list[Finding]]) -> None:
        super().__init__(
            _l("De tekst bevat persoonsgegevens. Haal ze weg of kies de versie zonder.")
        )
        self.findings = findings


def clean_input(data: SignalInput, check_ids: bool = True) -> SignalInput:
    """Check lengths, dates, counts and that every taxonomy id exists; return a tidy copy.

    ``check_ids=False`` is for ids that were just looked up by name (the CSV import).
    """
    title = clean_line(
        clean_text(data.title),
        max_length=TITLE_MAX_LENGTH,
        field="title",
        empty_message=_l("Geef het knelpunt een korte titel."),
        too_long_message=_l(
            "De titel mag hoogstens %(count)d tekens hebben.", count=TITLE_MAX_LENGTH
        ),
    )
    description = clean_text(data.description)
    if not description:
        raise ServiceError(_l("Beschrijf het knelpunt."), field="description")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ServiceError(
            _l(
                "De omschrijving mag hoogstens %(count)d tekens hebben.",
                count=DESCRIPTION_MAX_LENGTH,
            ),
            field="description",
        )
    if data.occurred_on is not None:
        if data.occurred_on > local_today() + timedelta(days=1):
            raise ServiceError(_l("De datum ligt in de toekomst."), field="occurred_on")
        if data.occurred_on < EARLIEST_DATE:
            raise ServiceError(_l("De datum ligt te ver in het verleden."), field="occurred_on")
    if not 1 <= int(data.report_count) <= MAX_REPORT_COUNT:
        raise ServiceError(
            _l("Het aantal meldingen moet tussen 1 en %(max)d liggen.", max=MAX_REPORT_COUNT),
            field="report_count",
        )
    if check_ids:
        _check_ids(Theme, data.theme_ids, "theme_ids")
        _check_ids(Scheme, data.scheme_ids, "scheme_ids")
        _check_ids(Agency, [data.agency_id], "agency_id")
        _check_ids(
            Municipality, [data.municipality_id, data.agency_municipality_id], "municipality_id"
        )
    return dataclasses.replace(
        data,
        title=title,
        description=description,
        theme_ids=sorted(set(data.theme_ids)),
        scheme_ids=sorted(set(data.scheme_ids)),
    )


def _check_ids(model, ids: Iterable[int | None], field_name: str) -> None:
    wanted = {i for i in ids if i}
    if not wanted:
        return
    found = set(db.session.scalars(select(model.id).where(model.id.in_(wanted))))
    if found != wanted:
        raise ServiceError(_l("Kies een waarde uit de lijst."), field=field_name)


def find_personal_data(data: SignalInput) -> tuple[dict[str, list[Finding]], SignalInput]:
    """The personal data found in the free text of ``data``, and a copy with it redacted."""
    findings = check_fields(data.texts())
    if not findings:
        return findings, data
    redacted = {name: redact(getattr(data, name), found) for name, found in findings.items()}
    return findings, dataclasses.replace(data, **redacted)


def guard_privacy(data: SignalInput, accept_redaction: bool) -> SignalInput:
    """Raise :class:`PersonalDataFound`, or return the redacted copy when accepted."""
    findings, redacted = find_personal_data(data)
    if findings and not accept_redaction:
        raise PersonalDataFound(findings)
    return redacted


def _event_values(user: User | None, kind: str, **values) -> dict:
    """The columns of a history entry by ``user`` (or the system)."""
    return {
        "user_id": getattr(user, "id", None),
        "actor_label": getattr(user, "name", None) or "systeem",
        "organisation_id": getattr(user, "organisation_id", None),
        "kind": kind,
        **values,
    }


def _event(signal: Signal, user: User | None, kind: str, **values) -> SignalEvent:
    event = SignalEvent(signal=signal, **_event_values(user, kind, **values))
    db.session.add(event)
    return event


def record_event(signal: Signal, user: User | None, kind: str, **values) -> SignalEvent:
    """A history entry written by another feature (e.g. an answer from a notification);
    the caller commits."""
    return _event(signal, user, kind, **values)


def _columns(data: SignalInput) -> dict:
    """The signal columns that ``data`` sets directly (everything but themes and schemes)."""
    return {
        "title": data.title,
        "description": data.description,
        "occurred_on": data.occurred_on,
        "channel": data.channel,
        "impact": data.impact,
        "visibility": data.visibility,
        "agency_id": data.agency_id,
        "agency_municipality_id": data.agency_municipality_id,
        "municipality_id": data.municipality_id,
        "report_count": data.report_count,
    }


def _apply(signal: Signal, data: SignalInput) -> dict[str, list]:
    """Copy ``data`` onto ``signal``; return ``{field: [old, new]}`` for the history."""
    changes: dict[str, list] = {}
    for name, new in _columns(data).items():
        old = getattr(signal, name)
        if old != new:
            changes[name] = [_plain(old), _plain(new)]
            setattr(signal, name, new)
    for name, model, ids in (
        ("themes", Theme, data.theme_ids),
        ("schemes", Scheme, data.scheme_ids),
    ):
        old_ids = sorted(item.id for item in getattr(signal, name))
        if old_ids != sorted(ids):
            setattr(signal, name, by_ids(model, ids))
            changes[name] = [old_ids, sorted(ids)]
    return changes


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)


def create_signal(
    data: SignalInput,
    user: User | None,
    organisation_id: int,
    *,
    accept_redaction: bool = False,
    commit: bool = True,
    prechecked: bool = False,
) -> Signal:
    """Store a new signal after cleaning and the privacy guard; indexes it after commit.

    ``prechecked`` skips both for input that already went through them (the API checks
    first so it can answer with the findings).
    """
    if not prechecked:
        data = guard_privacy(clean_input(data), accept_redaction)
    signal = Signal(
        organisation_id=organisation_id,
        created_by_id=getattr(user, "id", None),
        status=Status.NEW,
    )
    _apply(signal, data)
    db.session.add(signal)
    _event(signal, user, "created", to_status=Status.NEW.value)
    if commit:
        db.session.commit()
        reindex([signal.id])
    return signal


def create_signals(
    inputs: Sequence[SignalInput],
    user: User | None,
    organisation_id: int,
    *,
    event_kind: str = "imported",
    progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Insert many checked signals at once (the CSV import) without committing.

    ``inputs`` must have been through :func:`clean_input` and :func:`guard_privacy`. Rows,
    theme and scheme links and history entries are written with a few multi-row INSERTs
    per batch instead of one ORM object each. Returns the new ids in input order; the
    caller commits and then indexes them (:func:`reindex`).
    """
    from signalen.search import outbox
    from signalen.signals.indexing import KIND

    ids: list[int] = []
    now = utcnow()
    for start in range(0, len(inputs), BULK_BATCH):
        batch = inputs[start : start + BULK_BATCH]
        rows = [
            {
                "organisation_id": organisation_id,
                "created_by_id": getattr(user, "id", None),
                "status": Status.NEW,
                **_columns(data),
                "created_at": now,
                "updated_at": now,
            }
            for data in batch
        ]
        new_ids = list(
            db.session.scalars(
                insert(Signal).returning(Signal.id, sort_by_parameter_order=True), rows
            )
        )
        themes = [
            {"signal_id": new_id, "theme_id": theme_id}
            for new_id, data in zip(new_ids, batch, strict=True)
            for theme_id in data.theme_ids
        ]
        schemes = [
            {"signal_id": new_id, "scheme_id": scheme_id}
            for new_id, data in zip(new_ids, batch, strict=True)
            for scheme_id in data.scheme_ids
        ]
        for table, links in ((signal_theme, themes), (signal_scheme, schemes)):
            if links:
                db.session.execute(insert(table), links)
        db.session.execute(
            insert(SignalEvent),
            [
                {
                    "signal_id": new_id,
                    "created_at": now,
                    "note": "",
                    "changes": {},
                    **_event_values(user, event_kind, to_status=Status.NEW.value),
                }
                for new_id in new_ids
            ],
        )
        outbox.record(KIND, new_ids)  # the ORM session hook does not see bulk inserts
        ids.extend(new_ids)
        if progress:
            progress(len(batch))
    return ids


def add_report(
    signal: Signal,
    user: User,
    channel: Channel,
    occurred_on: date | None = None,
    client_count: int = 1,
    note: str = "",
    *,
    accept_redaction: bool = False,
) -> SignalReport:
    """ "Ook gemeld": count another report of the same knelpunt instead of a duplicate.

    ``note`` keeps the reporter's own words on the existing signal; it passes the privacy
    guard like every free text (:class:`PersonalDataFound`, or redacted when accepted).
    """
    if not access.can_report(user) or not access.can_view(user, signal):
        raise ServiceError(_l("U kunt dit knelpunt niet als ook gemeld registreren."))
    if signal.merged_into_id:
        raise ServiceError(_l("Dit knelpunt is samengevoegd met een ander knelpunt."))
    if not 1 <= client_count <= MAX_REPORT_COUNT:
        raise ServiceError(
            _l("Het aantal meldingen moet tussen 1 en %(max)d liggen.", max=MAX_REPORT_COUNT),
            field="client_count",
        )
    if occurred_on is not None and occurred_on > local_today() + timedelta(days=1):
        raise ServiceError(_l("De datum ligt in de toekomst."), field="occurred_on")
    note = report_note(note, accept_redaction)
    organisation_id = user.organisation_id or signal.organisation_id
    report = SignalReport(
        signal=signal,
        organisation_id=organisation_id,
        user_id=user.id,
        channel=channel,
        occurred_on=occurred_on,
        client_count=client_count,
        note=note,
    )
    db.session.add(report)
    signal.report_count += client_count
    _event(
        signal,
        user,
        "also_reported",
        changes={"report_count": [signal.report_count - client_count, signal.report_count]},
        note=channel.label,
    )
    db.session.commit()
    reindex([signal.id])
    return report


def report_note(note: str, accept_redaction: bool = False) -> str:
    """The cleaned note of an "ook gemeld", through the privacy guard."""
    note = clean_text(note or "")
    if len(note) > REPORT_NOTE_MAX_LENGTH:
        raise ServiceError(_l("De toelichting is te lang."), field="note")
    findings = check_fields({"note": note})
    if findings and not accept_redaction:
        raise PersonalDataFound(findings)
    return redact(note, findings["note"]) if findings else note


def intake_note(data: SignalInput) -> str:
    """The volunteer's own words from the intake form, kept on an existing signal."""
    return "\n".join(part for part in (data.title.strip(), data.description.strip()) if part)


def _require_manager(user: User, signal: Signal) -> None:
    if not access.can_manage(user, signal):
        raise ServiceError(_l("Alleen een coördinator van deze organisatie kan dit wijzigen."))


def update_signal(
    signal: Signal, data: SignalInput, user: User, *, accept_redaction: bool = False
) -> dict[str, list]:
    """Edit and categorise a signal; new wording needs a new approval before it is public."""
    _require_manager(user, signal)
    data = guard_privacy(clean_input(data), accept_redaction)
    changes = _apply(signal, data)
    if signal.public_approved_at and (
        {"title", "description"} & changes.keys() or signal.visibility is not Visibility.PUBLIC
    ):
        signal.public_approved_at = None
        signal.public_approved_by_id = None
        changes["public_approved"] = [True, False]
    if changes:
        _event(signal, user, "edited", changes=changes)
        db.session.commit()
        reindex([signal.id])
    return changes


def approve_public(signal: Signal, user: User) -> None:
    """A coordinator approves the wording, so an openbaar signal may be published."""
    _require_manager(user, signal)
    if signal.visibility is not Visibility.PUBLIC:
        raise ServiceError(_l("Zet de zichtbaarheid eerst op openbaar."))
    if signal.public_approved_at is None:
        signal.public_approved_at = utcnow()
        signal.public_approved_by_id = user.id
        _event(signal, user, "approved")
        db.session.commit()
        reindex([signal.id])


def allowed_statuses(signal: Signal) -> list[Status]:
    return [status for status in Status if status in TRANSITIONS[signal.status]]


def change_status(signal: Signal, new: Status, user: User, reason: str = "") -> None:
    """Move a signal to another status, keeping who, when and why in the history."""
    _require_manager(user, signal)
    _set_status(signal, new, user, reason)
    db.session.commit()
    reindex([signal.id])


def _set_status(signal: Signal, new: Status, user: User | None, reason: str) -> None:
    reason = clean_text(reason)
    if new is signal.status:
        return
    if new not in TRANSITIONS[signal.status]:
        raise ServiceError(
            _l(
                "Van %(old)s naar %(new)s kan niet.",
                old=signal.status.label.lower(),
                new=new.label.lower(),
            ),
            field="status",
        )
    if new in NEEDS_REASON and not reason:
        raise ServiceError(_l("Geef een reden bij opgelost of afgesloten."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(_l("De reden is te lang."), field="reason")
    if check_fields({"reason": reason}):
        raise ServiceError(_l("De reden bevat persoonsgegevens. Haal ze weg."), field="reason")
    old = signal.status
    signal.status = new
    signal.close_reason = reason if new in NEEDS_REASON else None
    _event(signal, user, "status", from_status=old.value, to_status=new.value, note=reason)
    status_changed.send(signal, old=old, new=new, actor=user)


OTHER_ORGANISATION = _l(
    "Dit knelpunt is van een andere organisatie. Samenvoegen kan alleen binnen uw eigen "
    "organisatie; koppel het als 'ook gemeld bij'."
)
# How far a signal has come: a merge keeps the more advanced status of the two.
STATUS_ORDER = list(Status)


def check_merge(source: Signal, target: Signal | None, user: User) -> Signal:
    """Raise ServiceError unless ``user`` may merge ``source`` into ``target``; return target.

    Both must belong to the same organisation (a beheerder too): merging moves counts,
    reports, themes and the source's title into the target. Signals of two organisations
    are linked instead (:func:`link`).
    """
    _require_manager(user, source)
    if target is None or not access.can_view(user, target):
        raise ServiceError(_l("Dit knelpunt bestaat niet of u mag het niet zien."), field="target")
    if source.id == target.id:
        raise ServiceError(_l("Een knelpunt kan niet met zichzelf samengaan."), field="target")
    if source.merged_into_id or target.merged_into_id:
        raise ServiceError(_l("Dit knelpunt is al samengevoegd."), field="target")
    if target.organisation_id != source.organisation_id or not access.can_manage(user, target):
        raise ServiceError(OTHER_ORGANISATION, field="target")
    return target


def merge(source: Signal, target: Signal, user: User) -> Signal:
    """Merge ``source`` into ``target`` (same organisation): counts, reports, themes and
    history combine, and the target keeps the more advanced status of the two.

    The source stays (closed, pointing to the target) so its address redirects.
    """
    check_merge(source, target, user)
    if STATUS_ORDER.index(source.status) > STATUS_ORDER.index(target.status):
        _event(
            target,
            user,
            "status",
            from_status=target.status.value,
            to_status=source.status.value,
            note=source.close_reason or "",
        )
        target.status = source.status
        target.close_reason = source.close_reason
    target.report_count += source.report_count
    for report in list(source.reports):
        report.signal = target
    target.themes = list({t.id: t for t in [*target.themes, *source.themes]}.values())
    target.schemes = list({s.id: s for s in [*target.schemes, *source.schemes]}.values())
    source.merged_into_id = target.id
    old_status = source.status
    source.status = Status.CLOSED
    source.close_reason = f"Samengevoegd met #{target.id}"
    _event(
        source,
        user,
        "merged_away",
        from_status=old_status.value,
        to_status=Status.CLOSED.value,
        changes={"merged_into": [None, target.id]},
    )
    _event(
        target,
        user,
        "merged_in",
        changes={
            "merged_from": [None, source.id],
            "report_count": [target.report_count - source.report_count, target.report_count],
        },
        note=source.title,
    )
    db.session.commit()
    reindex([source.id, target.id])
    return target


def check_link(source: Signal, target: Signal | None, user: User) -> Signal:
    """Raise ServiceError unless ``user`` may link ``source`` to ``target``; return target."""
    _require_manager(user, source)
    if target is None or not access.can_view(user, target):
        raise ServiceError(_l("Dit knelpunt bestaat niet of u mag het niet zien."), field="target")
    if target.organisation_id == source.organisation_id:
        raise ServiceError(
            _l("Dit knelpunt is van dezelfde organisatie. Voeg het samen."), field="target"
        )
    if source.merged_into_id or target.merged_into_id:
        raise ServiceError(_l("Dit knelpunt is al samengevoegd."), field="target")
    low, high = sorted((source.id, target.id))
    exists = db.session.scalar(
        select(SignalLink.id).where(SignalLink.signal_id == low, SignalLink.linked_id == high)
    )
    if exists:
        raise ServiceError(_l("Deze knelpunten zijn al gekoppeld."), field="target")
    return target


def link(source: Signal, target: Signal, user: User) -> SignalLink:
    """ "Ook gemeld bij …": link ``source`` to a signal of another organisation.

    Nothing moves: no text, counts, reports or themes. Both histories note the link (by
    number only, so no intern title shows on the other organisation's signal).
    """
    check_link(source, target, user)
    low, high = sorted((source.id, target.id))
    signal_link = SignalLink(signal_id=low, linked_id=high, created_by_id=user.id)
    db.session.add(signal_link)
    _event(source, user, "linked", changes={"linked": [None, target.id]})
    _event(target, user, "linked", changes={"linked": [None, source.id]})
    db.session.commit()
    return signal_link


def linked_signals(signal: Signal) -> list[Signal]:
    """The signals of other organisations linked to ``signal`` ("ook gemeld bij …")."""
    rows = db.session.execute(
        select(SignalLink.signal_id, SignalLink.linked_id).where(
            (SignalLink.signal_id == signal.id) | (SignalLink.linked_id == signal.id)
        )
    ).all()
    ids = {a if b == signal.id else b for a, b in rows}
    if not ids:
        return []
    return list(db.session.scalars(select(Signal).where(Signal.id.in_(ids)).order_by(Signal.id)))


BULK_ACTIONS = ("status", "add_theme", "visibility")


def bulk_update(
    signals: Sequence[Signal], action: str, value: str, user: User, reason: str = ""
) -> int:
    """Apply one action to many signals in one transaction: all of them or none."""
    if action not in BULK_ACTIONS:
        raise ServiceError(_l("Kies een actie."), field="action")
    for signal in signals:
        _require_manager(user, signal)
        if action == "status":
            _set_status(signal, Status(value), user, reason)
        elif action == "add_theme":
            theme_id = parse_id(value)
            theme = db.session.get(Theme, theme_id) if theme_id else None
            if theme is None:
                raise ServiceError(_l("Kies een waarde uit de lijst."), field="value")
            if theme not in signal.themes:
                signal.themes.append(theme)
                _event(signal, user, "edited", changes={"themes": [None, theme.id]})
        else:
            visibility = Visibility(value)
            if signal.visibility is not visibility:
                _event(
                    signal,
                    user,
                    "edited",
                    changes={"visibility": [signal.visibility.value, visibility.value]},
                )
                signal.visibility = visibility
                if visibility is not Visibility.PUBLIC:
                    signal.public_approved_at = None
    db.session.commit()
    reindex([signal.id for signal in signals])
    return len(signals)


def my_signals_query(user: User) -> Select:
    """ "Mijn meldingen": the signals ``user`` registered or reported as "ook gemeld", newest
    first, as far as the user may still see them (merged ones lead to where they went)."""
    reported = select(SignalReport.signal_id).where(SignalReport.user_id == user.id)
    return (
        select(Signal)
        .where(or_(Signal.created_by_id == user.id, Signal.id.in_(reported)))
        .where(access.visible_clause(user))
        .order_by(Signal.created_at.desc(), Signal.id.desc())
    )


def visible_signal_or_none(signal_id: int, user: User | None) -> Signal | None:
    """The signal when it exists and ``user`` may see it."""
    signal = db.session.get(Signal, signal_id)
    if signal is None or not access.can_view(user, signal):
        return None
    return signal


def similar_signals(
    title: str, description: str, user: User | None, limit: int = 5, exclude: Iterable[int] = ()
) -> list[Signal]:
    """Known knelpunten that look like this draft and ``user`` may see, most alike first
    (the intake form and the API use this same check)."""
    from signalen.search import services as search

    text = f"{title}\n{description}".strip()
    if len(text) < 8:
        return []
    hits = search.similar(
        text,
        access.viewer_tokens(user),
        kinds=("signal",),
        limit=limit,
        exclude=[f"signal:{i}" for i in exclude],
    )
    ids = [hit.id for hit in hits]
    found = {s.id: s for s in db.session.scalars(select(Signal).where(Signal.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


# Search index ---------------------------------------------------------------------------


def reindex(signal_ids: Iterable[int] = ()) -> None:
    """Apply the index outbox after a commit: the change recorded its signals in it (by the
    session hook, or :func:`create_signals`); they stay there when the index is busy."""
    from signalen.search import outbox

    outbox.drain()


def note_privacy_redaction(signal: Signal, changes: dict[str, list[str]]) -> None:
    """The privacy sweep replaced personal data in ``signal``: an entry in its history that
    names the fields and kinds, never the text (the sweep commits)."""
    db.session.add(
        SignalEvent(signal=signal, actor_label="systeem", kind="privacy_redacted", changes=changes)
    )
