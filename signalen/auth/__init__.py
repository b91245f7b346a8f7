"""Accounts, roles, logging in and out, and setting passwords."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint and CLI command on ``app``; a switched-off
    organisation's users are logged out."""
    from signalen.auth.cli import create_user_command
    from signalen.auth.routes import bp
    from signalen.auth.services import end_member_sessions
    from signalen.organisations.services import deactivating

    app.register_blueprint(bp)
    app.cli.add_command(create_user_command)
    deactivating.connect(end_member_sessions)
