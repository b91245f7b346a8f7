"""Showing a service's refusal on the form field it is about."""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash

from signalen.core.errors import ServiceError


def show_service_error(form, error: ServiceError, aliases: Mapping[str, str] | None = None) -> None:
    """Put ``error`` under its field (``aliases`` maps service to form names), else flash it."""
    name = (aliases or {}).get(error.field or "", error.field)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")
