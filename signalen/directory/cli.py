"""``signalen review-reminders``: the services that must be checked, per organisation."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import fail
from signalen.core.dates import local_today
from signalen.directory.reminders import send_reminders
from signalen.mail.services import send_pending


@click.command("review-reminders")
@click.option("--date", "on_date", help="Doe alsof het vandaag deze datum is (jjjj-mm-dd).")
@click.option("--dry-run", is_flag=True, help="Alleen tonen, geen e-mail versturen.")
@with_appcontext
def review_reminders_command(on_date: str | None, dry_run: bool) -> None:
    """Toon of mail de diensten die gecontroleerd moeten worden, per organisatie."""
    today = local_today()
    if on_date:
        try:
            today = date.fromisoformat(on_date)
        except ValueError:
            fail(_("De datum '%(value)s' klopt niet (gebruik jjjj-mm-dd).", value=on_date))
    counts = send_reminders(today, click.echo, dry_run=dry_run)
    sent = send_pending()["sent"] if counts["queued"] else 0
    click.echo(
        _(
            "%(services)d dienst(en) bij %(organisations)d organisatie(s) moeten worden "
            "gecontroleerd; %(sent)d e-mail(s) verstuurd.",
            services=counts["services"],
            organisations=counts["organisations"],
            sent=sent,
        )
    )
    if sent < counts["queued"]:
        click.echo(_("De andere e-mails staan klaar; de werker probeert het later opnieuw."))
