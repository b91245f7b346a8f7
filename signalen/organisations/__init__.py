"""Client organisations (tenants): the melders whose volunteers register signals."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's CLI command on ``app``."""
    from signalen.organisations.cli import create_organisation_command

    app.cli.add_command(create_organisation_command)
