import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.api import services
from signalen.api.models import Scope
from signalen.core.cli import fail, run_service
from signalen.organisations.services import find_by_name

SCOPES = ", ".join(scope.value for scope in Scope)


@click.command("create-token", help="Maak een API-sleutel voor een organisatie.")
@click.option("--organisation", "organisation_name", required=True, help="De organisatie.")
@click.option(
    "--scope",
    default=Scope.READ.value,
    show_default=True,
    help="read: alleen lezen; write: lezen en knelpunten melden; widget: alleen het "
    "meldformulier voor een website.",
)
@click.option("--name", default="", help="Waarvoor de sleutel is (bijvoorbeeld de website).")
@with_appcontext
def create_token_command(organisation_name: str, scope: str, name: str) -> None:
    if scope.strip().lower() not in {s.value for s in Scope}:
        fail(_("Onbekende scope '%(scope)s'. Kies uit: %(scopes)s.", scope=scope, scopes=SCOPES))
    organisation = find_by_name(organisation_name)
    if organisation is None:
        fail(_("Organisatie '%(name)s' bestaat niet.", name=organisation_name))
    row, token = run_service(
        services.create_token, organisation, Scope(scope.strip().lower()), name
    )
    click.echo(
        _(
            "API-sleutel '%(name)s' voor %(organisation)s (%(scope)s). "
            "U ziet deze sleutel alleen nu:",
            name=row.name,
            organisation=organisation.name,
            scope=row.scope.value,
        ),
        err=True,
    )
    click.echo(token)
