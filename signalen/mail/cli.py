"""``signalen worker`` (the job queue) and ``signalen mail send`` (the outbox, by hand)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from signalen.mail import jobs, services

mail_command = AppGroup("mail", help="De uitgaande e-mail.")


@mail_command.command("send", help="Verstuur nu wat klaarstaat in de uitgaande e-mail.")
def send_command() -> None:
    counts = services.send_pending()
    click.echo(
        _(
            "%(sent)d verstuurd, %(retry)d later opnieuw, %(failed)d mislukt; "
            "%(pending)d wachten nog.",
            pending=services.pending_count(),
            **counts,
        )
    )


@click.command("worker", help="Start de achtergrondtaken: e-mail, herinneringen, rapportages.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16))
@with_appcontext
def worker_command(workers: int) -> None:
    app = current_app._get_current_object()
    huey = jobs.job_queue(app)
    where = jobs.queue_url(app) or huey.storage.filename
    click.echo(_("Werker gestart (wachtrij: %(where)s). Stoppen: Ctrl+C", where=where))
    huey.create_consumer(workers=workers, worker_type="thread").run()
