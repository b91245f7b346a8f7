"""``signalen privacy-sweep``: check (and redact) what an older guard let through."""

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import fail
from signalen.organisations import services as organisations


@click.command("privacy-sweep", help="Zoek persoonsgegevens in alles wat al is opgeslagen.")
@click.option("--redact", is_flag=True, help="Vervang wat gevonden is door [NAAM], [BSN], …")
@click.option("--organisation", "organisation_name", help="Alleen deze organisatie.")
@with_appcontext
def privacy_sweep(redact: bool, organisation_name: str | None) -> None:
    from signalen.privacy.sweep import sweep

    organisation = None
    if organisation_name:
        organisation = organisations.find_by_name(organisation_name)
        if organisation is None:
            fail(_("Organisatie niet gevonden: %(name)s", name=organisation_name))
    result = sweep(redact_found=redact, organisation=organisation)
    for hit in result.hits:
        note = _(" (alleen gemeld)") if hit.warn_only else ""
        click.echo(f"{hit.table} {hit.row_id} {hit.column}: {', '.join(hit.kinds)}{note}")
    summary = result.summary()
    click.echo(
        _(
            "%(checked)d teksten bekeken, %(found)d met persoonsgegevens, %(redacted)d vervangen.",
            checked=summary["checked"],
            found=summary["found"],
            redacted=summary["redacted"],
        )
    )
