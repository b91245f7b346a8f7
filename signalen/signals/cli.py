import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import InputPath, fail, run_service
from signalen.organisations.services import find_by_name
from signalen.signals import importing


@click.command("import-signals", help="Importeer knelpunten uit een CSV-bestand.")
@click.argument("path", type=InputPath(dir_okay=False, path_type=Path))
@click.option(
    "--organisation",
    "organisation_name",
    required=True,
    help="De organisatie die de knelpunten meldt.",
)
@click.option("--dry-run", is_flag=True, help="Alleen controleren, niets opslaan.")
@click.option(
    "--redact",
    is_flag=True,
    help="Persoonsgegevens vervangen door [BSN], [TELEFOON], … in plaats van te weigeren.",
)
@with_appcontext
def import_signals_command(path: Path, organisation_name: str, dry_run: bool, redact: bool) -> None:
    organisation = find_by_name(organisation_name)
    if organisation is None:
        fail(_("Organisatie '%(name)s' bestaat niet.", name=organisation_name))
    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(_("Kan het bestand niet lezen: %(error)s", error=error.strerror or str(error)))
    text = run_service(importing.decode, raw)
    header, rows = run_service(importing.read_rows, text)
    mapping = importing.guess_mapping(header)
    with click.progressbar(length=len(rows), label=_("Controleren"), file=sys.stderr) as bar:
        report = importing.check_rows(
            header, rows, mapping, redact_personal_data=redact, progress=bar.update
        )
    for problem in report.personal_data:
        click.echo(
            _(
                "Regel %(row)d, kolom %(column)s: persoonsgegevens (%(kinds)s)%(redacted)s",
                row=problem.row,
                column=problem.column,
                kinds=problem.message,
                redacted=_(" – vervangen") if redact else "",
            )
        )
    if not report.ok:
        for problem in report.problems:
            if redact or "Persoonsgegevens" not in problem.message:
                click.echo(
                    _(
                        "Regel %(row)d, kolom %(column)s: %(message)s",
                        row=problem.row,
                        column=problem.column,
                        message=problem.message,
                    ),
                    err=True,
                )
        fail(
            _(
                "%(count)d probleem/problemen gevonden; er is niets opgeslagen.",
                count=len(report.problems),
            )
        )
    if dry_run:
        click.echo(
            _(
                "Controle geslaagd: %(count)d knelpunten kunnen worden geïmporteerd. "
                "Er is niets opgeslagen (--dry-run).",
                count=len(report.inputs),
            )
        )
        return
    with click.progressbar(length=len(report.inputs), label=_("Opslaan"), file=sys.stderr) as bar:
        created = run_service(
            importing.commit_import, report, None, organisation.id, progress=bar.update
        )
    click.echo(
        _(
            "%(count)d knelpunten geïmporteerd voor %(organisation)s.",
            count=created,
            organisation=organisation.name,
        )
    )
