"""Notifications: recorded in the same transaction as the event they are about.

A volunteer hears what became of a knelpunt they registered (or reported as "ook gemeld"):
a status change, the agenda of an overleg, the discussion with the agency's response, and
the closing with its reason. Coordinators hear about new change requests of the sociale
kaart, services due for a check, agreements that run overdue and referrals due for
follow-up. Each user chooses per kind: direct, a daily bundle, or not at all ("uit": then
nothing is recorded).

Texts are composed here from codes and from texts that passed the privacy guard already;
they never contain anything a user typed that did not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.extensions import db
from signalen.notifications.models import (
    TEXT_MAX_LENGTH,
    Answer,
    Kind,
    Mode,
    Notification,
    NotificationPreference,
)
from signalen.signals import access
from signalen.signals.models import Signal, SignalReport, Status

KIND_LABELS = {
    Kind.SIGNAL_STATUS: _l("Een knelpunt dat u meldde krijgt een andere status"),
    Kind.SIGNAL_AGENDA: _l("Een knelpunt dat u meldde staat op de agenda van een overleg"),
    Kind.SIGNAL_DISCUSSED: _l("Een knelpunt dat u meldde is besproken"),
    Kind.SIGNAL_CLOSED: _l("Een knelpunt dat u meldde is opgelost of afgesloten"),
    Kind.CHANGE_REQUEST: _l("Iemand meldt een wijziging voor de sociale kaart"),
    Kind.SERVICE_REVIEW: _l("Een dienst op de sociale kaart moet gecontroleerd worden"),
    Kind.AGREEMENT_OVERDUE: _l("Een afspraak uit het overleg is over tijd"),
    Kind.REFERRAL_FOLLOW_UP: _l("Een doorverwijzing moet worden opgevolgd"),
    Kind.RADAR_RISE: _l("De signaalradar ziet een knelpunt opkomen"),
}
MODE_LABELS = {
    Mode.DIRECT: _l("Direct"),
    Mode.DAILY: _l("Eén keer per dag, gebundeld"),
    Mode.OFF: _l("Niet"),
}
ANSWER_LABELS = {
    Answer.YES: _l("Ja"),
    Answer.NO: _l("Nee"),
    Answer.UNKNOWN: _l("Weet ik niet"),
}
SIGNAL_KINDS = (Kind.SIGNAL_STATUS, Kind.SIGNAL_AGENDA, Kind.SIGNAL_DISCUSSED, Kind.SIGNAL_CLOSED)
COORDINATOR_KINDS = (
    Kind.CHANGE_REQUEST,
    Kind.SERVICE_REVIEW,
    Kind.AGREEMENT_OVERDUE,
    Kind.REFERRAL_FOLLOW_UP,
    Kind.RADAR_RISE,
)
# Without a choice: what happens to one's own signals comes at once, the queues once a day.
DEFAULT_MODES = {
    **{kind: Mode.DIRECT for kind in SIGNAL_KINDS},
    **{kind: Mode.DAILY for kind in COORDINATOR_KINDS},
}
# A periodic reminder about the same subject is repeated at most this often.
REMINDER_REPEAT_DAYS = 7
# The radar looks back this far for windows that ended since the previous run, so a rise in
# a week that ended while the job did not run is still announced (once).
RADAR_LOOKBACK_DAYS = 7
# The strongest rises of a run are told one by one; the rest in one line (all are on the page).
RADAR_NOTIFY_MAX = 5
CLOSING = (Status.RESOLVED, Status.CLOSED)
LIST_LIMIT = 200
RESPONSE_EXCERPT = 240


# Who may choose what ---------------------------------------------------------------------


def kinds_for(user: User) -> list[Kind]:
    """The kinds ``user`` can receive: coordinators and beheerders also hear about queues."""
    kinds = list(SIGNAL_KINDS) if access.can_report(user) else []
    if user.role in (Role.COORDINATOR, Role.ADMINISTRATOR):
        kinds += COORDINATOR_KINDS
    return kinds


def preferences(user: User) -> dict[Kind, Mode]:
    """``user``'s choice per kind (the default where none was made)."""
    rows = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    chosen = {row.kind: row.mode for row in rows}
    return {kind: Mode(chosen.get(kind.value, DEFAULT_MODES[kind])) for kind in Kind}


