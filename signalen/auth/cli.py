import sys

import click
from flask import current_app, url_for
from flask.cli import with_appcontext
from flask_babel import gettext as _

from signalen.auth import services
from signalen.auth.models import Role
from signalen.core.cli import fail, run_service
from signalen.organisations.services import find_by_name


def password_link(token: str) -> str:
    """The full address of a set-password link, using ``BASE_URL`` when configured."""
    base = (current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for("auth.set_password", token=token, _external=True)


@click.command("create-user", help="Maak een gebruiker aan.")
@click.argument("email")
@click.option(
    "--role", "role_name", required=True, help="vrijwilliger, coordinator, lezer of beheerder"
)
@click.option(
    "--organisation",
    "organisation_name",
    default=None,
    help="Naam van de organisatie (niet nodig voor een beheerder).",
)
@click.option("--name", default=None, help="Naam van de gebruiker (standaard het e-mailadres).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Lees het wachtwoord van standaardinvoer in plaats van een link te maken.",
)
@with_appcontext
def create_user_command(email, role_name, organisation_name, name, password_stdin) -> None:
    try:
        role = Role(role_name.strip().lower())
    except ValueError:
        fail(
            _(
                "Onbekende rol '%(role)s'. Kies uit: %(roles)s.",
                role=role_name,
                roles=", ".join(r.value for r in Role),
            )
        )
    organisation = None
    if organisation_name:
        organisation = find_by_name(organisation_name)
        if organisation is None:
            fail(
                _(
                    "Organisatie '%(name)s' bestaat niet. Maak haar eerst aan met "
                    "'signalen create-organisation'.",
                    name=organisation_name,
                )
            )
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            fail(_("Er kwam geen wachtwoord binnen via standaardinvoer."))
    user = run_service(
        services.create_user,
        None,
        email,
        name or email.split("@")[0],
        role,
        organisation,
        password=password,
    )
    click.echo(
        _("Gebruiker aangemaakt: %(email)s (%(role)s)", email=user.email, role=user.role.value)
    )
    if password is None:
        days = int(current_app.config["PASSWORD_LINK_MAX_AGE"]) // 86400
        click.echo(_("Link om een wachtwoord in te stellen (%(days)d dagen geldig):", days=days))
        click.echo(password_link(services.make_password_token(user)))
