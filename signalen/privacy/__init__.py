"""Privacy guard: finds personal data of clients in Dutch free text before it is stored."""

from flask import Flask

from signalen.privacy.services import GuardNotReady


def init_app(app: Flask) -> None:
    """Load the name model in the background, register the sweep and the live check."""
    from signalen.privacy import cli, names, routes

    if app.config["PRIVACY_NAMES_PRELOAD"]:
        names.start_loading(app.config["PRIVACY_NAMES_CACHE"])
    app.register_blueprint(routes.bp)
    app.cli.add_command(cli.privacy_sweep)
    app.register_error_handler(GuardNotReady, _guard_not_ready)


def _guard_not_ready(error):
    """A path that does not handle the starting guard itself: 503 with the Dutch message.

    Nothing was stored (the guard runs before anything is written).
    """
    from flask import jsonify, request
    from flask_babel import gettext as _

    from signalen.core.errors import render_error
    from signalen.extensions import db

    db.session.rollback()
    if request.path.startswith("/api/"):
        response = jsonify(title=str(error.message), status=503)
        response.status_code = 503
        response.headers["Retry-After"] = "60"
        return response
    return render_error(503, _("Even geduld"), error.message)