def set_preferences(user: User, choices: Mapping[str, str]) -> None:
    """Store ``{kind: mode}`` for the kinds ``user`` can receive; unknown values are refused."""
    allowed = {kind.value for kind in kinds_for(user)}
    modes = {mode.value for mode in Mode}
    for kind, mode in choices.items():
        if kind not in allowed or mode not in modes:
            raise ServiceError(_l("Kies een waarde uit de lijst."), field=kind)
    existing = {
        row.kind: row
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind, mode in choices.items():
        if kind in existing:
            existing[kind].mode = mode
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
    db.session.commit()


# Recording -------------------------------------------------------------------------------

# (user id, signal id) pairs told something in the open transaction: one event that moves a
# signal through several steps (agenda, then status) tells each person once, the most
# specific way (the first call).
_NOTIFIED = "signalen.notified"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_notified(session: Session, *args: Any) -> None:
    session.info.pop(_NOTIFIED, None)


def _site_locale() -> Any:
    """Compose texts in the site's language (not the language of whoever caused the event)."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "nl")


def _site_text(message: Any) -> str:
    """A lazy ``message`` in the site's language, cut to what a notification holds."""
    with _site_locale():
        text = str(message)
    return text if len(text) <= TEXT_MAX_LENGTH else text[: TEXT_MAX_LENGTH - 1] + "…"


def notify(
    user: User,
    kind: Kind,
    text: str,
    *,
    signal: Signal | None = None,
    subject: tuple[str, object] | None = None,
) -> Notification | None:
    """Record one notification for ``user`` (the caller commits, with the event itself).

    Nothing is recorded for an inactive user, a kind the user turned off, or a signal the
    user was already told about in this transaction.
    """
    if not user.is_active or preferences(user)[kind] is Mode.OFF:
        return None
    if signal is not None:
        told = db.session.info.setdefault(_NOTIFIED, set())
        if (user.id, signal.id) in told:
            return None
        told.add((user.id, signal.id))
    notification = Notification(
        user_id=user.id,
        kind=kind.value,
        signal_id=signal.id if signal is not None else None,
        subject_type=subject[0] if subject else None,
        subject_id=str(subject[1]) if subject else None,
        text=text,
    )
    db.session.add(notification)
    return notification


def _reporters(signal: Signal, actor: User | None) -> list[User]:
    """Who registered ``signal`` or reported it as "ook gemeld" and may still see it,
    except ``actor`` (nobody is told what they did themselves)."""
    reported = select(SignalReport.user_id).where(SignalReport.signal_id == signal.id)
    ids = {signal.created_by_id, *db.session.scalars(reported)} - {None, getattr(actor, "id", 0)}
    if not ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))
    return [user for user in users if access.can_view(user, signal)]


def signal_status_changed(signal: Signal, old: Status, new: Status, actor: User | None) -> None:
    """Called where every status change happens (``signals.services._set_status``)."""
    if new in CLOSING:
        kind = Kind.SIGNAL_CLOSED
        text = _site_text(
            _l(
                "Knelpunt #%(id)d “%(title)s” is %(status)s. Reden: %(reason)s",
                id=signal.id,
                title=signal.title,
                status=new.label.lower(),
                reason=signal.close_reason or "",
            )
        )
    else:
        kind = Kind.SIGNAL_STATUS
        text = _site_text(
            _l(
                "Knelpunt #%(id)d “%(title)s” heeft nu de status %(status)s (was %(old)s).",
                id=signal.id,
                title=signal.title,
                status=new.label.lower(),
                old=old.label.lower(),
            )
        )
    for user in _reporters(signal, actor):
        notify(user, kind, text, signal=signal)


def signals_on_agenda(meeting: Any, signals: Iterable[Signal], actor: User | None) -> None:
    """Called when signals are put on the agenda of an overleg (before their status moves)."""
    for signal in signals:
        text = _site_text(
            _l(
                "Knelpunt #%(id)d “%(title)s” staat op de agenda van het overleg “%(meeting)s” "
                "van %(date)s.",
                id=signal.id,
                title=signal.title,
                meeting=meeting.title,
                date=meeting.held_on.strftime("%d-%m-%Y"),
            )
        )
        for user in _reporters(signal, actor):
            notify(user, Kind.SIGNAL_AGENDA, text, signal=signal)


