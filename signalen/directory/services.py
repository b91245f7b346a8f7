"""Logic of the sociale kaart: lookups, review dates, opening hours, browse and search."""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.directory.models import Schedule, Service
from signalen.extensions import db

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
DUE_SOON_DAYS = 30
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_LABELS = {
    "MO": _l("maandag"),
    "TU": _l("dinsdag"),
    "WE": _l("woensdag"),
    "TH": _l("donderdag"),
    "FR": _l("vrijdag"),
    "SA": _l("zaterdag"),
    "SU": _l("zondag"),
}


def parse_uuid(value: object) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_service(service_id: uuid.UUID | str) -> Service | None:
    """The service with this id (a UUID or its text), or None."""
    parsed = parse_uuid(service_id)
    if parsed is None:
        return None
    return db.session.get(Service, parsed)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the last day of a short month)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_date(service: Service) -> date | None:
    """When ``service`` must be checked again; None when it was never checked (due now)."""
    if service.assured_date is None:
        return None
    return add_months(service.assured_date, service.review_interval_months or 6)


def local_today() -> date:
    """Today's date in the Netherlands."""
    return datetime.now(LOCAL_ZONE).date()


def is_overdue(service: Service, today: date | None = None) -> bool:
    """True when the review date has passed, or the service was never checked."""
    today = today or local_today()
    due = next_review_date(service)
    return due is None or due < today


def is_due_soon(service: Service, today: date | None = None, days: int = DUE_SOON_DAYS) -> bool:
    """True when the service is not overdue but must be checked within ``days`` days."""
    today = today or local_today()
    due = next_review_date(service)
    return due is not None and today <= due <= today + timedelta(days=days)


def _local(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(LOCAL_ZONE)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_ZONE)


def schedule_is_open(schedule: Schedule, at: datetime) -> bool:
    """Whether one weekly schedule covers the local time ``at``."""
    local = _local(at)
    day = local.date()
    if schedule.valid_from and day < schedule.valid_from:
        return False
    if schedule.valid_to and day > schedule.valid_to:
        return False
    if (schedule.freq or "WEEKLY").upper() != "WEEKLY":
        return False
    if WEEKDAYS[local.weekday()] not in schedule.days:
        return False
    if schedule.opens_at is None or schedule.closes_at is None:
        return False
    now = time(local.hour, local.minute, local.second)
    return schedule.opens_at <= now < schedule.closes_at


def service_schedules(service: Service) -> list[Schedule]:
    """The opening hours of a service: its own, else those of its locations."""
    if service.schedules:
        return list(service.schedules)
    schedules: list[Schedule] = []
    for location in service.locations:
        schedules.extend(location.schedules)
    return schedules


def is_open_now(service: Service, at: datetime | None = None) -> bool:
    """Whether ``service`` is open at ``at`` (default: now), by its weekly opening hours."""
    if service.status != "active":
        return False
    at = at or datetime.now(UTC)
    return any(schedule_is_open(schedule, at) for schedule in service_schedules(service))


def services_of_organization(organization_id: uuid.UUID) -> list[Service]:
    """All services of one organisation, by name."""
    return list(
        db.session.scalars(
            select(Service).where(Service.organization_id == organization_id).order_by(Service.name)
        )
    )


# Editing, verification and field-level history ----------------------------------------------

FIELD_LABELS: dict[str, object] = {
    "name": _l("Naam"),
    "description": _l("Omschrijving"),
    "status": _l("Status"),
    "eligibility_description": _l("Voor wie"),
    "minimum_age": _l("Minimumleeftijd"),
    "maximum_age": _l("Maximumleeftijd"),
    "application_process": _l("Hoe aanmelden"),
    "fees_description": _l("Kosten"),
    "url": _l("Website"),
    "email": _l("E-mailadres"),
    "phone": _l("Telefoonnummer"),
    "languages": _l("Talen (codes, gescheiden door komma's, bijvoorbeeld nl, en, ar)"),
    "review_interval_months": _l("Controleren elke … maanden"),
    "assured_date": _l("Laatst gecontroleerd op"),
    "assurer_email": _l("Gecontroleerd door"),
    "themes": _l("Thema's"),
    "*": _l("Aangemaakt"),
    "alternate_name": _l("Andere naam"),
    "interpretation_services": _l("Tolken"),
    "alert": _l("Melding"),
    "other": _l("Iets anders (in de toelichting)"),
}
# Fields that can be edited and proposed; "other" is only proposed, never applied.
EDITABLE_FIELDS = (
    "name",
    "description",
    "status",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "application_process",
    "fees_description",
    "url",
    "email",
    "phone",
    "languages",
)
PROPOSABLE_FIELDS = (*EDITABLE_FIELDS, "other")
TEXT_LIMITS = {
    "name": 200,
    "description": 5_000,
    "eligibility_description": 2_000,
    "application_process": 2_000,
    "fees_description": 1_000,
}
LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "Engels",
    "ar": "Arabisch",
    "tr": "Turks",
    "pl": "Pools",
    "uk": "Oekraïens",
    "de": "Duits",
    "fr": "Frans",
    "es": "Spaans",
    "pap": "Papiaments",
    "ti": "Tigrinya",
    "so": "Somalisch",
    "fa": "Perzisch",
    "ber": "Berbers",
    "zgh": "Tamazight",
    "srn": "Sranantongo",
}


