"""Signaalradar: knelpunten that rise across organisations, noticed before anyone reads a chart."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint, CLI command, audit actions and digest figures
    on ``app``."""
    from signalen.audit.services import register_actions
    from signalen.digests.figures import register_contribution
    from signalen.radar import models  # noqa: F401 (tables in the metadata)
    from signalen.radar.cli import radar_command
    from signalen.radar.routes import bp
    from signalen.radar.services import AUDIT_ACTIONS, digest_figures

    app.register_blueprint(bp)
    register_actions(AUDIT_ACTIONS)
    app.cli.add_command(radar_command)
    # "Wat opvalt" in every digest: what the radar saw rising at the end of its period.
    register_contribution(app, "opvallend", digest_figures)
