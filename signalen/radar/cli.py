"""``signalen radar [--date YYYY-MM-DD] [--weeks 4] [--json]``: the rises at a date."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import fail
from signalen.core.validation import parse_date
from signalen.radar import services


@click.command("radar", help="Toon wat de signaalradar ziet stijgen op een datum.")
@click.option("--date", "at", help="Datum jjjj-mm-dd (standaard vandaag).")
@click.option(
    "--weeks",
    default=4,
    show_default=True,
    type=click.IntRange(1, services.MAX_WEEKS),
    help="Aantal recente weken.",
)
@click.option("--json", "as_json", is_flag=True, help="Als JSON (een lijst van stijgingen).")
@with_appcontext
def radar_command(at: str | None, weeks: int, as_json: bool) -> None:
    day = None
    if at:
        day = parse_date(at)
        if day is None:
            fail(_("De datum bij --date klopt niet (gebruik jjjj-mm-dd)."))
    result = services.detect(day, weeks, viewer=services.ALL)
    if as_json:
        click.echo(json.dumps([rise.as_json() for rise in result.all_rises], ensure_ascii=False))
        return
    click.echo(
        _(
            "Signaalradar %(window)s: %(count)d stijgingen.",
            window=services.window_label(result.window),
            count=len(result.rises),
        )
    )
    for rise in result.rises:
        click.echo(f"- [{rise.kind_label}] {services.explain(rise, weeks)} (score {rise.score})")
    for rise in result.marked:
        verdict = services.VERDICT_LABELS[rise.mark.verdict]
        click.echo(f"- [{rise.kind_label}] {rise.name}: {verdict} ({rise.mark.reason})")
