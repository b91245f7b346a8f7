import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import InputPath, fail, run_service
from signalen.organisations.services import find_by_name
from signalen.signals import importing, reconciling


@click.command("import-signals", help="Importeer knelpunten uit een CSV- of Excel-bestand (.xlsx).")
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
@click.option(
    "--unknown-values",
    type=click.Choice(["error", "empty"]),
    default="error",
    show_default=True,
    help="Wat te doen met een waarde die niet in de lijsten staat en niet duidelijk op één "
    "naam lijkt: een fout (niets opslaan), of het veld leeg laten met een waarschuwing.",
)
@with_appcontext
def import_signals_command(
    path: Path, organisation_name: str, dry_run: bool, redact: bool, unknown_values: str
) -> None:
    organisation = find_by_name(organisation_name)
    if organisation is None:
        fail(_("Organisatie '%(name)s' bestaat niet.", name=organisation_name))
    try:
        raw = path.read_bytes()
    except OSError as error:
        fail(_("Kan het bestand niet lezen: %(error)s", error=error.strerror or str(error)))
    table = run_service(importing.open_table, raw)
    mapping = importing.guess_mapping(table.header)
    # First pass: the distinct values of the list columns, and what they mean.
    counted = [0]

    def cells():
        for _number, row in table.rows:
            counted[0] += 1
            yield row

    values = reconciling.collect_values(table.header, cells(), mapping)
    if not counted[0]:
        fail(_("Het bestand heeft geen regels onder de kopregel."))
    reconciliation = reconciling.reconcile(values, organisation.id)
    value_map = _report_mappings(reconciliation, unknown_values)
    # Second pass: check (and store) every row, in batches, all or nothing.
    table = run_service(importing.open_table, raw)
    with click.progressbar(
        length=counted[0],
        label=_("Controleren") if dry_run else _("Controleren en opslaan"),
        file=sys.stderr,
        show_pos=True,
    ) as bar:
        report = run_service(
            importing.import_streaming,
            table.rows,
            table.header,
            mapping,
            organisation.id,
            dry_run=dry_run,
            redact_personal_data=redact,
            value_map=value_map,
            progress=bar.update,
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
                count=report.rows,
            )
        )
        return
    click.echo(
        _(
            "%(count)d knelpunten geïmporteerd voor %(organisation)s.",
            count=report.created,
            organisation=organisation.name,
        )
    )


def _report_mappings(
    reconciliation: reconciling.Reconciliation, unknown_values: str
) -> dict[reconciling.Key, str]:
    """Print every value the import will read as another; returns the value map."""
    value_map = dict(reconciliation.applied)
    for (column, folded), target in sorted(reconciliation.applied.items()):
        click.echo(
            _(
                "Kolom %(column)s: '%(value)s' wordt '%(target)s' (eerder zo gekozen).",
                column=column,
                value=folded,
                target=target or _("leeg"),
            )
        )
    for unknown in reconciliation.unknown:
        if unknown.preselected is not None:
            value_map[unknown.key] = unknown.preselected
            click.echo(
                _(
                    "Kolom %(column)s: '%(value)s' wordt '%(target)s' (lijkt er duidelijk op).",
                    column=unknown.column,
                    value=unknown.value,
                    target=unknown.preselected,
                )
            )
        elif unknown_values == "empty":
            value_map[unknown.key] = ""
            click.echo(
                _(
                    "Waarschuwing: kolom %(column)s: '%(value)s' staat niet in de lijst; "
                    "%(rows)d regel(s) krijgen hier niets.",
                    column=unknown.column,
                    value=unknown.value,
                    rows=unknown.rows,
                ),
                err=True,
            )
    return value_map