def signal_discussed(item: Any, actor: User | None) -> None:
    """Called when the outcome of an agenda item with a signal is first recorded."""
    signal = item.signal
    if signal is None:
        return
    response = " ".join((item.agency_response or "").split())
    if len(response) > RESPONSE_EXCERPT:
        response = response[: RESPONSE_EXCERPT - 1] + "…"
    if response:
        text = _site_text(
            _l(
                "Knelpunt #%(id)d “%(title)s” is besproken in het overleg “%(meeting)s”. "
                "Reactie van de uitvoerder: %(response)s",
                id=signal.id,
                title=signal.title,
                meeting=item.meeting.title,
                response=response,
            )
        )
    else:
        text = _site_text(
            _l(
                "Knelpunt #%(id)d “%(title)s” is besproken in het overleg “%(meeting)s”.",
                id=signal.id,
                title=signal.title,
                meeting=item.meeting.title,
            )
        )
    for user in _reporters(signal, actor):
        notify(user, Kind.SIGNAL_DISCUSSED, text, signal=signal)


def _coordinators(organisation_id: int | None = None) -> list[User]:
    """Active coordinators (of one organisation, or of all when ``organisation_id`` is None)."""
    query = select(User).where(User.role == Role.COORDINATOR, User.active.is_(True))
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return [user for user in db.session.scalars(query.order_by(User.id)) if user.is_active]


def change_request_created(request: Any, service: Any) -> None:
    """Called when a "meld een wijziging" for ``service`` is stored: the sociale kaart is
    shared by the network, so every coordinator is told."""
    text = _site_text(
        _l("Nieuwe wijziging gemeld voor “%(service)s” op de sociale kaart.", service=service.name)
    )
    for user in _coordinators():
        notify(user, Kind.CHANGE_REQUEST, text, subject=("change_request", request.id))


def _recently_told(kind: Kind, subject_type: str, since: datetime) -> set[tuple[int, str]]:
    rows = db.session.execute(
        select(Notification.user_id, Notification.subject_id).where(
            Notification.kind == kind.value,
            Notification.subject_type == subject_type,
            Notification.created_at >= since,
        )
    )
    return {(row.user_id, row.subject_id) for row in rows}


def remind_due(now: datetime | None = None) -> int:
    """Tell coordinators about services due for a check, overdue agreements, referrals due
    for follow-up (the same reminder at most once a week) and new rises on the signaalradar.
    Returns how many notifications were made.

    Run periodically (``flask notifications-due``; the job queue's schedule).
    """
    from signalen.directory.services import review as directory
    from signalen.meetings.models import Agreement, Meeting, MeetingItem
    from signalen.referrals.models import Referral

    now = now or utcnow()
    today = local_today(now)
    since = now - timedelta(days=REMINDER_REPEAT_DAYS)
    made = 0

    def remind(users: list[User], kind: Kind, subject: tuple[str, object], text: str) -> None:
        nonlocal made
        told = _recently_told(kind, subject[0], since)
        for user in users:
            if (user.id, str(subject[1])) not in told and notify(user, kind, text, subject=subject):
                made += 1

    overdue, _soon = directory.review_lists(today=today)
    everyone = _coordinators()
    for service in overdue:
        remind(
            everyone,
            Kind.SERVICE_REVIEW,
            ("service", service.id),
            _site_text(_l("De dienst “%(name)s” moet gecontroleerd worden.", name=service.name)),
        )
    agreements = db.session.execute(
        select(Agreement, Meeting.organisation_id)
        .join(MeetingItem, MeetingItem.id == Agreement.item_id)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(Agreement.done_at.is_(None), Agreement.due_on < today)
    )
    for agreement, organisation_id in agreements:
        remind(
            _coordinators(organisation_id),
            Kind.AGREEMENT_OVERDUE,
            ("agreement", agreement.id),
            _site_text(
                _l(
                    "De afspraak “%(text)s” had op %(date)s klaar moeten zijn.",
                    text=" ".join(agreement.description.split())[:RESPONSE_EXCERPT],
                    date=agreement.due_on.strftime("%d-%m-%Y"),
                )
            ),
        )
    referrals = db.session.scalars(
        select(Referral).where(
            Referral.outcome.is_(None),
            Referral.follow_up_on.is_not(None),
            Referral.follow_up_on <= today,
        )
    )
    for referral in referrals:
        remind(
            _coordinators(referral.organisation_id),
            Kind.REFERRAL_FOLLOW_UP,
            ("referral", referral.id),
            _site_text(
                _l(
                    "Doorverwijzing #%(id)d naar “%(service)s” moet worden opgevolgd.",
                    id=referral.id,
                    service=referral.service_name,
                )
            ),
        )
    made += announce_radar_rises(now)
    db.session.commit()
    return made


