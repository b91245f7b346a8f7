"""Signaleringsrapportage: digests over a period, drafted and published as immutable versions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, CLI commands and search sources on ``app``."""
    from signalen.audit.services import register_actions
    from signalen.digests import models  # noqa: F401 (tables in the metadata)
    from signalen.digests.cli import digest_command
    from signalen.digests.routes import bp
    from signalen.digests.services import AUDIT_ACTIONS

    app.register_blueprint(bp)
    register_actions(AUDIT_ACTIONS)
    app.cli.add_command(digest_command)
