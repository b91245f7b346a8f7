import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.taxonomy.services import seed_taxonomies


@click.command("seed-taxonomy", help="Laad thema's, regelingen, uitvoerders en gemeenten.")
@with_appcontext
def seed_taxonomy_command() -> None:
    added = seed_taxonomies()
    click.echo(
        _(
            "Toegevoegd: %(themes)d thema's, %(schemes)d regelingen, %(agencies)d "
            "uitvoerders, %(municipalities)d gemeenten.",
            themes=added["thema"],
            schemes=added["regeling"],
            agencies=added["uitvoerder"],
            municipalities=added["gemeente"],
        )
    )
