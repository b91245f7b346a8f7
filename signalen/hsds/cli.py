"""``signalen import-hsds PATH [--dry-run] [--strict]``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import InputPath, fail
from signalen.hsds.importing import import_hsds


@click.command("import-hsds")
@click.argument("path", type=InputPath(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Alleen controleren, niets opslaan.")
@click.option(
    "--strict",
    is_flag=True,
    help="Ook reparaties (coördinaten buiten bereik, onbekende verwijzingen) als fout zien.",
)
@with_appcontext
def import_hsds_command(path: Path, dry_run: bool, strict: bool) -> None:
    """Importeer HSDS 3.0 (JSON-bestand of map met datapackage.json en CSV's)."""
    report = import_hsds(path, dry_run=dry_run, strict=strict)
    for problem in report.warnings:
        click.echo(_("Let op: %(problem)s", problem=problem), err=True)
    for problem in report.errors:
        click.echo(_("Fout: %(problem)s", problem=problem), err=True)
    if report.errors:
        fail(
            _(
                "%(count)d fout(en) gevonden; er is niets geïmporteerd.",
                count=len(report.errors),
            )
        )
    summary = "; ".join(
        _(
            "%(table)s: %(created)d nieuw, %(updated)d bijgewerkt",
            table=table,
            created=created,
            updated=updated,
        )
        for table, created, updated in report.counts()
    )
    if dry_run:
        click.echo(_("Controle geslaagd: geen fouten. Er is niets opgeslagen (--dry-run)."))
        if summary:
            click.echo(_("Een import zou doen: %(summary)s", summary=summary))
    else:
        click.echo(_("Geïmporteerd. %(summary)s", summary=summary or _("niets gewijzigd")))
