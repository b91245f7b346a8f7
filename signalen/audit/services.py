"""Writing to and reading from the audit log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select

from signalen.audit.models import AuditEvent
from signalen.extensions import db

SYSTEM_ACTOR = "systeem"

ACTION_LABELS = {
    "organisation.create": _l("Organisatie aangemaakt"),
    "organisation.update": _l("Organisatie gewijzigd"),
    "user.create": _l("Gebruiker aangemaakt"),
    "user.update": _l("Gebruiker gewijzigd"),
    "user.password_reset": _l("Wachtwoordlink gemaakt"),
    "user.password_set": _l("Wachtwoord ingesteld"),
    "user.password_reset_requested": _l("Wachtwoord vergeten: link gemaild"),
    "taxonomy.create": _l("Indeling: term toegevoegd"),
    "taxonomy.update": _l("Indeling: term gewijzigd"),
    "taxonomy.synonyms_create": _l("Zoeken: synoniemen toegevoegd"),
    "taxonomy.synonyms_update": _l("Zoeken: synoniemen gewijzigd"),
    "article.create": _l("Kennisartikel geschreven"),
    "article.update": _l("Kennisartikel gewijzigd"),
    "auth.login": _l("Ingelogd"),
    "auth.login_failed": _l("Inloggen mislukt"),
    "auth.logout": _l("Uitgelogd"),
    "privacy.sweep": _l("Controle op persoonsgegevens gedaan"),
    "privacy.redact": _l("Persoonsgegevens vervangen"),
}


def register_actions(labels: Mapping[str, Any]) -> None:
    """Add a feature's audit actions with their Dutch descriptions (shown in the log)."""
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    """The Dutch description of an audit action, or the action itself when unknown."""
    return str(ACTION_LABELS.get(action, action))


def record(
    action: str,
    obj: Any = None,
    *,
    changes: Mapping[str, Any] | None = None,
    actor: Any = None,
    organisation_id: int | None = None,
    object_type: str | None = None,
    object_label: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits).

    ``actor`` defaults to the logged-in user; outside a request it is the system.
    Because the event joins the caller's transaction, a change and its log entry
    are stored together or not at all.
    """
    obj, actor = _unproxied(obj), _unproxied(actor)
    if actor is None:
        actor = _current_actor()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or SYSTEM_ACTOR,
        organisation_id=organisation_id
        if organisation_id is not None
        else getattr(obj, "organisation_id", None) or getattr(actor, "organisation_id", None),
        action=action,
        object_type=object_type or (type(obj).__tablename__ if obj is not None else "-"),
        object_id=str(obj.id) if getattr(obj, "id", None) is not None else None,
        object_label=(object_label if object_label is not None else _label_of(obj))[:254],
        changes=_jsonable(dict(changes or {})),
    )
    db.session.add(event)
    return event


def changed_fields(obj: Any, new_values: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Apply ``new_values`` to ``obj`` and return ``{field: [old, new]}`` for what changed."""
    changes: dict[str, list[Any]] = {}
    for field, new in new_values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = [old, new]
            setattr(obj, field, new)
    return changes


def events_query(action: str | None = None, organisation_id: int | None = None) -> Select:
    """Audit events, newest first, optionally for one action or organisation."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if organisation_id:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    return query


def known_actions() -> Iterable[tuple[str, str]]:
    return [(action, str(label)) for action, label in ACTION_LABELS.items()]


def _unproxied(value: Any) -> Any:
    getter = getattr(value, "_get_current_object", None)
    return getter() if getter is not None else value


def _current_actor() -> Any:
    try:
        return current_user._get_current_object() if current_user.is_authenticated else None
    except (AttributeError, RuntimeError):
        return None


def _label_of(obj: Any) -> str:
    if obj is None:
        return ""
    for attribute in ("name", "email", "title"):
        value = getattr(obj, attribute, None)
        if value:
            return str(value)
    return ""


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(getattr(value, "value", value))
