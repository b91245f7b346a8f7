import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.core.cli import run_service
from signalen.organisations import services


@click.command("create-organisation", help="Maak een organisatie aan.")
@click.argument("name")
@with_appcontext
def create_organisation_command(name: str) -> None:
    organisation = run_service(services.create_organisation, name)
    click.echo(
        _(
            "Organisatie aangemaakt: %(name)s (id %(id)s)",
            name=organisation.name,
            id=organisation.id,
        )
    )
