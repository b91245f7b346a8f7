"""Signaleringsoverleg: plan a meeting, compose its agenda from signals, record outcomes
and agreements, follow agreements up and close signals.

Signal statuses change only through :mod:`signalen.signals.services` (geagendeerd when a
signal is put on the agenda, besproken when its outcome is recorded), so the signal's own
history shows which meetings discussed it. A coordinator can only move the status of her
own organisation's signals; other organisations' signals are put on the agenda unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from signalen.audit.services import changed_fields, record
from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import clean_line
from signalen.extensions import db
from signalen.meetings.access import can_plan, can_view, item_visible, require_manager
from signalen.meetings.models import (
    LOCATION_MAX_LENGTH,
    OWNER_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Agreement,
    Meeting,
    MeetingItem,
)
from signalen.privacy.services import check_fields
from signalen.signals import access
from signalen.signals import services as signal_services
from signalen.signals.models import Signal, Status
from signalen.signals.services import TRANSITIONS
from signalen.taxonomy.models import Agency

# Sent in the transaction of the change: signals put on an agenda (sender: the meeting;
# signals, actor) and an agenda item whose outcome is first recorded (sender: the item; actor).
put_on_agenda = Namespace().signal("signals-put-on-agenda")
discussed = Namespace().signal("agenda-item-discussed")
AUDIT_ACTIONS = {
    "meeting.create": _l("Overleg gepland"),
    "meeting.update": _l("Overleg gewijzigd"),
    "meeting.outcome": _l("Uitkomst van een agendapunt vastgelegd"),
    "meeting.agreement_update": _l("Afspraak gewijzigd"),
    "meeting.agreement_delete": _l("Afspraak verwijderd"),
    "meeting.agreement_done": _l("Afspraak uitgevoerd"),
    "meeting.agreement_reopen": _l("Afspraak weer open gezet"),
}

MAX_AGENDA_SIGNALS = 100
EARLIEST = date(2000, 1, 1)
CLOSING = (Status.RESOLVED, Status.CLOSED)


@dataclass
class MeetingInput:
    """What a coordinator fills in when planning a meeting."""

    title: str
    held_on: date | None
    location: str = ""
    starts_at: time | None = None
    participants: str = ""
    agency_ids: list[int] = field(default_factory=list)
    minutes: str = ""


@dataclass
class AgreementInput:
    """An afspraak: what, who carries it out, and by when (optional)."""

    description: str
    owner: str
    due_on: date | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing filled in at all (an outcome without a new agreement)."""
        return not (self.description.strip() or self.owner.strip() or self.due_on)


# Cleaning ----------------------------------------------------------------------------------


