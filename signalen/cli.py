"""The ``signalen`` console script: the app's Flask command group."""

from flask.cli import FlaskGroup

from signalen import create_app


def _create_app():
    return create_app()


main = FlaskGroup(
    name="signalen",
    create_app=_create_app,
    help="Signalen: knelpunten registreren, sociale kaart en signaleringsoverleg.",
)
