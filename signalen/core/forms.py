"""Form helpers: a service's refusal on its field, form errors as messages, the status."""

from __future__ import annotations

from collections.abc import Mapping

from flask import flash, render_template, request
from wtforms import IntegerField

from signalen.core.errors import ServiceError
from signalen.core.validation import DB_INT_MAX, parse_int


class WholeNumberField(IntegerField):
    """An IntegerField that takes ASCII digits only, within the database's integer range
    (``int()`` would take ``٣``, and a number of 4,000 digits breaks NumberRange)."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist or valuelist[0] is None or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0], -DB_INT_MAX, DB_INT_MAX)
        if self.data is None:
            raise ValueError(self.gettext("Not a valid integer value."))


def show_service_error(form, error: ServiceError, aliases: Mapping[str, str] | None = None) -> None:
    """Put ``error`` under its field (``aliases`` maps service to form names), else flash it."""
    name = (aliases or {}).get(error.field or "", error.field)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def form_status() -> int:
    """The status of a form page: 422 when a POST had mistakes and the form is shown again."""
    return 422 if request.method == "POST" else 200


def flash_form_errors(form) -> None:
    """Flash every error of ``form`` (for forms posted from a page that shows no fields)."""
    for errors in form.errors.values():
        for message in errors:
            flash(str(message), "error")


CONFIRMED = "bevestigd"


def confirmed() -> bool:
    """Has the user confirmed an irreversible action on its confirmation page?"""
    return request.form.get(CONFIRMED) == "1"


def confirmation_page(*, title: str, text: str, button: str, cancel_url: str, details=()) -> str:
    """The step before an irreversible action, without JavaScript: the same POST again with
    ``bevestigd=1``, or back to ``cancel_url``. ``details`` are lines shown as a list."""
    return render_template(
        "confirm_action.html",
        title=title,
        text=text,
        button=button,
        cancel_url=cancel_url,
        details=list(details),
        action=request.path,
        confirmed_name=CONFIRMED,
    )
