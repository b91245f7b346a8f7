"""E-mail for the whole site: an outbox in the database, sent after the commit by the worker."""

from __future__ import annotations

from flask import Flask

SETTINGS = {
    # SMTP; without MAIL_SERVER every message is written to instance/mail/*.eml and logged.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_FROM": "",
    "MAIL_TIMEOUT": 30,
    # Retries: 1, 2, 4 … minutes after a failed attempt, at most MAIL_RETRY_MAX seconds
    # apart; after MAIL_MAX_ATTEMPTS attempts a message is marked failed.
    "MAIL_RETRY_BASE": 60,
    "MAIL_RETRY_MAX": 6 * 60 * 60,
    "MAIL_MAX_ATTEMPTS": 12,
    # A worker that took a message and died: others send it again after this many seconds.
    "MAIL_CLAIM_SECONDS": 300,
    # Sent messages are deleted from the outbox after this many days.
    "MAIL_KEEP_DAYS": 30,
    # Ask the worker to send right after a commit that queued mail (else: within a minute).
    "MAIL_SEND_AFTER_COMMIT": True,
    # Job queue: Redis address (redis://…); empty: a SQLite file instance/jobs.db.
    "JOB_QUEUE_URL": "",
}


def init_app(app: Flask) -> None:
    """Settings, the outbox table, the periodic jobs and ``signalen worker`` / ``signalen mail``."""
    from signalen.mail import jobs, models  # noqa: F401 (tables in db.metadata)
    from signalen.mail.cli import mail_command, worker_command

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    jobs.init_app(app)
    app.cli.add_command(worker_command)
    app.cli.add_command(mail_command)
