"""Privacy guard: finds personal data of clients in Dutch free text before it is stored."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load the name model in the background, register the sweep and the live check."""
    from signalen.privacy import cli, names, routes

    app.config.setdefault("PRIVACY_NAMES_PRELOAD", True)
    app.config.setdefault("PRIVACY_NAMES_WAIT", 0)
    app.config.setdefault("PRIVACY_NAMES_CACHE", None)
    if app.config["PRIVACY_NAMES_PRELOAD"]:
        names.start_loading(app.config["PRIVACY_NAMES_CACHE"])
    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.privacy_sweep)
