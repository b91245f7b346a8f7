"""HSDS 3.0 exchange: the read-only /hsds/ API and the import of HSDS JSON and CSV datapackages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.api import route_api_errors
    from signalen.directory.routes import IMPORTER_EXTENSION
    from signalen.hsds.cli import import_hsds_command
    from signalen.hsds.importing import import_upload
    from signalen.hsds.routes import URL_PREFIX, bp, http_problem

    app.register_blueprint(bp)
    route_api_errors(app, URL_PREFIX, http_problem)
    app.cli.add_command(import_hsds_command)
    app.extensions[IMPORTER_EXTENSION] = import_upload  # the sociale kaart's import page
