"""Review reminders: which services are due, per organisation, as text or e-mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer

from signalen.directory.models import Organization, Service
from signalen.directory.services.review import due_by_organization, is_overdue, next_review_date
from signalen.extensions import db


def organization_address(organization: Organization) -> str:
    """Where reminders for ``organization`` go: its e-mail, else its first contact's."""
    if organization.email:
        return organization.email
    for contact in organization.contacts:
        if contact.email:
            return contact.email
    return ""


CONFIRM_SALT = "directory-confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 30  # a reminder's "klopt nog" link works for 30 days


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def confirm_token(service: Service, email: str) -> str:
    """A signed token with which ``email`` (the organisation) confirms ``service`` is right."""
    return _serializer().dumps({"service": str(service.id), "email": email})


def read_confirm_token(token: str, service: Service) -> str | None:
    """The e-mail address in a valid, unexpired token for ``service``; None otherwise."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("service") != str(service.id):
        return None
    email = data.get("email")
    return email if isinstance(email, str) and email else None


def _service_line(service: Service, today: date, address: str = "") -> str:
    due = next_review_date(service)
    if due is None:
        state = _("nog nooit gecontroleerd")
    elif is_overdue(service, today):
        state = _("te laat sinds %(date)s", date=due.isoformat())
    else:
        state = _("controleren voor %(date)s", date=due.isoformat())
    line = f"- {service.name} ({state})"
    link = _link("directory.service", service_id=service.id)
    if link:
        line += "\n  " + _("Bekijken of een wijziging doorgeven: %(link)s", link=link)
    if link and address:
        confirm = _link(
            "directory.confirm", service_id=service.id, token=confirm_token(service, address)
        )
        line += "\n  " + _("Klopt alles nog? Bevestig het hier: %(link)s", link=confirm)
    return line


def _link(endpoint: str, **values) -> str:
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if not base:
        return ""
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def reminder_text(organization: Organization, services: list[Service], today: date) -> str:
    """The text of one organisation's reminder."""
    lines = [
        _("Beste %(name)s,", name=organization.name),
        "",
        _(
            "Deze diensten op de sociale kaart van %(site)s moeten worden gecontroleerd. "
            "Klopt alles nog? Bevestig het met de link bij de dienst, of geef wijzigingen door "
            "via de pagina van de dienst.",
            site=current_app.config.get("SITE_NAME", "Signalen"),
        ),
        "",
        *[
            _service_line(service, today, organization_address(organization))
            for service in services
        ],
        "",
    ]
    return "\n".join(lines)


def queue_reminder(organization: Organization, services: list[Service], today: date) -> None:
    """Put the reminder for one organisation (to its own address) in the mail outbox."""
    from signalen.mail.services import queue_mail

    queue_mail(
        organization_address(organization),
        "review_reminder",
        {"count": len(services), "text": reminder_text(organization, services, today)},
    )


def send_reminders(today: date, echo: Callable[[str], None], dry_run: bool = False) -> dict:
    """Print the due services per organisation and put a reminder for each organisation
    with an address in the mail outbox (committed; the worker or the caller sends it).
    Returns counts: organisations, services, queued, skipped (no address)."""
    days = int(current_app.config.get("DIRECTORY_DUE_SOON_DAYS", 30))
    groups = due_by_organization(today, days)
    counts = {"organisations": len(groups), "services": 0, "queued": 0, "skipped": 0}
    for organization, services in groups:
        counts["services"] += len(services)
        address = organization_address(organization)
        echo(f"== {organization.name} <{address or _('geen e-mailadres')}>")
        for service in services:
            echo(_service_line(service, today))
        echo("")
        if dry_run:
            continue
        if address:
            queue_reminder(organization, services, today)
            counts["queued"] += 1
        else:
            counts["skipped"] += 1
    db.session.commit()
    return counts
