"""E-mail for the whole site: an outbox in the database, sent after the commit by the worker."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Settings, the outbox table, the periodic jobs and ``signalen worker`` / ``signalen mail``."""
    from signalen.mail import jobs, models  # noqa: F401 (tables in db.metadata)
    from signalen.mail.cli import mail_command, worker_command

    jobs.init_app(app)
    app.cli.add_command(worker_command)
    app.cli.add_command(mail_command)