def field_label(name: str) -> str:
    """The Dutch label of an editable field."""
    return str(FIELD_LABELS.get(name, name))


def current_value(service: Service, name: str) -> str:
    """The value of ``name`` as text, the way history and forms show it."""
    if name == "phone":
        return service.phones[0].number if service.phones else ""
    if name == "languages":
        return ", ".join(service.language_codes)
    value = getattr(service, name, None)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _clean_value(name: str, raw: object) -> object:
    """Check and convert one proposed or edited value; ServiceError in Dutch when wrong."""
    from signalen.core.errors import ServiceError

    text = "" if raw is None else str(raw).replace("\x00", "").strip()
    if name == "name" and not text:
        raise ServiceError(_l("Vul een naam in."), field=name)
    if name in TEXT_LIMITS and len(text) > TEXT_LIMITS[name]:
        raise ServiceError(
            _l("Dit mag hoogstens %(count)d tekens hebben.", count=TEXT_LIMITS[name]), field=name
        )
    if name == "status":
        from signalen.directory.models import ServiceStatus

        if text not in {status.value for status in ServiceStatus}:
            raise ServiceError(_l("Kies een bestaande status."), field=name)
        return text
    if name in ("minimum_age", "maximum_age"):
        if not text:
            return None
        if not text.isdigit() or int(text) > 130:
            raise ServiceError(_l("Vul een leeftijd in jaren in (0 tot 130)."), field=name)
        return int(text)
    if name == "review_interval_months":
        if not text.isdigit() or not 1 <= int(text) <= 36:
            raise ServiceError(_l("Vul een aantal maanden in (1 tot 36)."), field=name)
        return int(text)
    if name == "url" and text and not valid_url(text):
        raise ServiceError(
            _l("Vul een volledig webadres in, dat begint met https:// of http://."), field=name
        )
    if name == "email" and text and not valid_email(text):
        raise ServiceError(_l("Dit e-mailadres klopt niet."), field=name)
    if name == "phone" and text:
        formatted = format_phone(text)
        if formatted is None:
            raise ServiceError(_l("Dit telefoonnummer klopt niet."), field=name)
        return formatted
    if name == "languages":
        codes = [code.strip().lower() for code in text.replace(";", ",").split(",") if code.strip()]
        for code in codes:
            if not code.isalpha() or not 2 <= len(code) <= 3:
                raise ServiceError(
                    _l("Gebruik taalcodes van 2 of 3 letters, zoals nl, en of ar."), field=name
                )
        return ", ".join(dict.fromkeys(codes))
    return text