def announce_radar_rises(now: datetime | None = None) -> int:
    """Tell every coordinator about the rises the signaalradar found since the previous run
    that nobody announced or marked yet; each rise and window once, the strongest
    ``RADAR_NOTIFY_MAX`` one by one and the others in one line (the caller commits).

    The text is the radar's own B1 sentence (counts, and names of themes, agencies or new
    words from the network's texts), so it holds nothing a coordinator may not see.
    """
    from signalen.radar import services as radar

    today = local_today(now)
    with _site_locale():
        notices = radar.new_rises_for_notification(
            today - timedelta(days=RADAR_LOOKBACK_DAYS), today=today
        )
    if not notices:
        return 0
    rows = radar.record_notified(notices)
    told = [
        (_site_text(_l("Signaalradar: %(sentence)s", sentence=notice.sentence)), row.id)
        for notice, row in zip(notices[:RADAR_NOTIFY_MAX], rows, strict=False)
    ]
    others = len(notices) - len(told)
    if others:
        with _site_locale():
            text = _site_text(
                ngettext(
                    "Signaalradar: nog %(num)d andere stijging; u vindt die op de signaalradar.",
                    "Signaalradar: nog %(num)d andere stijgingen; u vindt ze op de signaalradar.",
                    others,
                )
            )
        told.append((text, rows[len(told)].id))
    made = 0
    for user in _coordinators():
        for text, notice_id in told:
            if notify(user, Kind.RADAR_RISE, text, subject=("radar", notice_id)):
                made += 1
    return made


# Reading ---------------------------------------------------------------------------------


def for_user(user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    """``user``'s notifications, unread first, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(user: User) -> int:
    """How many notifications ``user`` has not read yet."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def own_notification(notification_id: int, user: User) -> Notification | None:
    """The notification when it is ``user``'s own."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    return notification


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of ``user`` as read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return int(result.rowcount or 0)


def can_answer(notification: Notification) -> bool:
    """A notification of a closed signal asks "is het voor de cliënt opgelost?" once."""
    return (
        notification.kind == Kind.SIGNAL_CLOSED.value
        and notification.signal_id is not None
        and notification.answer is None
    )


def answer_solved(notification: Notification, user: User, answer: str) -> None:
    """Keep the answer to "is het voor de cliënt opgelost?" in the signal's history."""
    from signalen.signals.services import record_event

    if answer not in {a.value for a in Answer}:
        raise ServiceError(_l("Kies ja, nee of weet ik niet."), field="answer")
    if notification.user_id != user.id or not can_answer(notification):
        raise ServiceError(_l("Deze vraag is al beantwoord of hoort niet bij deze melding."))
    signal = db.session.get(Signal, notification.signal_id)
    if signal is None or not access.can_view(user, signal):
        raise ServiceError(_l("U kunt dit knelpunt niet meer zien."))
    notification.answer = answer
    notification.read_at = notification.read_at or utcnow()
    record_event(signal, user, "client_outcome", changes={"opgelost": [None, answer]})
    db.session.commit()


def link_for(notification: Notification) -> tuple[str, dict[str, object]] | None:
    """The endpoint and values of the page a notification is about."""
    if notification.signal_id is not None:
        return "signals.detail", {"signal_id": notification.signal_id}
    return {
        "change_request": ("directory.change_requests", {}),
        "service": ("directory.review", {}),
        "agreement": ("meetings.followup", {}),
        "referral": ("referrals.follow_up", {}),
        "radar": ("radar.index", {}),
    }.get(notification.subject_type or "")


def connect_events() -> None:
    """Listen to the events of signals, meetings and the sociale kaart (they do not know us)."""
    from signalen.directory.services.change_requests import change_request_created as requested
    from signalen.meetings.services import discussed, put_on_agenda
    from signalen.signals.services import status_changed

    status_changed.connect(_on_status_changed)
    put_on_agenda.connect(_on_put_on_agenda)
    discussed.connect(_on_discussed)
    requested.connect(_on_change_request)


def _on_status_changed(signal: Signal, *, old: Status, new: Status, actor: User | None) -> None:
    signal_status_changed(signal, old, new, actor)


def _on_put_on_agenda(meeting: Any, *, signals: Iterable[Signal], actor: User | None) -> None:
    signals_on_agenda(meeting, signals, actor)


def _on_discussed(item: Any, *, actor: User | None) -> None:
    signal_discussed(item, actor)


def _on_change_request(request: Any, *, service: Any) -> None:
    change_request_created(request, service)
