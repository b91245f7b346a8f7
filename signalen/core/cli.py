"""Helpers for the command line: Dutch errors with a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from signalen.core.errors import ServiceError
from signalen.extensions import db


class CommandError(click.ClickException):
    """A command-line error shown as ``Fout: …`` with exit status 1."""

    def show(self, file=None) -> None:
        click.echo(_("Fout: %(message)s", message=self.format_message()), file=file, err=True)


def fail(message) -> None:
    """Stop the command with a clear message and exit status 1."""
    raise CommandError(str(message))


def run_service(function, *args, **kwargs):
    """Call a service; a ServiceError becomes a CLI error and the transaction is undone."""
    try:
        return function(*args, **kwargs)
    except ServiceError as error:
        db.session.rollback()
        fail(error.message)


class InputPath(click.Path):
    """A file or folder to read: a null byte or an impossible name (too long) gives
    ``Fout: …`` with exit status 1 instead of a traceback."""

    def convert(self, value, param, ctx):
        try:
            if "\x00" in str(value):
                raise ValueError(value)
            path = super().convert(value, param, ctx)
            Path(path).exists()  # raises OSError for a name the system cannot have
        except (ValueError, OSError):
            fail(_("Dit pad kan niet worden gelezen. Controleer de naam van het bestand."))
        return path
