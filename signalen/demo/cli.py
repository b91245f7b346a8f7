import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_migrate import upgrade

from signalen.demo import services


def _seed_and_print() -> None:
    if services.seed_demo():
        click.echo(_("Demogegevens geladen."))
    else:
        click.echo(_("Demogegevens waren al geladen."))
    click.echo(_("Demo-accounts (alleen voor een demo; kies echte wachtwoorden in productie):"))
    for login in services.demo_logins():
        click.echo(
            f"  {login.role.value:<13} {login.email:<42} {login.password:<18} {login.organisation}"
        )


@click.command("seed-demo", help="Laad de demogegevens (één keer).")
@with_appcontext
def seed_demo_command() -> None:
    _seed_and_print()


@click.command("demo", help="Maak de database bij, laad demogegevens en start de site.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def demo_command(host: str, port: int, threads: int) -> None:
    from waitress import serve

    from signalen.search import services as search

    upgrade()
    _seed_and_print()
    search.wait_until_ready(timeout=300)
    click.echo(
        _("Signalen draait op http://%(host)s:%(port)d/ (stoppen: Ctrl+C)", host=host, port=port)
    )
    from signalen.mail import jobs

    app = current_app._get_current_object()
    # The worker runs in this process: mail, reminders and digest drafts without a second command.
    consumer = jobs.start_in_process(app)
    try:
        serve(app, host=host, port=port, threads=threads, ident="Signalen")
    finally:
        consumer.stop(graceful=True)
