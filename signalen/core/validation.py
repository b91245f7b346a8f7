"""Checks for short texts that every feature uses the same way."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from signalen.core.errors import ServiceError

# Null bytes and other control characters never belong in stored text (newline, tab do).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f]")


def clean_line(
    value: str | None,
    *,
    max_length: int,
    field: str = "name",
    empty_message=None,
    too_long_message=None,
) -> str:
    """Collapse whitespace to single spaces; raise ServiceError when empty or too long."""
    text = " ".join((value or "").replace("\x00", "").split())
    if not text:
        raise ServiceError(empty_message or _l("Vul een naam in."), field=field)
    if len(text) > max_length:
        raise ServiceError(
            too_long_message
            or _l("Een naam mag hoogstens %(count)d tekens hebben.", count=max_length),
            field=field,
        )
    return text


def clean_text(value: str | None) -> str:
    """Free text as typed, without outer whitespace and control characters (newlines and
    tabs stay; Windows line ends become ``\\n``)."""
    return CONTROL_CHARACTERS.sub("", (value or "").replace("\r\n", "\n")).strip()
