"""Change requests ("meld een wijziging"): anyone proposes, a coordinator decides."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.audit.services import record
from signalen.auth.models import User
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_text
from signalen.directory.models import ChangeRequest, ChangeRequestItem, ChangeStatus, Service
from signalen.directory.services.catalogue import current_value, update_service
from signalen.directory.services.common import get_by_id, index_services
from signalen.directory.services.validation import clean_value, valid_email
from signalen.extensions import db
from signalen.privacy.services import find_personal_data

# Sent before the commit of a new change request (sender: the request; service).
change_request_created = Namespace().signal("change-request-created")
MAX_EXPLANATION_LENGTH = 2_000
# Fields anyone may propose a new value for; "address" and "other" are texts a coordinator
# handles by hand (NOT_APPLIED), the others are applied on approval.
PROPOSABLE_FIELDS = (
    "phone",
    "email",
    "url",
    "address",
    "status",
    "name",
    "description",
    "eligibility_description",
    "application_process",
    "fees_description",
    "other",
)
NOT_APPLIED = ("address", "other")
# Proposals of free text are checked for personal data like the explanation. The service's
# own address, phone number, e-mail address and website are what those fields are for.
FREE_TEXT_PROPOSALS = tuple(
    name for name in PROPOSABLE_FIELDS if name not in ("phone", "email", "url", "address", "status")
)


def _refuse_personal_data(name: str, text: str) -> None:
    findings = find_personal_data(text)
    if findings:
        kinds = ", ".join(sorted({finding.label for finding in findings}))
        raise ServiceError(
            _l(
                "Haal persoonsgegevens weg (%(kinds)s). Schrijf nooit gegevens van een cliënt "
                "op. Gaat het om het adres, telefoonnummer of e-mailadres van de dienst zelf? "
                "Vul het dan in bij Adres, Telefoonnummer of E-mailadres.",
                kinds=kinds,
            ),
            field=name,
        )


def create_change_request(
    service: Service,
    proposals: Mapping[str, str | None],
    explanation: str = "",
    reporter_email: str = "",
) -> ChangeRequest:
    """Store what a visitor says is wrong, one item per field; the service does not change.

    ``proposals`` maps field names (:data:`PROPOSABLE_FIELDS`) to the new value; empty values
    and values equal to the current one are left out. Every value is checked like an edit,
    and free text (the explanation too) goes through the privacy guard: a proposal with
    personal data (BSN, IBAN, a phone number in the explanation, …) is refused whole.
    """
    explanation = clean_text(explanation)
    reporter_email = (reporter_email or "").strip()
    if len(explanation) > MAX_EXPLANATION_LENGTH:
        raise ServiceError(
            _l("Dit mag hoogstens %(count)d tekens hebben.", count=MAX_EXPLANATION_LENGTH),
            field="explanation",
        )
    _refuse_personal_data("explanation", explanation)
    if reporter_email and not valid_email(reporter_email):
        raise ServiceError(_l("Dit e-mailadres klopt niet."), field="reporter_email")
    unknown = set(proposals) - set(PROPOSABLE_FIELDS)
    if unknown:
        raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=sorted(unknown)[0])
    items: list[ChangeRequestItem] = []
    for name in PROPOSABLE_FIELDS:
        raw = clean_text(proposals.get(name))
        if not raw:
            continue
        value = str(clean_value(name, raw))
        if name in FREE_TEXT_PROPOSALS:
            _refuse_personal_data(name, value)
        if name != "other" and value == current_value(service, name):
            continue
        items.append(ChangeRequestItem(position=len(items), field_name=name, proposed_value=value))
    if not items:
        if not explanation:
            raise ServiceError(
                _l("Vul in wat er niet klopt, of schrijf het in de toelichting."),
                field="explanation",
            )
        items.append(ChangeRequestItem(position=0, field_name="other", proposed_value=""))
    request = ChangeRequest(
        service_id=service.id, explanation=explanation, reporter_email=reporter_email
    )
    request.items.extend(items)
    db.session.add(request)
    db.session.flush()
    change_request_created.send(request, service=service)
    db.session.commit()
    return request


def open_change_requests() -> list[ChangeRequest]:
    """Change requests with at least one undecided item, oldest first."""
    return list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.status == ChangeStatus.OPEN.value)
            .order_by(ChangeRequest.created_at)
        )
    )


def get_change_request(request_id: object) -> ChangeRequest | None:
    """The change request with this id, or None."""
    return get_by_id(ChangeRequest, request_id)


def get_change_item(item_id: object) -> ChangeRequestItem | None:
    """One item of a change request, or None."""
    return get_by_id(ChangeRequestItem, item_id)


def _decide(items: Iterable[ChangeRequestItem], approve: bool, user: User) -> ChangeRequest:
    """Apply (through :func:`update_service`, so history records each field) or reject open
    items of one request, and close the request when nothing is left undecided."""
    items = [item for item in items if item.status == ChangeStatus.OPEN.value]
    if not items:
        raise ServiceError(_l("Over dit voorstel is al beslist."))
    request = items[0].change_request
    if approve:
        values = {
            item.field_name: item.proposed_value
            for item in items
            if item.field_name not in NOT_APPLIED
        }
        if values:
            update_service(request.service, values, user.email, verified=False, commit=False)
    for item in items:
        item.status = (ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED).value
    if all(item.status != ChangeStatus.OPEN.value for item in request.items):
        approved = any(item.status == ChangeStatus.APPROVED.value for item in request.items)
        request.status = (ChangeStatus.APPROVED if approved else ChangeStatus.REJECTED).value
        request.decided_at = datetime.now(UTC)
        request.decided_by_id = user.id
        # Only needed for a question back while the request was open.
        request.reporter_email = ""
    record(
        "directory.change_request_" + ("approved" if approve else "rejected"),
        request,
        actor=user,
        changes={"fields": [item.field_name for item in items]},
        object_type="directory_change_request",
        object_label=request.service.name,
    )
    db.session.commit()
    index_services([request.service_id])
    return request


def decide_change_item(item: ChangeRequestItem, approve: bool, user: User) -> ChangeRequest:
    """Approve or reject one proposed field of a change request."""
    return _decide([item], approve, user)


def decide_change_request(request: ChangeRequest, approve: bool, user: User) -> ChangeRequest:
    """Approve (each field applied and recorded on its own) or reject every open item."""
    return _decide(request.items, approve, user)
