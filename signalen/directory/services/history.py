"""Field-level history (HSDS ``metadata``): one row per changed field."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import select

from signalen.directory.models import Metadata
from signalen.directory.services.validation import area_text
from signalen.extensions import db


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


def as_text(name: str, value: object) -> str:
    """A cleaned value as :func:`current_value` (or :func:`organization_value`,
    :func:`location_value`) writes it."""
    if name == "themes":
        return ", ".join(theme.full_name for theme in value)  # type: ignore[attr-defined]
    if name == "areas":
        return area_text(value)  # type: ignore[arg-type]
    if name == "phones":
        return "; ".join(value)  # type: ignore[arg-type]
    if name == "services":
        return "; ".join(service.name for service in value)  # type: ignore[attr-defined]
    if name == "municipality":
        return value.name if value is not None else ""  # type: ignore[attr-defined]
    return "" if value is None else str(value)


def record_changes(
    resource_id: uuid.UUID,
    resource_type: str,
    cleaned: Mapping[str, object],
    current: Callable[[str], str],
    apply: Callable[[str, object], None],
    updated_by: str,
) -> list[str]:
    """Apply the cleaned values that differ from ``current`` and record each as one history
    row (:func:`record_change`); returns the names of the changed fields."""
    changed: list[str] = []
    for name, value in cleaned.items():
        previous = current(name)
        replacement = as_text(name, value)
        if previous == replacement:
            continue
        apply(name, value)
        record_change(resource_id, resource_type, name, previous, replacement, updated_by)
        changed.append(name)
    return changed


def resource_history(resource_ids: Iterable[uuid.UUID], limit: int = 200) -> list[Metadata]:
    """Field-level history of these services, organisations, locations or contacts, newest
    first."""
    return list(
        db.session.scalars(
            select(Metadata)
            .where(Metadata.resource_id.in_(list(resource_ids)))
            .order_by(Metadata.last_action_date.desc(), Metadata.field_name)
            .limit(limit)
        )
    )


def service_history(service_id: uuid.UUID, limit: int = 200) -> list[Metadata]:
    """Field-level history of a service, newest first."""
    return resource_history([service_id], limit)