def _text(value: str | None, name: str, max_length: int = TEXT_MAX_LENGTH) -> str:
    text = (value or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(text) > max_length:
        raise ServiceError(
            _l("Deze tekst mag hoogstens %(count)d tekens hebben.", count=max_length), field=name
        )
    _no_personal_data(text, name)
    return text


def _line(value: str | None, name: str, max_length: int, empty_message) -> str:
    text = clean_line(
        value,
        max_length=max_length,
        field=name,
        empty_message=empty_message,
        too_long_message=_l("Deze tekst mag hoogstens %(count)d tekens hebben.", count=max_length),
    )
    _no_personal_data(text, name)
    return text


def _no_personal_data(text: str, name: str) -> None:
    if text and check_fields({name: text}):
        raise ServiceError(
            _l(
                "Deze tekst bevat persoonsgegevens (zoals een BSN, telefoonnummer of adres). "
                "Haal ze weg."
            ),
            field=name,
        )


def _clean_meeting(data: MeetingInput) -> MeetingInput:
    if data.held_on is None:
        raise ServiceError(_l("Geef de datum van het overleg."), field="held_on")
    if data.held_on < EARLIEST or data.held_on > local_today() + timedelta(days=3 * 366):
        raise ServiceError(_l("Deze datum klopt niet."), field="held_on")
    agency_ids = sorted({i for i in data.agency_ids if i})
    if agency_ids:
        found = set(db.session.scalars(select(Agency.id).where(Agency.id.in_(agency_ids))))
        if found != set(agency_ids):
            raise ServiceError(_l("Kies een waarde uit de lijst."), field="agencies")
    return MeetingInput(
        title=_line(data.title, "title", TITLE_MAX_LENGTH, _l("Geef het overleg een titel.")),
        held_on=data.held_on,
        starts_at=data.starts_at.replace(second=0, microsecond=0) if data.starts_at else None,
        location=_text(data.location, "location", LOCATION_MAX_LENGTH).replace("\n", " "),
        participants=_text(data.participants, "participants"),
        agency_ids=agency_ids,
        minutes=_text(data.minutes, "minutes"),
    )


# Meetings ----------------------------------------------------------------------------------


def create_meeting(data: MeetingInput, user: User, organisation_id: int | None = None) -> Meeting:
    """Plan a meeting for the user's organisation (a beheerder names the organisation)."""
    if not can_plan(user):
        raise ServiceError(_l("Alleen een coördinator kan een overleg plannen."))
    organisation_id = user.organisation_id or organisation_id
    if organisation_id is None:
        raise ServiceError(_l("Kies de organisatie die het overleg organiseert."))
    data = _clean_meeting(data)
    meeting = Meeting(
        title=data.title,
        held_on=data.held_on,
        starts_at=data.starts_at,
        location=data.location,
        participants=data.participants,
        minutes=data.minutes,
        organisation_id=organisation_id,
        created_by_id=user.id,
        agencies=list(db.session.scalars(select(Agency).where(Agency.id.in_(data.agency_ids)))),
    )
    db.session.add(meeting)
    db.session.flush()
    record("meeting.create", meeting, actor=user)
    db.session.commit()
    return meeting


def update_meeting(meeting: Meeting, data: MeetingInput, user: User) -> None:
    """Change date, title, participants, agencies and minutes."""
    require_manager(user, meeting)
    data = _clean_meeting(data)
    meeting.title = data.title
    meeting.held_on = data.held_on
    meeting.starts_at = data.starts_at
    meeting.location = data.location
    meeting.participants = data.participants
    meeting.minutes = data.minutes
    meeting.agencies = list(
        db.session.scalars(select(Agency).where(Agency.id.in_(data.agency_ids)))
    )
    record("meeting.update", meeting, actor=user)
    db.session.commit()


def meetings_query(upcoming: bool) -> Select:
    """Meetings from today on (soonest first), or past ones (latest first)."""
    today = local_today()
    if upcoming:
        return select(Meeting).where(Meeting.held_on >= today).order_by(Meeting.held_on, Meeting.id)
    return (
        select(Meeting)
        .where(Meeting.held_on < today)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    )


def _note(meeting: Meeting, template) -> str:
    return str(template).replace("{title}", meeting.title).replace("{id}", str(meeting.id))


# Agenda --------------------------------------------------------------------------------------


@dataclass
class AgendaResult:
    added: list[Signal]
    already: list[Signal]
    unchanged_status: list[Signal]  # of other organisations: on the agenda, status as it was


def add_signals(meeting: Meeting, signal_ids: Iterable[int], user: User) -> AgendaResult:
    """Put signals on the agenda; the user's own ones move to "geagendeerd".

    All or nothing: when one signal cannot be put on the agenda, nothing is saved.
    """
    require_manager(user, meeting)
    wanted = list(dict.fromkeys(int(i) for i in signal_ids))
    if not wanted:
        raise ServiceError(_l("Kies een of meer knelpunten."), field="signal_ids")
    if len(wanted) > MAX_AGENDA_SIGNALS:
        raise ServiceError(
            _l("Kies hoogstens %(count)d knelpunten tegelijk.", count=MAX_AGENDA_SIGNALS),
            field="signal_ids",
        )
    found = {s.id: s for s in db.session.scalars(select(Signal).where(Signal.id.in_(wanted)))}
    signals = [found[i] for i in wanted if i in found and access.can_view(user, found[i])]
    if len(signals) != len(wanted):
        raise ServiceError(_l("Een van de knelpunten bestaat niet of u mag het niet zien."))
    on_agenda = {item.signal_id for item in meeting.items if item.signal_id}
    result = AgendaResult([], [], [])
    to_schedule: list[Signal] = []
    position = max((item.position for item in meeting.items), default=0)
    for signal in signals:
        if signal.merged_into_id:
            raise ServiceError(
                _l(
                    "Knelpunt #%(id)d is samengevoegd; kies het knelpunt waarin het opging.",
                    id=signal.id,
                )
            )
        if signal.id in on_agenda:
            result.already.append(signal)
            continue
        if signal.status in CLOSING:
            raise ServiceError(
                _l(
                    "Knelpunt #%(id)d is %(status)s. Heropen het eerst.",
                    id=signal.id,
                    status=signal.status.label.lower(),
                )
            )
        position += 1
        db.session.add(MeetingItem(meeting=meeting, signal=signal, position=position))
        result.added.append(signal)
        if access.can_manage(user, signal):
            if signal.status is not Status.SCHEDULED:
                to_schedule.append(signal)
        else:
            result.unchanged_status.append(signal)
    put_on_agenda.send(meeting, signals=result.added, actor=user)
    if to_schedule:
        # Commits the new agenda items together with the status changes.
        signal_services.bulk_update(
            to_schedule,
            "status",
            Status.SCHEDULED.value,
            user,
            reason=_note(meeting, _l("Op de agenda van overleg #{id}: {title}")),
        )
    else:
        db.session.commit()
    return result


def add_free_item(meeting: Meeting, title: str, description: str, user: User) -> MeetingItem:
    """A free agenda item (not a signal): a title and an optional explanation."""
    require_manager(user, meeting)
    position = max((item.position for item in meeting.items), default=0) + 1
    item = MeetingItem(
        meeting=meeting,
        position=position,
        title=_line(title, "title", TITLE_MAX_LENGTH, _l("Geef het agendapunt een titel.")),
        description=_text(description, "description"),
    )
    db.session.add(item)
    db.session.commit()
    return item


def remove_item(item: MeetingItem, user: User) -> None:
    """Take an item off the agenda (not once its outcome or agreements are recorded)."""
    require_manager(user, item.meeting)
    if item.discussed_at is not None or item.agreements:
        raise ServiceError(_l("Dit punt is al besproken en blijft in het verslag."))
    db.session.delete(item)
    db.session.commit()


def move_item(item: MeetingItem, direction: int, user: User) -> None:
    """Move an agenda item one place up (-1) or down (+1)."""
    require_manager(user, item.meeting)
    items = list(item.meeting.items)
    index = items.index(item)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        for position, each in enumerate(items, start=1):
            each.position = position
        db.session.commit()


# Outcomes and agreements ---------------------------------------------------------------------


def _clean_agreement(data: AgreementInput) -> AgreementInput:
    description = _text(data.description, "agreement_description")
    if not description:
        raise ServiceError(_l("Beschrijf de afspraak."), field="agreement_description")
    owner = _line(data.owner, "agreement_owner", OWNER_MAX_LENGTH, _l("Wie voert de afspraak uit?"))
    if data.due_on is not None and not EARLIEST <= data.due_on <= local_today() + timedelta(
        days=5 * 366
    ):
        raise ServiceError(_l("Deze datum klopt niet."), field="agreement_due_on")
    return AgreementInput(description, owner, data.due_on)


def record_outcome(
    item: MeetingItem,
    user: User,
    *,
    discussion: str,
    agency_response: str = "",
    agreements: Sequence[AgreementInput] = (),
) -> MeetingItem:
    """After the meeting: what was discussed, what the agency answered, new agreements.

    A signal of the user's own organisation moves to "besproken" (through "geagendeerd"
    when it was not on an agenda yet); all of it is saved together.
    """
    meeting = item.meeting
    require_manager(user, meeting)
    if meeting.held_on > local_today():
        raise ServiceError(_l("Het overleg is nog niet geweest."))
    item.discussion = _text(discussion, "discussion")
    item.agency_response = _text(agency_response, "agency_response")
    if not item.discussion and not item.agency_response:
        raise ServiceError(_l("Schrijf op wat er is besproken."), field="discussion")
    cleaned = [_clean_agreement(a) for a in agreements]
    for data in cleaned:
        db.session.add(
            Agreement(item=item, description=data.description, owner=data.owner, due_on=data.due_on)
        )
    if item.discussed_at is None:
        discussed.send(item, actor=user)
        item.discussed_at = utcnow()
        record("meeting.outcome", meeting, actor=user, changes={"item": [None, item.id]})
    signal = item.signal
    if (
        signal is not None
        and access.can_manage(user, signal)
        and signal.status is not Status.DISCUSSED
        and signal.status not in CLOSING
    ):
        note = _note(meeting, _l("Besproken in overleg #{id}: {title}"))
        if Status.DISCUSSED not in TRANSITIONS[signal.status]:
            signal_services.bulk_update([signal], "status", Status.SCHEDULED.value, user, note)
        signal_services.bulk_update([signal], "status", Status.DISCUSSED.value, user, note)
    else:
        db.session.commit()
    return item


def add_agreement(item: MeetingItem, data: AgreementInput, user: User) -> Agreement:
    """Record one more agreement for an agenda item."""
    require_manager(user, item.meeting)
    data = _clean_agreement(data)
    agreement = Agreement(
        item=item, description=data.description, owner=data.owner, due_on=data.due_on
    )
    db.session.add(agreement)
    db.session.commit()
    return agreement


def update_agreement(agreement: Agreement, data: AgreementInput, user: User) -> dict[str, list]:
    """Correct an agreement's text, owner or due date; the audit log keeps old and new.

    Returns ``{field: [old, new]}`` for what changed (nothing is written when nothing did).
    """
    meeting = agreement.item.meeting
    require_manager(user, meeting)
    data = _clean_agreement(data)
    changes = changed_fields(
        agreement, {"description": data.description, "owner": data.owner, "due_on": data.due_on}
    )
    if changes:
        _record_agreement("meeting.agreement_update", agreement, user, **changes)
        db.session.commit()
    return changes


def delete_agreement(agreement: Agreement, user: User) -> None:
    """Remove an agreement entered by mistake; the audit log keeps what it said.

    Published digests do not change: they froze their figures (counts, never an agreement's
    id or text) when they were published. Drafts count again when they are refreshed.
    """
    meeting = agreement.item.meeting
    require_manager(user, meeting)
    _record_agreement(
        "meeting.agreement_delete",
        agreement,
        user,
        agreement=[agreement.id, None],
        item=[agreement.item_id, None],
        description=[agreement.description, None],
        owner=[agreement.owner, None],
        due_on=[agreement.due_on, None],
        done_at=[agreement.done_at, None],
    )
    db.session.delete(agreement)
    db.session.commit()


def complete_agreement(agreement: Agreement, user: User) -> None:
    """Mark an agreement as done (who and when are kept)."""
    require_manager(user, agreement.item.meeting)
    if agreement.done_at is None:
        agreement.done_at = utcnow()
        agreement.done_by_id = user.id
        _record_agreement("meeting.agreement_done", agreement, user)
        db.session.commit()


def reopen_agreement(agreement: Agreement, user: User) -> None:
    """Mark a done agreement as open again; the audit log keeps who did it."""
    require_manager(user, agreement.item.meeting)
    if agreement.done_at is not None:
        _record_agreement(
            "meeting.agreement_reopen", agreement, user, done_at=[agreement.done_at, None]
        )
        agreement.done_at = None
        agreement.done_by_id = None
        db.session.commit()


def _record_agreement(action: str, agreement: Agreement, user: User, /, **changes: list) -> None:
    """An audit event on the agreement's meeting; ``changes`` may replace the "agreement" one."""
    record(
        action,
        agreement.item.meeting,
        actor=user,
        changes={"agreement": [agreement.id, agreement.id], **changes},
        object_label=agreement.description[:120],
    )


def close_signal(signal: Signal, status: Status, reason: str, user: User) -> None:
    """Close (afgesloten) or resolve (opgelost) a discussed signal, with a reason."""
    if status not in CLOSING:
        raise ServiceError(_l("Kies opgelost of afgesloten."), field="status")
    if not access.can_manage(user, signal):
        raise ServiceError(_l("Alleen een coördinator van deze organisatie kan dit wijzigen."))
    signal_services.change_status(signal, status, user, reason)


# Follow-up ---------------------------------------------------------------------------------


def agreements_query(user: User, *, overdue_only: bool = False, open_only: bool = True) -> Select:
    """Agreements of meetings the user may see, the most urgent first."""
    query = (
        select(Agreement)
        .join(MeetingItem, MeetingItem.id == Agreement.item_id)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
    )
    if open_only or overdue_only:
        query = query.where(Agreement.done_at.is_(None))
    if overdue_only:
        query = query.where(Agreement.due_on < local_today())
    if user.role is not Role.ADMINISTRATOR:
        query = query.where(Meeting.organisation_id == user.organisation_id)
    return query.order_by(Agreement.due_on.is_(None), Agreement.due_on, Agreement.id)


def meetings_for_signal(signal_id: int, user: User | None) -> list[MeetingItem]:
    """The agenda items (with their meeting) that put this signal on the agenda.

    Meetings are for logged-in users only, so an anonymous visitor of an openbaar signal
    sees none.
    """
    if not can_view(user):
        return []
    return list(
        db.session.scalars(
            select(MeetingItem)
            .join(Meeting, Meeting.id == MeetingItem.meeting_id)
            .where(MeetingItem.signal_id == signal_id)
            .order_by(Meeting.held_on.desc(), MeetingItem.id)
        )
    )


# Print ---------------------------------------------------------------------------------------


def agreement_state(agreement: Agreement, today: date | None = None) -> str:
    """ "uitgevoerd", "over de datum" or "open", as shown on the pages and in the PDF."""
    if agreement.is_done:
        return str(_l("uitgevoerd"))
    if agreement.is_overdue(today):
        return str(_l("over de datum"))
    return str(_l("open"))


def meeting_pdf(meeting: Meeting, part: str, user: User | None) -> bytes:
    """The agenda (``part="agenda"``) or the minutes (``"verslag"``) as a PDF file.

    The same content as the print page: items the user may not read show only that there is
    a knelpunt of another organisation.
    """
    from flask_babel import format_date
    from flask_babel import gettext as _

    from signalen.core.pdf import PdfDocument

    minutes = part == "verslag"
    heading = _("Verslag") if minutes else _("Agenda")
    pdf = PdfDocument(f"{heading}: {meeting.title}", footer=meeting.title)
    pdf.heading(f"{heading}: {meeting.title}")
    facts = [
        (_("Datum"), format_date(meeting.held_on, "d MMMM yyyy")),
        (
            _("Begintijd"),
            _("%(time)s uur", time=meeting.starts_at.strftime("%H:%M"))
            if meeting.starts_at
            else "",
        ),
        (_("Plaats"), meeting.location),
        (_("Georganiseerd door"), meeting.organisation.name),
        (_("Deelnemers"), ", ".join(meeting.participant_lines)),
        (_("Uitvoerders"), ", ".join(agency.name for agency in meeting.agencies)),
    ]
    for label, value in facts:
        if value:
            pdf.paragraph(f"{label}: {value}")
    if minutes and meeting.minutes:
        pdf.heading(_("Algemeen"), 2)
        pdf.paragraph(meeting.minutes)
    pdf.heading(_("Per agendapunt") if minutes else _("Agendapunten"), 2)
    if not meeting.items:
        pdf.paragraph(_("De agenda is nog leeg."))
    for number, item in enumerate(meeting.items, start=1):
        if not item_visible(item, user):
            pdf.heading(
                f"{number}. " + _("Knelpunt van een andere organisatie (niet zichtbaar voor u)"), 3
            )
            continue
        signal = item.signal
        pdf.heading(
            f"{number}. #{signal.id} {signal.title}" if signal else f"{number}. {item.title}", 3
        )
        if signal is not None:
            facts = (
                signal.status.label,
                _("%(num)d meldingen", num=signal.report_count),
                signal.agency_label,
                signal.organisation.name,
            )
            pdf.paragraph(" · ".join(fact for fact in facts if fact))
        elif item.description:
            pdf.paragraph(item.description)
        if not minutes:
            continue
        if not item.discussed_at:
            pdf.paragraph(_("Geen uitkomst genoteerd."))
        for label, text in (
            (_("Besproken"), item.discussion),
            (_("Reactie van de uitvoerder"), item.agency_response),
        ):
            if text:
                pdf.paragraph(label, bold=True)
                pdf.paragraph(text)
        if item.agreements:
            pdf.paragraph(_("Afspraken"), bold=True)
        for agreement in item.agreements:
            due = (
                _(", uiterlijk %(date)s", date=format_date(agreement.due_on, "d MMMM yyyy"))
                if agreement.due_on
                else ""
            )
            state = agreement_state(agreement)
            pdf.bullet(f"{agreement.description} – {agreement.owner}{due} ({state})")
    return pdf.output()