def valid_url(text: str) -> bool:
    """A http(s) address with a host name."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text


def valid_email(text: str) -> bool:
    """An e-mail address that email-validator accepts (without DNS)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def format_phone(text: str) -> str | None:
    """A phone number in international format (Dutch numbers without +31 are understood)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _apply(service: Service, name: str, value: object) -> None:
    from signalen.directory.models import Language, Phone

    if name == "phone":
        if service.phones:
            if value:
                service.phones[0].number = str(value)
            else:
                db.session.delete(service.phones[0])
                service.phones.pop(0)
        elif value:
            service.phones.append(Phone(number=str(value), organization_id=service.organization_id))
        return
    if name == "languages":
        wanted = [code for code in str(value).split(", ") if code]
        existing = {language.code: language for language in service.languages}
        service.languages = [
            existing.get(code) or Language(code=code, name=LANGUAGE_NAMES.get(code, code))
            for code in wanted
        ]
        return
    setattr(service, name, value)


def record_change(
    resource_id: uuid.UUID,
    resource_type: str,
    field_name: str,
    previous: str,
    replacement: str,
    updated_by: str,
    action: str = "update",
) -> None:
    """Add one field-level history row (HSDS metadata) to the current transaction."""
    from signalen.directory.models import Metadata

    db.session.add(
        Metadata(
            resource_id=resource_id,
            resource_type=resource_type,
            last_action_date=datetime.now(UTC),
            last_action_type=action,
            field_name=field_name,
            previous_value=previous,
            replacement_value=replacement,
            updated_by=updated_by,
        )
    )


def update_service(
    service: Service,
    values: dict[str, object],
    updated_by: str,
    verified: bool = True,
    commit: bool = True,
    action: str = "update",
) -> list[str]:
    """Change fields of ``service``, record each change as history and (by default) mark the
    service as checked today by ``updated_by``. Returns the names of the changed fields.

    Everything is checked first; a wrong value raises ServiceError and changes nothing.
    """
    from signalen.audit.services import record
    from signalen.core.errors import ServiceError

    cleaned: dict[str, object] = {}
    for name, raw in values.items():
        if name not in EDITABLE_FIELDS and name != "review_interval_months":
            raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=name)
        cleaned[name] = _clean_value(name, raw)
    minimum = cleaned.get("minimum_age", service.minimum_age)
    maximum = cleaned.get("maximum_age", service.maximum_age)
    if minimum is not None and maximum is not None and int(minimum) > int(maximum):
        raise ServiceError(
            _l("De minimumleeftijd is hoger dan de maximumleeftijd."), field="minimum_age"
        )
    changed: list[str] = []
    for name, value in cleaned.items():
        previous = current_value(service, name)
        replacement = "" if value is None else str(value)
        if previous == replacement:
            continue
        _apply(service, name, value)
        record_change(service.id, "service", name, previous, replacement, updated_by, action)
        changed.append(name)
    if verified:
        _mark_checked(service, updated_by)
    if changed:
        service.updated_at = datetime.now(UTC)
        record(
            "directory.service_updated",
            service,
            changes={"fields": changed},
            object_type="directory_service",
            object_label=service.name,
        )
    if commit:
        db.session.commit()
        index_services([service.id])
    return changed


def _mark_checked(service: Service, updated_by: str) -> None:
    today = local_today()
    previous = service.assured_date.isoformat() if service.assured_date else ""
    record_change(service.id, "service", "assured_date", previous, today.isoformat(), updated_by)
    if service.assurer_email != updated_by:
        record_change(
            service.id, "service", "assurer_email", service.assurer_email, updated_by, updated_by
        )
    service.assured_date = today
    service.assurer_email = updated_by


def mark_verified(service: Service, updated_by: str) -> None:
    """Record that ``updated_by`` checked ``service`` today and found it unchanged."""
    from signalen.audit.services import record

    _mark_checked(service, updated_by)
    record(
        "directory.service_verified",
        service,
        object_type="directory_service",
        object_label=service.name,
    )
    db.session.commit()


def service_history(service_id: uuid.UUID, limit: int = 200) -> list:
    """Field-level history of a service, newest first."""
    from signalen.directory.models import Metadata

    return list(
        db.session.scalars(
            select(Metadata)
            .where(Metadata.resource_id == service_id)
            .order_by(Metadata.last_action_date.desc(), Metadata.field_name)
            .limit(limit)
        )
    )


def review_lists(today: date | None = None, days: int = DUE_SOON_DAYS):
    """(overdue, due soon) services that are not defunct: the longest overdue first."""
    today = today or local_today()
    services = db.session.scalars(
        select(Service).where(Service.status != "defunct").order_by(Service.name)
    ).all()
    overdue = [s for s in services if is_overdue(s, today)]
    soon = [s for s in services if is_due_soon(s, today, days)]
    overdue.sort(key=lambda s: (next_review_date(s) or date.min, s.name))
    soon.sort(key=lambda s: (next_review_date(s), s.name))
    return overdue, soon


def due_by_organization(today: date | None = None, days: int = DUE_SOON_DAYS):
    """Services that are overdue or due within ``days`` days, grouped by organisation."""
    overdue, soon = review_lists(today, days)
    groups: dict[uuid.UUID, tuple] = {}
    for service in [*overdue, *soon]:
        organization = service.organization
        groups.setdefault(organization.id, (organization, []))[1].append(service)
    return sorted(groups.values(), key=lambda group: group[0].name.lower())


# Change requests ("meld een wijziging") -----------------------------------------------------

FREE_TEXT_PROPOSALS = (
    "name",
    "description",
    "eligibility_description",
    "application_process",
    "fees_description",
    "other",
)


def create_change_request(
    service: Service,
    field_name: str,
    proposed_value: str,
    explanation: str,
    reporter_email: str = "",
):
    """Store a proposed change from anyone; nothing about the service changes yet.

    The free text goes through the privacy guard: a proposal with personal data of a client
    (BSN, IBAN, a private phone number in the explanation, …) is refused.
    """
    from signalen.core.errors import ServiceError
    from signalen.directory.models import ChangeRequest, ChangeRequestItem
    from signalen.privacy.services import find_personal_data

    if field_name not in PROPOSABLE_FIELDS:
        raise ServiceError(_l("Kies welk gegeven niet klopt."), field="field_name")
    explanation = (explanation or "").replace("\x00", "").strip()
    proposed_value = (proposed_value or "").replace("\x00", "").strip()
    reporter_email = (reporter_email or "").strip()
    if not proposed_value and not explanation:
        raise ServiceError(
            _l("Vul de juiste waarde of een toelichting in."), field="proposed_value"
        )
    if len(explanation) > 2_000:
        raise ServiceError(_l("De toelichting mag hoogstens 2000 tekens hebben."), "explanation")
    if field_name != "other" and proposed_value:
        try:
            proposed_value = str(_clean_value(field_name, proposed_value) or "")
        except ServiceError as error:
            raise ServiceError(error.message, field="proposed_value") from None
    elif len(proposed_value) > 2_000:
        raise ServiceError(_l("Dit mag hoogstens 2000 tekens hebben."), field="proposed_value")
    if reporter_email and not valid_email(reporter_email):
        raise ServiceError(_l("Dit e-mailadres klopt niet."), field="reporter_email")
    checks = {"explanation": explanation}
    if field_name in FREE_TEXT_PROPOSALS:
        checks["proposed_value"] = proposed_value
    for name, text in checks.items():
        findings = find_personal_data(text)
        if findings:
            kinds = ", ".join(sorted({finding.label for finding in findings}))
            raise ServiceError(
                _l(
                    "Haal persoonsgegevens weg (%(kinds)s). Schrijf nooit gegevens van een "
                    "cliënt op.",
                    kinds=kinds,
                ),
                field=name,
            )
    request = ChangeRequest(
        service_id=service.id, explanation=explanation, reporter_email=reporter_email
    )
    request.items.append(
        ChangeRequestItem(position=0, field_name=field_name, proposed_value=proposed_value)
    )
    db.session.add(request)
    db.session.commit()
    return request


def open_change_requests() -> list:
    """Change requests with at least one undecided item, oldest first."""
    from signalen.directory.models import ChangeRequest, ChangeStatus

    return list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.status == ChangeStatus.OPEN.value)
            .order_by(ChangeRequest.created_at)
        )
    )


def get_change_request(request_id: str):
    from signalen.directory.models import ChangeRequest

    parsed = parse_uuid(request_id)
    return db.session.get(ChangeRequest, parsed) if parsed else None


def decide_change_item(item, approve: bool, user) -> None:
    """Approve (apply through :func:`update_service`, so history records it) or reject one
    proposed field; the request is closed when every item is decided."""
    from signalen.audit.services import record
    from signalen.core.errors import ServiceError
    from signalen.directory.models import ChangeStatus

    if item.status != ChangeStatus.OPEN.value:
        raise ServiceError(_l("Over dit voorstel is al beslist."))
    request = item.change_request
    if approve and item.field_name != "other":
        update_service(
            request.service,
            {item.field_name: item.proposed_value},
            user.email,
            verified=False,
            commit=False,
        )
    item.status = (ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED).value
    if all(i.status != ChangeStatus.OPEN.value for i in request.items):
        approved = any(i.status == ChangeStatus.APPROVED.value for i in request.items)
        request.status = (ChangeStatus.APPROVED if approved else ChangeStatus.REJECTED).value
        request.decided_at = datetime.now(UTC)
        request.decided_by_id = user.id
    record(
        "directory.change_request_" + ("approved" if approve else "rejected"),
        request,
        changes={"field": item.field_name},
        object_type="directory_change_request",
        object_label=request.service.name,
    )
    db.session.commit()
    index_services([request.service_id])


def seed_demo_directory() -> int:
    """Create a small fictional Dutch sociale kaart (once); returns the number of services."""
    from signalen.directory.seed import seed

    return seed()


def index_services(service_ids) -> None:
    """Write these services to the search index (logged, never fatal, when it is busy)."""
    from signalen.directory.search import index_services as index

    index(service_ids)


def schedule_days(schedule: Schedule) -> str:
    """The days of a weekly schedule in Dutch, e.g. "maandag, woensdag"."""
    days = [str(WEEKDAY_LABELS[day]) for day in schedule.days if day in WEEKDAY_LABELS]
    if schedule.days == list(WEEKDAYS[:5]):
        return str(_l("maandag tot en met vrijdag"))
    return ", ".join(days) or str(_l("volgens afspraak"))
