"""``signalen digest create`` and ``signalen digest publish``: usable from cron."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from signalen.core.cli import fail, run_service
from signalen.core.dates import local_today
from signalen.core.validation import parse_id
from signalen.digests import periods, services
from signalen.digests.models import Digest
from signalen.extensions import db

digest_command = AppGroup("digest", help="Signaleringsrapportages maken en publiceren.")


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(_("De datum bij %(name)s klopt niet (gebruik jjjj-mm-dd).", name=name))


@digest_command.command("create", help="Maak een concept-rapportage; toont het nummer.")
@click.option("--period", help="2026-Q3, 2026-H2, 2026-07 of 2026.")
@click.option("--from", "date_from", help="Begindatum jjjj-mm-dd (met --to).")
@click.option("--to", "date_to", help="Einddatum jjjj-mm-dd, die dag telt mee.")
@click.option(
    "--last",
    type=click.Choice(periods.LAST_PERIODS),
    help="De laatste hele maand, het laatste kwartaal of halfjaar (voor cron).",
)
@click.option("--title", help="Titel; anders maken wij er een.")
def create_command(
    period: str | None,
    date_from: str | None,
    date_to: str | None,
    last: str | None,
    title: str | None,
) -> None:
    if sum(bool(choice) for choice in (period, date_from or date_to, last)) > 1:
        fail(_("Geef --period, --last of --from/--to, niet meer dan één."))
    if last:
        chosen = periods.last_complete_period(last, local_today())
    elif period:
        chosen = run_service(periods.parse_period, period)
    elif date_from or date_to:
        chosen = run_service(
            periods.period_between, _date(date_from, "--from"), _date(date_to, "--to")
        )
    else:
        fail(_("Geef een periode: --period 2026-Q3, --last kwartaal, of --from en --to."))
    digest = run_service(services.create_digest, chosen, None, title)
    click.echo(digest.id)


@digest_command.command("publish", help="Publiceer een concept-rapportage.")
@click.argument("digest_id")
def publish_command(digest_id: str) -> None:
    number = parse_id(digest_id)
    digest = db.session.get(Digest, number) if number else None
    if digest is None:
        fail(_("Rapportage %(id)s bestaat niet.", id=digest_id[:20]))
    run_service(services.publish, digest, None)
    click.echo(_("Rapportage %(id)d is gepubliceerd.", id=digest.id))
