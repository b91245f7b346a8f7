"""HSDS 3.0 exchange: the read-only /hsds/ API and the import of HSDS JSON and CSV datapackages."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.hsds.cli import import_hsds_command
    from signalen.hsds.routes import bp

    app.register_blueprint(bp)
    app.cli.add_command(import_hsds_command)
